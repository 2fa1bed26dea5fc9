#include "files/mime_types.hpp"

#include <array>
#include <string>
#include <utility>

namespace switchyard {

std::string_view mime_type_for(std::string_view file_name) {
    const size_t slash = file_name.rfind('/');
    if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
    const size_t dot = file_name.rfind('.');
    if (dot == std::string_view::npos) return "application/octet-stream";
    std::string extension;
    for (char c : file_name.substr(dot + 1))
        extension.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 30> kTypes{{
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"webmanifest", "application/manifest+json"},
        {"txt", "text/plain; charset=utf-8"},
        {"xml", "application/xml"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"avif", "image/avif"},
        {"ico", "image/vnd.microsoft.icon"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"ttf", "font/ttf"},
        {"otf", "font/otf"},
        {"wasm", "application/wasm"},
        {"mp3", "audio/mpeg"},
        {"wav", "audio/wav"},
        {"ogg", "audio/ogg"},
        {"opus", "audio/ogg"},
        {"mp4", "video/mp4"},
        {"webm", "video/webm"},
        {"pdf", "application/pdf"},
    }};
    for (const auto& [known, type] : kTypes) {
        if (known == extension) return type;
    }
    return "application/octet-stream";
}

} // namespace switchyard
