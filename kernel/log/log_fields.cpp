#include "log/log_fields.hpp"

namespace switchyard {

namespace {
thread_local std::span<const LogField> t_fields;
} // namespace

ScopedLogFields::ScopedLogFields(std::span<const LogField> fields) noexcept : previous_(t_fields) {
    t_fields = fields;
}

ScopedLogFields::~ScopedLogFields() {
    t_fields = previous_;
}

std::span<const LogField> ScopedLogFields::current() noexcept {
    return t_fields;
}

} // namespace switchyard
