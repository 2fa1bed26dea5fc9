#include "counter_kernel.hpp"

#include "library_file.hpp"
#include "plugin_control.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"

#include <stdexcept>

namespace switchyard::test {

namespace {

std::filesystem::path install_first(const TempDir& dir, std::string_view build) {
    const auto library = dir.path() / "counter.so";
    replace_file(test_plugin(build), library);
    return library;
}

std::optional<int64_t> integer_field(const boost::json::object& object, std::string_view key) {
    const auto* member = object.if_contains(key);
    if (member == nullptr) return std::nullopt;
    if (!member->is_int64() && !member->is_uint64()) throw std::invalid_argument(std::string(key));
    return member->to_number<int64_t>();
}

} // namespace

CounterKernel::CounterKernel(std::string_view first_build)
    : dir_("reload"),
      library_(install_first(dir_, first_build)),
      kernel_(KernelProcess::start(
          enabled_plugin_table("counter", "library = " + toml_quote(library_.string())))) {}

void CounterKernel::install(std::string_view build) const {
    replace_file(test_plugin(build), library_);
}

HttpResponse CounterKernel::reload_with(std::string_view build) const {
    install(build);
    return reload_plugin(kernel_, "counter");
}

uint16_t CounterKernel::port() const {
    return kernel_.plugin_port("counter");
}

CounterMessage parse_counter_message(std::string_view text) {
    try {
        const boost::json::value value = parse_json(text);
        const auto& object = value.as_object();
        CounterMessage message;
        message.v = integer_field(object, "v").value();
        message.n = integer_field(object, "n").value();
        if (const auto* hello = object.if_contains("hello")) message.hello = hello->as_bool();
        message.seq = integer_field(object, "seq");
        if (const auto* echo = object.if_contains("echo"))
            message.echo = std::string(echo->as_string());
        message.mine = integer_field(object, "mine");
        return message;
    } catch (const std::exception& e) {
        throw std::runtime_error("not a counter message (" + std::string(e.what()) +
                                 "): " + std::string(text));
    }
}

} // namespace switchyard::test
