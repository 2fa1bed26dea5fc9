#include "payload.hpp"

#include "options.hpp"

#include <charconv>
#include <cstring>
#include <string_view>

namespace loadgen {

namespace {

constexpr std::string_view kOpen = "{\"i\":";
constexpr std::string_view kTime = ",\"t\":";
constexpr size_t kMaxTimeDigits = 20; // 2^64 - 1 has 20 digits

size_t digits(uint64_t v) {
    size_t n = 1;
    while (v >= 10) {
        v /= 10;
        ++n;
    }
    return n;
}

// Parses the decimal number right after a key, tolerating spaces a server might add.
bool number_after(const char* p, const char* end, uint64_t& out, const char** next) {
    while (p < end && *p == ' ') ++p;
    auto [stop, ec] = std::from_chars(p, end, out);
    if (ec != std::errc()) return false;
    *next = stop;
    return true;
}

std::string key_open_of(const Options& o) {
    return ",\"" + o.payload_key + "\":\"";
}

// What follows the padding: its closing quote, the extra members, the object's brace.
std::string close_of(const Options& o) {
    return o.data_extra.empty() ? std::string("\"}") : "\"," + o.data_extra + "}";
}

// A fixed pseudo-random run of [A-Za-z0-9] (xorshift64, constant seed): the same on
// every run, and no window of it repeats another, so a moved chunk is caught.
std::string verifiable_padding(size_t n) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string out(n, 'x');
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (char& c : out) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c = kAlphabet[(x >> 32) % 62];
    }
    return out;
}

} // namespace

PayloadFormat::PayloadFormat(const Options& o)
    : size_(o.size),
      verify_(o.verify_payload),
      key_open_(key_open_of(o)),
      close_(close_of(o)),
      padding_(o.verify_payload ? verifiable_padding(o.size) : std::string(o.size, 'x')) {}

size_t PayloadFormat::min_size(const Options& o) {
    const uint64_t last = o.messages > 0 ? o.messages - 1 : 0;
    return kOpen.size() + digits(last) + kTime.size() + kMaxTimeDigits + key_open_of(o).size() +
           close_of(o).size();
}

size_t PayloadFormat::padding_length(uint64_t i, uint64_t t) const {
    return size_ - (kOpen.size() + digits(i) + kTime.size() + digits(t) + key_open_.size()) -
           close_.size(); // min_size() guarantees room
}

void PayloadFormat::append(std::string& out, uint64_t i, uint64_t t) const {
    char number[24];
    out.append(kOpen);
    out.append(number, size_t(std::to_chars(number, number + sizeof number, i).ptr - number));
    out.append(kTime);
    out.append(number, size_t(std::to_chars(number, number + sizeof number, t).ptr - number));
    out.append(key_open_);
    out.append(padding_, 0, padding_length(i, t));
    out.append(close_);
}

bool PayloadFormat::intact(const char* from, const char* end, uint64_t i, uint64_t t) const {
    const size_t n = size_t(end - from);
    // Servers that keep the members' order put the key right after t; look further only
    // when one does not.
    const char* at = from;
    if (n < key_open_.size() || std::memcmp(at, key_open_.data(), key_open_.size()) != 0) {
        at = static_cast<const char*>(memmem(from, n, key_open_.data() + 1, key_open_.size() - 1));
        if (at == nullptr) return false;
        at += key_open_.size() - 1;
    } else {
        at += key_open_.size();
    }
    const size_t pad = padding_length(i, t);
    if (size_t(end - at) < pad + 1) return false;
    return std::memcmp(at, padding_.data(), pad) == 0 && at[pad] == '"';
}

bool scan_message(const char* p, size_t n, uint64_t& i, uint64_t& t, const char** after) {
    const char* end = p + n;
    const char* at = static_cast<const char*>(memmem(p, n, "\"i\":", 4));
    if (at == nullptr || !number_after(at + 4, end, i, &at)) return false;
    at = static_cast<const char*>(memmem(at, size_t(end - at), "\"t\":", 4));
    return at != nullptr && number_after(at + 4, end, t, after);
}

} // namespace loadgen
