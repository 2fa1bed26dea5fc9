#include "ws_handshake.hpp"

#include "base64.hpp"
#include "sha1.hpp"

namespace loadgen::ws {

std::string make_key(Random& random) {
    uint8_t bytes[16];
    for (int k = 0; k < 16; k += 8) {
        const uint64_t v = random.next();
        for (int b = 0; b < 8; ++b) bytes[k + b] = uint8_t(v >> (8 * b));
    }
    return base64_encode(bytes, sizeof bytes);
}

std::string accept_for(std::string_view key) {
    std::string text(key);
    text += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    const auto digest = sha1(text);
    return base64_encode(digest.data(), digest.size());
}

std::string upgrade_request(const Url& url, std::string_view key,
                            const std::vector<std::string>& headers) {
    std::string out = "GET " + url.target + " HTTP/1.1\r\nHost: " + url.authority +
                      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ";
    out += key;
    out += "\r\nSec-WebSocket-Version: 13\r\n";
    for (const auto& header : headers) out += header + "\r\n";
    out += "\r\n";
    return out;
}

std::string check_upgrade(const ResponseHead& head, std::string_view key) {
    if (head.status != 101) return "handshake answered HTTP " + std::to_string(head.status);
    if (!head.has_token("Upgrade", "websocket")) return "101 without Upgrade: websocket";
    if (!head.has_token("Connection", "upgrade")) return "101 without Connection: Upgrade";
    const std::string_view* accept = head.field("Sec-WebSocket-Accept");
    if (accept == nullptr) return "101 without Sec-WebSocket-Accept";
    if (*accept != accept_for(key))
        return "wrong Sec-WebSocket-Accept '" + std::string(*accept) + "'";
    return {};
}

UpgradeAnswer read_upgrade_answer(const char* p, size_t n, std::string_view key, size_t& head_bytes,
                                  std::string& why) {
    head_bytes = find_head_end(p, n);
    if (head_bytes == std::string::npos) {
        if (n <= kMaxHeadBytes) return UpgradeAnswer::incomplete;
        why = "handshake response head larger than 16 KiB";
        return UpgradeAnswer::refused;
    }
    ResponseHead head;
    if (!parse_response_head(std::string_view(p, head_bytes), head, why))
        return UpgradeAnswer::refused;
    why = check_upgrade(head, key);
    return why.empty() ? UpgradeAnswer::accepted : UpgradeAnswer::refused;
}

} // namespace loadgen::ws
