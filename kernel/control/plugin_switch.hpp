// What POST /api/v1/plugins/{name}/enable|disable did (docs/console.md): the server
// carries it out, the control API turns it into an answer.
#pragma once

#include "plugin/plugin_runtime.hpp"

#include <string>

namespace switchyard {

struct SwitchOutcome {
    enum class Result {
        done,      // the plugin is now in the state asked for (or already was)
        not_found, // no [plugins.<name>] table in the config as last read
        failed,    // the plugin did not load or start: `error` says why; it stays disabled
        stopping,  // the kernel is shutting down: nothing changes any more
    };
    Result result = Result::done;
    std::string error;
    PluginInfo info; // the plugin as it is now (state "running" or "disabled")
};

} // namespace switchyard
