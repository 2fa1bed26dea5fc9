// Request headers as the tests write them: name/value pairs, order kept, repeats allowed.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace switchyard::test {

// Extra request headers, e.g. {{"Origin", "http://localhost:3000"}}.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

} // namespace switchyard::test
