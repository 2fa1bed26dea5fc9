// WebSocket close codes the kernel uses (RFC 6455 section 7.4.1).
#pragma once

#include <cstdint>

namespace switchyard {

namespace close_code {
inline constexpr uint16_t normal = 1000;
inline constexpr uint16_t going_away = 1001;
inline constexpr uint16_t protocol_error = 1002;
inline constexpr uint16_t no_status = 1005;
inline constexpr uint16_t abnormal = 1006;
inline constexpr uint16_t invalid_payload = 1007;
inline constexpr uint16_t policy_violation = 1008;
inline constexpr uint16_t too_big = 1009;
inline constexpr uint16_t internal_error = 1011;
inline constexpr uint16_t try_again_later = 1013;
} // namespace close_code

} // namespace switchyard
