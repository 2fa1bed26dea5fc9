// The web console's static files (kernel/control/console/), embedded in the binary at
// build time by kernel/control/console_embed.cmake (docs/console.md).
#pragma once

#include <cstddef>
#include <string_view>

namespace switchyard {

// One embedded file: its name in kernel/control/console/ and its bytes.
struct EmbeddedFile {
    std::string_view name;
    std::string_view body;
};

// Every embedded file (defined in the generated console_files_data.cpp).
extern const EmbeddedFile kConsoleFiles[];
extern const size_t kConsoleFileCount;

// The console file named `name` ("index.html"), or nullptr when there is none.
const EmbeddedFile* find_console_file(std::string_view name);

// The Content-Type a console file is served with, from its extension.
std::string_view console_content_type(std::string_view name);

} // namespace switchyard
