#include "control/event_json.hpp"

#include "json/compact_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

namespace switchyard {

namespace json = boost::json;

namespace {

constexpr size_t kMaxEventsPerPublish = 10000;

PublishError bad_event(size_t index, bool in_array, std::string what) {
    if (in_array) what = "event " + std::to_string(index) + ": " + what;
    return PublishError{"BAD_EVENT", std::move(what)};
}

// Reads an optional string field; false when present with another type.
bool optional_string(const json::object& object, std::string_view key, std::string& out) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || value->is_null()) return true;
    if (!value->is_string()) return false;
    out.assign(value->get_string().data(), value->get_string().size());
    return true;
}

std::variant<Event, PublishError> parse_event(const json::value& value, size_t index,
                                              bool in_array) {
    if (!value.is_object()) return bad_event(index, in_array, "an event must be a JSON object");
    const json::object& object = value.get_object();
    static constexpr std::string_view kKnown[] = {"topic",    "type",       "data", "id",
                                                  "priority", "visibility", "scope"};
    for (const auto& field : object) {
        bool known = false;
        for (auto k : kKnown) known = known || field.key() == k;
        if (!known)
            return bad_event(index, in_array, "unknown field '" + std::string(field.key()) + "'");
    }
    Event event;
    const json::value* topic = object.if_contains("topic");
    if (topic == nullptr || !topic->is_string()) {
        return bad_event(index, in_array, "'topic' is required and must be a string");
    }
    event.topic.assign(topic->get_string().data(), topic->get_string().size());
    if (!is_valid_topic(event.topic)) {
        return bad_event(index, in_array,
                         "'topic' is not a valid topic (stream or stream/subtopic)");
    }
    const json::value* type = object.if_contains("type");
    if (type == nullptr || !type->is_string() || type->get_string().empty()) {
        return bad_event(index, in_array, "'type' is required and must be a non-empty string");
    }
    event.type.assign(type->get_string().data(), type->get_string().size());
    if (const json::value* data = object.if_contains("data")) event.data = compact_json(*data);
    if (!optional_string(object, "id", event.id)) {
        return bad_event(index, in_array, "'id' must be a string");
    }
    if (!optional_string(object, "priority", event.priority)) {
        return bad_event(index, in_array, "'priority' must be a string");
    }
    std::string visibility = "public";
    if (!optional_string(object, "visibility", visibility) ||
        (visibility != "public" && visibility != "internal")) {
        return bad_event(index, in_array, "'visibility' must be \"public\" or \"internal\"");
    }
    event.visibility = visibility == "internal" ? Visibility::Internal : Visibility::Public;
    if (const json::value* scope = object.if_contains("scope");
        scope != nullptr && !scope->is_null()) {
        if (!scope->is_object()) return bad_event(index, in_array, "'scope' must be an object");
        event.scope = compact_json(*scope);
    }
    return event;
}

} // namespace

std::variant<PublishBody, PublishError> parse_publish_body(std::string_view body) {
    boost::system::error_code ec;
    json::value root = json::parse(body, ec);
    if (ec) return PublishError{"BAD_JSON", "the body is not valid JSON: " + ec.message()};
    PublishBody result;
    if (root.is_array()) {
        const auto& array = root.get_array();
        if (array.empty()) return PublishError{"BAD_EVENT", "an empty array publishes nothing"};
        if (array.size() > kMaxEventsPerPublish) {
            return PublishError{"BAD_EVENT", "at most " + std::to_string(kMaxEventsPerPublish) +
                                                 " events per request"};
        }
        result.is_array = true;
        for (size_t i = 0; i < array.size(); ++i) {
            auto parsed = parse_event(array[i], i, true);
            if (auto* error = std::get_if<PublishError>(&parsed)) return *error;
            result.events.push_back(std::move(std::get<Event>(parsed)));
        }
        return result;
    }
    auto parsed = parse_event(root, 0, false);
    if (auto* error = std::get_if<PublishError>(&parsed)) return *error;
    result.events.push_back(std::move(std::get<Event>(parsed)));
    return result;
}

std::string event_to_json(const Event& event) {
    auto quoted = [](std::string_view s) { return json::serialize(json::string(s)); };
    std::string out;
    out.reserve(event.data.size() + event.topic.size() + event.type.size() + 96);
    out += R"({"seq":)";
    out += std::to_string(event.seq);
    out += R"(,"topic":)";
    out += quoted(event.topic);
    out += R"(,"type":)";
    out += quoted(event.type);
    out += R"(,"data":)";
    out += event.data;
    if (!event.id.empty()) out += R"(,"id":)" + quoted(event.id);
    if (!event.priority.empty()) out += R"(,"priority":)" + quoted(event.priority);
    if (!event.scope.empty()) out += R"(,"scope":)" + event.scope;
    if (event.visibility == Visibility::Internal) out += R"(,"visibility":"internal")";
    out += R"(,"ts":)";
    out += std::to_string(event.ts);
    out += '}';
    return out;
}

} // namespace switchyard
