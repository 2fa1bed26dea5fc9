#include "payload.hpp"

#include <charconv>
#include <cstring>
#include <string_view>

namespace loadgen {

namespace {

constexpr std::string_view kOpen = "{\"i\":";
constexpr std::string_view kTime = ",\"t\":";
constexpr std::string_view kPad = ",\"p\":\"";
constexpr std::string_view kClose = "\"}";
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

} // namespace

size_t PayloadFormat::min_size(uint64_t messages) {
    const uint64_t last = messages > 0 ? messages - 1 : 0;
    return kOpen.size() + digits(last) + kTime.size() + kMaxTimeDigits + kPad.size() +
           kClose.size();
}

void PayloadFormat::append(std::string& out, uint64_t i, uint64_t t) const {
    const size_t start = out.size();
    char number[24];
    out.append(kOpen);
    out.append(number, size_t(std::to_chars(number, number + sizeof number, i).ptr - number));
    out.append(kTime);
    out.append(number, size_t(std::to_chars(number, number + sizeof number, t).ptr - number));
    out.append(kPad);
    const size_t head_len = out.size() - start;
    out.append(padding_, 0, size_ - head_len - kClose.size()); // min_size() guarantees room
    out.append(kClose);
}

bool scan_message(const char* p, size_t n, uint64_t& i, uint64_t& t) {
    const char* end = p + n;
    const char* at = static_cast<const char*>(memmem(p, n, "\"i\":", 4));
    if (at == nullptr || !number_after(at + 4, end, i, &at)) return false;
    at = static_cast<const char*>(memmem(at, size_t(end - at), "\"t\":", 4));
    return at != nullptr && number_after(at + 4, end, t, &at);
}

} // namespace loadgen
