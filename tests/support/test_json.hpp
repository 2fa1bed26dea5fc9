// JSON for test assertions: parsing a response body with a readable failure.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace switchyard::test {

// Parses `text`; throws std::runtime_error quoting it when it is not JSON.
boost::json::value parse_json(std::string_view text);

// The string member `key` of object `value`, or "" when absent or not a string.
std::string string_field(const boost::json::value& value, std::string_view key);

} // namespace switchyard::test
