// Structured fields for log lines: what a JSON log line carries in "fields" besides the
// message (a count, a category), so a log shipper need not parse them out of the text.
// The fields are set for the lines written by this thread while a ScopedLogFields lives
// (spdlog's loggers here are synchronous: a line is formatted on the thread writing it).
//
//     const LogField fields[] = {{"category", category_}, {"suppressed", count}};
//     ScopedLogFields scope(fields);
//     spdlog::warn("{}: {} similar lines suppressed", category_, count);
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

namespace switchyard {

// One field: a name and a string or a number.
struct LogField {
    std::string_view key;
    std::variant<std::string_view, uint64_t> value;
};

// Attaches `fields` to every line this thread writes until it is destroyed (scopes do not
// nest: an inner one replaces the outer one until it ends). `fields` must outlive it.
class ScopedLogFields {
  public:
    explicit ScopedLogFields(std::span<const LogField> fields) noexcept;
    ~ScopedLogFields();
    ScopedLogFields(const ScopedLogFields&) = delete;
    ScopedLogFields& operator=(const ScopedLogFields&) = delete;

    // The fields of the line being written on this thread (empty outside a scope).
    static std::span<const LogField> current() noexcept;

  private:
    std::span<const LogField> previous_;
};

} // namespace switchyard
