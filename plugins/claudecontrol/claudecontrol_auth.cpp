#include "claudecontrol_auth.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace switchyard::claudecontrol {

std::string pin_token(std::string_view pin) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(pin.data(), pin.size(), digest, &length, EVP_sha256(), nullptr) != 1 ||
        length != 32)
        throw std::runtime_error("SHA-256 failed (libcrypto)");
    constexpr char kHex[] = "0123456789abcdef";
    std::string token(2 * length, '0');
    for (unsigned int i = 0; i < length; ++i) {
        token[2 * i] = kHex[digest[i] >> 4];
        token[2 * i + 1] = kHex[digest[i] & 0xF];
    }
    return token;
}

bool is_valid_pin(std::string_view pin) {
    size_t characters = 0;
    for (size_t i = 0; i < pin.size();) {
        const auto lead = static_cast<unsigned char>(pin[i]);
        size_t length = 0;
        if (lead < 0x80) {
            if (lead < 0x20 || lead == 0x7F) return false;
            length = 1;
        } else if ((lead & 0xE0) == 0xC0 && lead >= 0xC2) {
            length = 2;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3;
        } else if ((lead & 0xF8) == 0xF0 && lead <= 0xF4) {
            length = 4;
        } else {
            return false;
        }
        if (i + length > pin.size()) return false;
        for (size_t k = 1; k < length; ++k) {
            if ((static_cast<unsigned char>(pin[i + k]) & 0xC0) != 0x80) return false;
        }
        i += length;
        ++characters;
    }
    return characters >= 4 && characters <= 8;
}

void append_cors_headers(HeaderList& headers, std::string_view origin) {
    headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    headers.emplace_back("Vary", "Origin");
}

void append_preflight_headers(HeaderList& headers) {
    headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
    headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
    headers.emplace_back("Access-Control-Max-Age", "600");
}

FailureLimiter::FailureLimiter(size_t capacity, uint32_t max_failures, int64_t window_ms)
    : capacity_(capacity == 0 ? 1 : capacity), max_failures_(max_failures), window_ms_(window_ms) {}

FailureLimiter::Order::iterator FailureLimiter::find_current(std::string_view address,
                                                             int64_t now_ms) {
    const auto found = index_.find(address);
    if (found == index_.end()) return order_.end();
    const Order::iterator entry = found->second;
    // A window that ended (or a clock that went back) starts over.
    if (now_ms - entry->since_ms >= window_ms_ || now_ms < entry->since_ms) {
        index_.erase(found);
        order_.erase(entry);
        return order_.end();
    }
    return entry;
}

int64_t FailureLimiter::wait_ms(std::string_view address, int64_t now_ms) {
    const Order::iterator entry = find_current(address, now_ms);
    if (entry == order_.end() || entry->failures < max_failures_) return 0;
    return entry->since_ms + window_ms_ - now_ms;
}

void FailureLimiter::record_failure(std::string_view address, int64_t now_ms) {
    const Order::iterator entry = find_current(address, now_ms);
    if (entry != order_.end()) {
        ++entry->failures;
        return;
    }
    insert(Entry{std::string(address), 1, now_ms});
}

void FailureLimiter::insert(Entry entry) {
    while (index_.size() >= capacity_ && !order_.empty()) {
        index_.erase(order_.front().address);
        order_.pop_front();
    }
    order_.push_back(std::move(entry));
    const Order::iterator added = std::prev(order_.end());
    index_[added->address] = added;
}

void FailureLimiter::forget(std::string_view address) {
    const auto found = index_.find(address);
    if (found == index_.end()) return;
    const Order::iterator entry = found->second;
    index_.erase(found);
    order_.erase(entry);
}

std::vector<FailureLimiter::Entry> FailureLimiter::entries() const {
    return {order_.begin(), order_.end()};
}

void FailureLimiter::restore(const std::vector<Entry>& entries) {
    for (const Entry& entry : entries) {
        if (index_.contains(entry.address)) continue;
        insert(entry);
    }
}

} // namespace switchyard::claudecontrol
