// Prints the logs of the kernels a failed test started, so every failure shows what the
// kernel said; passing tests stay quiet.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include "kernel_logs.hpp"

#include <catch2/catch.hpp>

#include <iostream>

namespace {

class KernelLogListener : public Catch::TestEventListenerBase {
  public:
    using TestEventListenerBase::TestEventListenerBase;

    void testCaseStarting(const Catch::TestCaseInfo& info) override {
        switchyard::test::take_kernel_logs(); // a previous test's leftovers
        TestEventListenerBase::testCaseStarting(info);
    }

    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        // Every kernel of the test is destroyed by now, so its log is complete.
        const std::string logs = switchyard::test::take_kernel_logs();
        if (stats.totals.assertions.failed > 0 && !logs.empty()) {
            std::cerr << "\n===== kernel logs of failed test '" << stats.testInfo.name
                      << "' =====\n"
                      << logs << std::flush;
        }
        TestEventListenerBase::testCaseEnded(stats);
    }
};

} // namespace

CATCH_REGISTER_LISTENER(KernelLogListener)
