#include "test_json.hpp"

#include <boost/json/parse.hpp>

#include <stdexcept>

namespace switchyard::test {

boost::json::value parse_json(std::string_view text) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(text, ec);
    if (ec) throw std::runtime_error("not JSON (" + ec.message() + "): " + std::string(text));
    return value;
}

std::string string_field(const boost::json::value& value, std::string_view key) {
    const auto* object = value.if_object();
    if (!object) return {};
    const auto* member = object->if_contains(key);
    if (!member || !member->is_string()) return {};
    return std::string(member->get_string());
}

} // namespace switchyard::test
