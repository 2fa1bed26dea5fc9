// What the file service answers to one request for a file (sy_file_response_v1): the
// file opened safely under its root, its headers (MIME type, Content-Length,
// Last-Modified, ETag, Content-Range), and which of its bytes go out. It does the
// blocking part (open, fstat) and nothing of the network: the file thread calls it, and
// a network worker then writes the head and sends the bytes from the open file.
#pragma once

#include "files/unique_fd.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace switchyard {

using FileHeaders = std::vector<std::pair<std::string, std::string>>;

// One request for a file, copied out of the plugin's call and the HTTP request.
struct FileRequest {
    std::string root;          // an absolute folder
    std::string path;          // percent-encoded, '/'-separated, under root
    std::string content_type;  // "": from the file name's extension
    FileHeaders extra_headers; // the plugin's (Cache-Control, ...)
    uint64_t max_bytes = 0;    // 0: no bound
    bool head = false;         // HEAD: the headers alone
    std::string if_none_match; // the request's If-None-Match, "" when absent
    std::string range;         // the request's Range, "" when absent
};

// The answer: a status with its headers, and for 200/206 to a GET the open file and the
// bytes of it to send after the head.
struct FileAnswer {
    unsigned status = 404;       // 200, 206, 304, 404, 416
    FileHeaders headers;         // everything but Content-Length
    uint64_t content_length = 0; // of the body (for HEAD: of the body GET would get)
    UniqueFd file;               // open when bytes are to be sent (a GET's 200 or 206)
    uint64_t offset = 0;         // the first byte sent
    uint64_t length = 0;         // how many bytes are sent from `offset`
};

// Opens and describes the file `request` names (blocking file-system calls).
FileAnswer prepare_file_answer(const FileRequest& request);

// The entity tag of a file of `size` bytes last modified at `mtime_ns`: quoted hex.
std::string file_etag(uint64_t size, uint64_t mtime_ns);

// Whether If-None-Match `header` matches `etag` ("*", or one of a comma-separated list,
// compared weakly as RFC 9110 asks for If-None-Match: a W/ prefix is ignored).
bool etag_matches(std::string_view header, std::string_view etag);

} // namespace switchyard
