// The Content-Type a file is served with, from its name's extension.
#pragma once

#include <string_view>

namespace switchyard {

// The MIME type for `file_name` by its extension (case-insensitive); text types carry
// charset=utf-8. Unknown or missing extensions are application/octet-stream.
std::string_view mime_type_for(std::string_view file_name);

} // namespace switchyard
