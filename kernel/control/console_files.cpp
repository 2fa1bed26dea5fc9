#include "control/console_files.hpp"

namespace switchyard {

const EmbeddedFile* find_console_file(std::string_view name) {
    for (size_t i = 0; i < kConsoleFileCount; ++i) {
        if (kConsoleFiles[i].name == name) return &kConsoleFiles[i];
    }
    return nullptr;
}

std::string_view console_content_type(std::string_view name) {
    if (name.ends_with(".html")) return "text/html; charset=utf-8";
    if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
    if (name.ends_with(".css")) return "text/css; charset=utf-8";
    if (name.ends_with(".svg")) return "image/svg+xml";
    if (name.ends_with(".png")) return "image/png";
    return "application/octet-stream";
}

} // namespace switchyard
