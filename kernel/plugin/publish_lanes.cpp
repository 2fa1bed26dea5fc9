#include "plugin/publish_lanes.hpp"

#include <boost/json/parse.hpp>

#include <stdexcept>

namespace switchyard {

namespace {

// `topic` is `lane` itself or one of its subtopics.
bool within(std::string_view topic, std::string_view lane) noexcept {
    if (topic.substr(0, lane.size()) != lane) return false;
    return topic.size() == lane.size() || topic[lane.size()] == '/';
}

} // namespace

PublishLanes::PublishLanes(std::string plugin, std::vector<std::string> grants)
    : plugin_(std::move(plugin)), inbound_("inbound/" + plugin_), grants_(std::move(grants)) {}

bool PublishLanes::allows(std::string_view topic) const noexcept {
    if (within(topic, plugin_) || within(topic, inbound_)) return true;
    for (const auto& grant : grants_) {
        if (within(topic, grant)) return true;
    }
    return false;
}

std::vector<std::string> publish_grants_of(std::string_view settings_json) {
    boost::system::error_code ec;
    const auto settings = boost::json::parse(settings_json, ec);
    if (ec || !settings.is_object()) return {};
    const auto* grants = settings.as_object().if_contains("publish_to");
    if (grants == nullptr) return {};
    if (!grants->is_array()) {
        throw std::runtime_error("publish_to must be an array of topics, such as [\"groove\"]");
    }
    std::vector<std::string> out;
    for (const auto& grant : grants->as_array()) {
        if (!grant.is_string() || grant.as_string().empty()) {
            throw std::runtime_error("publish_to must hold non-empty topic strings");
        }
        out.emplace_back(grant.as_string());
    }
    return out;
}

} // namespace switchyard
