// A loopback port for a server a test starts that cannot pick its own (nginx, Redis,
// whose `--port 0` turns TCP off) or for a config that must name one in advance.
#pragma once

#include <cstdint>

namespace switchyard::test {

// A port of 127.0.0.1 that was free a moment ago: bound to port 0, learned, released.
// Another process may take it before the caller binds it: callers retry with another.
// Throws std::runtime_error when no socket can be bound.
uint16_t free_port();

} // namespace switchyard::test
