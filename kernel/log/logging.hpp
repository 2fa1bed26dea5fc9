// Logging: spdlog to stderr, one line per event, level from [kernel] log_level.
#pragma once

#include <string>

namespace switchyard {

// Installs the default logger (stderr, colour when a terminal) at `level`
// ("trace" ... "critical", "off").
void init_logging(const std::string& level);

} // namespace switchyard
