// The jarvis plugin's config: the keys of [plugins.jarvis] that belong to the protocol.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace switchyard::jarvis {

// What [plugins.jarvis] configures (seed 000's `auth.token` and the public origin).
struct JarvisSettings {
    // The token /ws, / and /api/* require; empty means open access (seed 000). Limited to
    // the characters a cookie value may hold, because browsers carry it as cookie `token`.
    std::string auth_token;
    // The browser Origin accepted on /ws besides one whose host equals the Host header,
    // normalized to lower-case "scheme://host[:port]". Empty: "http://localhost:<port>".
    std::string public_origin;
};

// Parses the plugin's config (a JSON object text; empty means {}). Keys the kernel
// handles itself (enabled, library, listen) are ignored. Throws std::invalid_argument
// naming the offending key when a value has the wrong type or form, or a key is unknown.
JarvisSettings parse_settings(std::string_view config_json);

// `origin` as "scheme://host[:port]" in lower case (one trailing '/' dropped), or "" when
// it is not an http(s) origin without path, query or credentials.
std::string normalize_origin(std::string_view origin);

} // namespace switchyard::jarvis
