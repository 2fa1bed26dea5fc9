#include "clijaw_auth.hpp"

namespace switchyard::clijaw {
namespace {

constexpr char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool istarts_with(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        if (ascii_lower(text[i]) != ascii_lower(prefix[i])) return false;
    }
    return true;
}

// A dotted IPv4 address whose first byte is 127.
bool is_ipv4_loopback(std::string_view address) {
    if (!address.starts_with("127.")) return false;
    int dots = 0;
    int digits = 0;
    for (char c : address) {
        if (c == '.') {
            if (digits == 0) return false;
            ++dots;
            digits = 0;
        } else if (c >= '0' && c <= '9') {
            if (++digits > 3) return false;
        } else {
            return false;
        }
    }
    return dots == 3 && digits > 0;
}

} // namespace

bool is_loopback_address(std::string_view address) {
    if (address == "::1" || address == "0:0:0:0:0:0:0:1") return true;
    if (istarts_with(address, "::ffff:")) return is_ipv4_loopback(address.substr(7));
    return is_ipv4_loopback(address);
}

void append_cors_headers(HeaderList& headers, std::string_view origin) {
    headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    headers.emplace_back("Vary", "Origin");
}

void append_preflight_headers(HeaderList& headers, std::string_view origin) {
    append_cors_headers(headers, origin);
    headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    headers.emplace_back("Access-Control-Allow-Headers",
                         "Authorization, Content-Type, Last-Event-ID");
    headers.emplace_back("Access-Control-Max-Age", "600");
}

} // namespace switchyard::clijaw
