// The one byte range a Range header asks for (RFC 9110 section 14), as the file service
// reads it: "bytes=a-b", "bytes=a-" or "bytes=-n". A header it does not understand, or
// one asking for several ranges, is ignored (the whole file is sent, as the RFC allows).
#pragma once

#include <cstdint>
#include <string_view>

namespace switchyard {

struct ByteRange {
    enum class Kind {
        Whole,        // no Range, or one ignored: 200 with every byte
        Part,         // 206 with bytes first..last
        Unsatisfiable // 416
    };
    Kind kind = Kind::Whole;
    uint64_t first = 0; // Part: the first byte sent
    uint64_t last = 0;  // Part: the last byte sent (inclusive)
};

// What `header` (the Range header's value, "" when absent) asks of a file of `size` bytes.
ByteRange parse_byte_range(std::string_view header, uint64_t size);

} // namespace switchyard
