// A config file the kernel refuses, said the way a compiler says it: file, line, column,
// the dotted key and why, so the operator can go straight to the mistake.
#pragma once

#include <stdexcept>
#include <string>

namespace switchyard {

// what() is "<file>:<line>:<col>: <key>: <reason>"; the line and column are left out when
// 0 (an unreadable file has none), the key when empty (a TOML syntax error has none).
class ConfigError : public std::runtime_error {
  public:
    ConfigError(std::string file, int line, int column, std::string key, std::string reason);

    // The config file's path, or the name it was parsed under.
    const std::string& file() const { return file_; }
    // 1-based line of the offending key or value; 0 when not about one place.
    int line() const { return line_; }
    // 1-based column on that line; 0 when unknown.
    int column() const { return column_; }
    // Dotted key such as "kernel.workers" or "plugins.groove.listen"; empty if none.
    const std::string& key() const { return key_; }
    // A plain sentence: "unknown key", "expected an integer, got a string".
    const std::string& reason() const { return reason_; }

  private:
    std::string file_;
    int line_;
    int column_;
    std::string key_;
    std::string reason_;
};

} // namespace switchyard
