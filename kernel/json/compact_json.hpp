// Compact JSON text of a Boost.JSON value that keeps numbers the way people write them:
// Boost.JSON prints 0.45 as 4.5E-1, which is valid but not what a publisher sent. Keys
// keep their order.
#pragma once

#include <boost/json/fwd.hpp>

#include <string>

namespace switchyard {

// Serializes `value` without whitespace; doubles in their shortest round-trip form.
std::string compact_json(const boost::json::value& value);

} // namespace switchyard
