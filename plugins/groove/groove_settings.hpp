// The groove plugin's config: the keys of [plugins.groove] that belong to the protocol.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::groove {

// How a bus event goes out on the wire.
enum class Envelope {
    // Seed 001's {"event": type, "data": data}; clients only listen.
    Docs,
    // What the shipping GROOVE daemon sends and its GUI reads: {"type": type, ...data}
    // (data that is not an object as "data"), the latest `state` sent to every new client,
    // and the GUI's messages handed to the backend on inbound/groove.
    Daemon,
};

// What [plugins.groove] configures.
struct GrooveSettings {
    // Host names a browser's Origin may carry (seed 001: "only accepts connections from
    // localhost"). A request without Origin (a CLI, a daemon) is always accepted.
    std::vector<std::string> allowed_origins{"localhost", "127.0.0.1", "::1"};
    // `envelope = "docs"` (the default) or `"daemon"`.
    Envelope envelope = Envelope::Docs;
};

// Parses the plugin's config (a JSON object text; empty means {}). Keys the kernel
// handles itself (enabled, library, listen...) are ignored. Throws
// std::invalid_argument naming the offending key when a value has the wrong type or a key
// is unknown.
GrooveSettings parse_settings(std::string_view config_json);

} // namespace switchyard::groove
