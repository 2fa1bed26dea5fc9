#include "net/websocket_handshake.hpp"

#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/uuid/detail/sha1.hpp>

namespace switchyard {

namespace http = boost::beast::http;

namespace {
constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string base64(const void* data, size_t size) {
    std::string out(boost::beast::detail::base64::encoded_size(size), '\0');
    out.resize(boost::beast::detail::base64::encode(out.data(), data, size));
    return out;
}
} // namespace

std::optional<std::string> websocket_handshake_error(const HttpRequest& request) {
    if (request.method() != http::verb::get) return "WebSocket upgrade must be a GET";
    if (!boost::beast::websocket::is_upgrade(request)) return "not a WebSocket upgrade";
    if (request[http::field::sec_websocket_version] != "13")
        return "Sec-WebSocket-Version must be 13";
    const auto key = request[http::field::sec_websocket_key];
    if (key.size() != 24) return "bad Sec-WebSocket-Key";
    return std::nullopt;
}

std::string websocket_accept_key(std::string_view key) {
    boost::uuids::detail::sha1 sha;
    sha.process_bytes(key.data(), key.size());
    sha.process_bytes(kGuid.data(), kGuid.size());
    boost::uuids::detail::sha1::digest_type digest;
    sha.get_digest(digest);
    unsigned char bytes[20];
    for (int i = 0; i < 5; ++i) {
        bytes[i * 4 + 0] = static_cast<unsigned char>((digest[i] >> 24) & 0xFF);
        bytes[i * 4 + 1] = static_cast<unsigned char>((digest[i] >> 16) & 0xFF);
        bytes[i * 4 + 2] = static_cast<unsigned char>((digest[i] >> 8) & 0xFF);
        bytes[i * 4 + 3] = static_cast<unsigned char>(digest[i] & 0xFF);
    }
    return base64(bytes, sizeof bytes);
}

} // namespace switchyard
