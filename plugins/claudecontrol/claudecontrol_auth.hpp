// ClaudeControl's PIN authentication (seed 004): the token a PIN stands for, what a PIN
// may be, where a client puts its token, and the per-address bound on wrong guesses.
// Pure code (the plugin compares tokens with the host's constant-time helper).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace switchyard::claudecontrol {

// The token of a PIN: its SHA-256, 64 lowercase hex digits (Debian's libcrypto).
std::string pin_token(std::string_view pin);

// Whether `pin` is 4 to 8 characters (UTF-8 code points; no control characters).
bool is_valid_pin(std::string_view pin);

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Access-Control-Allow-Origin: <origin> and Vary: Origin, for an allowed Origin.
void append_cors_headers(HeaderList& headers, std::string_view origin);

// What a CORS preflight (OPTIONS) from an allowed Origin gets besides those: the methods,
// the request headers a page may send (Authorization, Content-Type) and how long the
// browser may keep the answer.
void append_preflight_headers(HeaderList& headers);

// Wrong PINs and tokens per client address: at most `max_failures` within `window_ms` of
// the first; then the address waits for the window's end. Remembers at most `capacity`
// addresses: a new one past it pushes out the one whose window started longest ago.
class FailureLimiter {
  public:
    // One address's count, as the snapshot keeps it.
    struct Entry {
        std::string address;
        uint32_t failures = 0;
        int64_t since_ms = 0; // the window's first failure
    };

    FailureLimiter(size_t capacity, uint32_t max_failures, int64_t window_ms);
    FailureLimiter(const FailureLimiter&) = delete;
    FailureLimiter& operator=(const FailureLimiter&) = delete;

    // How long `address` must wait before its next attempt counts, in ms; 0: it may try.
    int64_t wait_ms(std::string_view address, int64_t now_ms);
    // Counts one wrong PIN or token from `address`.
    void record_failure(std::string_view address, int64_t now_ms);
    // Forgets `address` (it gave the right PIN).
    void forget(std::string_view address);

    // The addresses remembered, oldest window first.
    std::vector<Entry> entries() const;
    // Adds entries kept by a previous generation (oldest first), within the capacity.
    void restore(const std::vector<Entry>& entries);
    // How many addresses are remembered.
    size_t size() const noexcept { return index_.size(); }

  private:
    using Order = std::list<Entry>;
    // The entry of `address` whose window still runs; an expired one is dropped.
    Order::iterator find_current(std::string_view address, int64_t now_ms);
    void insert(Entry entry);

    size_t capacity_;
    uint32_t max_failures_;
    int64_t window_ms_;
    Order order_;                                                 // oldest window first
    std::unordered_map<std::string_view, Order::iterator> index_; // keys view order_'s strings
};

} // namespace switchyard::claudecontrol
