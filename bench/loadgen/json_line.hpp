// A minimal JSON object writer for the one result line: keys in the order written,
// nested objects, strings escaped, non-finite numbers written as null.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loadgen {

class JsonLine {
  public:
    JsonLine() : out_("{") {}

    JsonLine& add(std::string_view key, std::string_view value);
    JsonLine& add(std::string_view key, const char* value) {
        return add(key, std::string_view(value));
    }
    JsonLine& add(std::string_view key, uint64_t value);
    JsonLine& add(std::string_view key, int value) {
        return add(key, uint64_t(value < 0 ? 0 : value));
    }
    JsonLine& add(std::string_view key, uint32_t value) { return add(key, uint64_t(value)); }
    JsonLine& add(std::string_view key, double value, int decimals);
    JsonLine& add(std::string_view key, bool value);
    JsonLine& null(std::string_view key);
    // An array of numbers (non-finite ones written as null).
    JsonLine& add(std::string_view key, const std::vector<double>& values, int decimals);
    JsonLine& add(std::string_view key, const std::vector<int>& values);
    template <class T>
    JsonLine& add(std::string_view key, const std::optional<T>& value) {
        return value ? add(key, *value) : null(key);
    }
    JsonLine& add(std::string_view key, const std::optional<double>& value, int decimals) {
        return value ? add(key, *value, decimals) : null(key);
    }
    JsonLine& begin(std::string_view key); // a nested object
    JsonLine& end();

    // The finished object, without a newline.
    std::string str() const { return out_ + "}"; }

  private:
    void key(std::string_view key);
    void string(std::string_view text);
    void number(double value, int decimals);

    std::string out_;
    bool first_ = true;
};

} // namespace loadgen
