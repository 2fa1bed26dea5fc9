// HTTP/1.1 response heads: find the end of one in a byte stream and split it into the
// status and header fields (views into the caller's bytes, no copies).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadgen {

inline constexpr size_t kMaxHeadBytes = 16 * 1024;

struct ResponseHead {
    int status = 0;
    std::vector<std::pair<std::string_view, std::string_view>> fields;

    // The first field of that name (case-insensitive), or nullptr.
    const std::string_view* field(std::string_view name) const;
    // Whether a comma-separated field contains token (case-insensitive).
    bool has_token(std::string_view name, std::string_view token) const;
};

// Offset just past the "\r\n\r\n" ending a head in p[0..n), or npos. `from` is how many
// bytes were already searched, so a head arriving in pieces is not rescanned.
size_t find_head_end(const char* p, size_t n, size_t from = 0);

// Parses a complete head (status line, fields, blank line).
bool parse_response_head(std::string_view head, ResponseHead& out, std::string& error);

bool iequals(std::string_view a, std::string_view b);

} // namespace loadgen
