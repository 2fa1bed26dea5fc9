// The client side of the WebSocket opening handshake (RFC 6455 section 4.1).
#pragma once

#include "http_head.hpp"
#include "random.hpp"
#include "url.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace loadgen::ws {

// A Sec-WebSocket-Key: base64 of 16 random bytes.
std::string make_key(Random& random);

// base64(SHA-1(key + GUID)): what the server must answer in Sec-WebSocket-Accept.
std::string accept_for(std::string_view key);

// The GET upgrade request, with the caller's extra "Name: value" headers.
std::string upgrade_request(const Url& url, std::string_view key,
                            const std::vector<std::string>& headers);

// Empty when head is a valid 101 answer to key; otherwise why not.
std::string check_upgrade(const ResponseHead& head, std::string_view key);

// What the start of a WebSocket client's input says about its handshake.
enum class UpgradeAnswer { incomplete, accepted, refused };

// Reads the server's answer at the start of [p, p + n): accepted with its length in
// `head_bytes`, refused with the reason in `why` (not a valid 101, or a head over
// kMaxHeadBytes), or incomplete (keep the bytes and read more).
UpgradeAnswer read_upgrade_answer(const char* p, size_t n, std::string_view key, size_t& head_bytes,
                                  std::string& why);

} // namespace loadgen::ws
