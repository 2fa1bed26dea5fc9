#include "config/config_error.hpp"

namespace switchyard {

namespace {

std::string describe(const std::string& file, int line, int column, const std::string& key,
                     const std::string& reason) {
    std::string text = file;
    if (line > 0) {
        text += ":" + std::to_string(line);
        if (column > 0) text += ":" + std::to_string(column);
    }
    text += ": ";
    if (!key.empty()) text += key + ": ";
    return text + reason;
}

} // namespace

ConfigError::ConfigError(std::string file, int line, int column, std::string key,
                         std::string reason)
    : std::runtime_error(describe(file, line, column, key, reason)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_(std::move(key)),
      reason_(std::move(reason)) {}

} // namespace switchyard
