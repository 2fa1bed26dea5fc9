#include "kernel_logs.hpp"

#include <mutex>
#include <utility>

namespace switchyard::test {

namespace {

struct Remembered {
    std::mutex mutex;
    std::string logs;
};

Remembered& remembered() {
    static Remembered instance;
    return instance;
}

} // namespace

void remember_kernel_log(std::string log) {
    auto& store = remembered();
    std::lock_guard lock(store.mutex);
    store.logs += log;
    if (!store.logs.empty() && store.logs.back() != '\n') store.logs += '\n';
}

std::string take_kernel_logs() {
    auto& store = remembered();
    std::lock_guard lock(store.mutex);
    return std::exchange(store.logs, {});
}

} // namespace switchyard::test
