#include "auth/auth.hpp"

namespace switchyard::auth {

bool check_bearer(std::string_view authorization_header, std::string_view token) noexcept {
    const std::optional<std::string_view> presented = bearer_token(authorization_header);
    if (!presented || token.empty()) return false;
    return secure_equals(*presented, token);
}

} // namespace switchyard::auth
