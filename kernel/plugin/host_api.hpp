// The kernel's side of the ABI: the sy_host_v1 function table a plugin instance calls.
#pragma once

#include <switchyard/plugin.h>

namespace switchyard {

class PluginRuntime;

// The host table for `runtime`; its ctx is the runtime.
sy_host_v1 make_host_table(PluginRuntime* runtime);

} // namespace switchyard
