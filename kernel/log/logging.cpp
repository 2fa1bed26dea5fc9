#include "log/logging.hpp"

#include "log/json_log_line.hpp"

#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace switchyard {

namespace {

// The kernel's logger has no name: a record with a name is a plugin's line, named after
// the plugin (log_plugin_line), whatever the format.
constexpr const char* kKernelLoggerName = "";

// %* in the text pattern: "plugin <name>: " before a plugin's line, nothing before the
// kernel's, so the text format reads as it always has.
class PluginPrefixFlag final : public spdlog::custom_flag_formatter {
  public:
    void format(const spdlog::details::log_msg& msg, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        if (msg.logger_name.size() == 0) return;
        constexpr std::string_view prefix = "plugin ";
        dest.append(prefix.data(), prefix.data() + prefix.size());
        dest.append(msg.logger_name.data(), msg.logger_name.data() + msg.logger_name.size());
        dest.push_back(':');
        dest.push_back(' ');
    }

    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<PluginPrefixFlag>();
    }
};

} // namespace

void init_logging(const std::string& level, const std::string& format) {
    std::shared_ptr<spdlog::logger> logger;
    if (format == "json") {
        // No colour: escape sequences would be bytes inside the JSON.
        auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        sink->set_formatter(make_json_log_formatter());
        logger = std::make_shared<spdlog::logger>(kKernelLoggerName, std::move(sink));
    } else {
        auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
        auto formatter = std::make_unique<spdlog::pattern_formatter>();
        formatter->add_flag<PluginPrefixFlag>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %*%v");
        sink->set_formatter(std::move(formatter));
        logger = std::make_shared<spdlog::logger>(kKernelLoggerName, std::move(sink));
    }
    logger->set_level(spdlog::level::from_str(level));
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(logger);
}

void log_plugin_line(std::string_view plugin, spdlog::level::level_enum level,
                     std::string_view message) {
    spdlog::logger* logger = spdlog::default_logger_raw();
    if (!logger->should_log(level)) return;
    // The kernel's own sinks, with the plugin's name as the record's logger name: no
    // logger per plugin to keep in step with the default one.
    const spdlog::details::log_msg record(
        spdlog::source_loc{}, spdlog::string_view_t(plugin.data(), plugin.size()), level,
        spdlog::string_view_t(message.data(), message.size()));
    try {
        for (const auto& sink : logger->sinks()) {
            if (sink->should_log(level)) sink->log(record);
        }
        if (level >= logger->flush_level()) logger->flush();
    } catch (const std::exception&) {
        // A log write that fails (stderr closed) must not fail the plugin's call.
    }
}

} // namespace switchyard
