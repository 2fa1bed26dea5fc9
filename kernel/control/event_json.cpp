#include "control/event_json.hpp"

#include "json/compact_json.hpp"
#include "json/json_text.hpp"

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

// A member's value, read by its first character: the text is checked JSON already.
bool is_null(std::string_view value) noexcept {
    return value == "null";
}
bool is_string(std::string_view value) noexcept {
    return !value.empty() && value[0] == '"';
}
bool is_object(std::string_view value) noexcept {
    return !value.empty() && value[0] == '{';
}

// Reads an optional string field (absent or null: `out` unchanged); false for another type.
bool optional_string(std::string_view value, std::string& out) {
    if (value.empty() || is_null(value)) return true;
    if (!is_string(value)) return false;
    out = unquote(value);
    return true;
}

// The event in one JSON object's text, but for its data: that is left in `data` (its
// text as the publisher wrote it), for the caller to copy or move into the event. Data
// is never parsed into a document: it may be 32 MiB.
std::variant<Event, PublishError> parse_event(std::string_view text, size_t index, bool in_array,
                                              std::string_view& data) {
    if (!is_object(text)) return bad_event(index, in_array, "an event must be a JSON object");
    std::string_view topic, type, id, priority, visibility_text, scope;
    data = {};
    JsonMembers members(text);
    for (JsonMember member; members.next(member);) {
        const std::string key = unquote(member.key);
        std::string_view* field = key == "topic"        ? &topic
                                  : key == "type"       ? &type
                                  : key == "data"       ? &data
                                  : key == "id"         ? &id
                                  : key == "priority"   ? &priority
                                  : key == "visibility" ? &visibility_text
                                  : key == "scope"      ? &scope
                                                        : nullptr;
        if (field == nullptr) return bad_event(index, in_array, "unknown field '" + key + "'");
        *field = member.value; // a repeated key: the last one counts, as in a parsed object
    }
    Event event;
    if (!is_string(topic)) {
        return bad_event(index, in_array, "'topic' is required and must be a string");
    }
    event.topic = unquote(topic);
    if (!is_valid_topic(event.topic)) {
        return bad_event(index, in_array,
                         "'topic' is not a valid topic (stream or stream/subtopic)");
    }
    if (is_string(type)) event.type = unquote(type);
    if (event.type.empty()) {
        return bad_event(index, in_array, "'type' is required and must be a non-empty string");
    }
    if (!optional_string(id, event.id)) return bad_event(index, in_array, "'id' must be a string");
    if (!optional_string(priority, event.priority)) {
        return bad_event(index, in_array, "'priority' must be a string");
    }
    std::string visibility = "public";
    if (!optional_string(visibility_text, visibility) ||
        (visibility != "public" && visibility != "internal")) {
        return bad_event(index, in_array, "'visibility' must be \"public\" or \"internal\"");
    }
    event.visibility = visibility == "internal" ? Visibility::Internal : Visibility::Public;
    if (!scope.empty() && !is_null(scope)) {
        if (!is_object(scope)) return bad_event(index, in_array, "'scope' must be an object");
        event.scope = compact_json(json::parse(json::string_view(scope.data(), scope.size())));
    }
    return event;
}

} // namespace

std::variant<PublishBody, PublishError> parse_publish_body(std::string_view body) {
    return parse_publish_body(std::string(body));
}

std::variant<PublishBody, PublishError> parse_publish_body(std::string body) {
    std::string error;
    if (!is_json(body, error)) {
        return PublishError{"BAD_JSON", "the body is not valid JSON: " + error};
    }
    const std::string_view root = trim_json(body);
    PublishBody result;
    if (root.front() == '[') {
        result.is_array = true;
        JsonElements elements(root);
        for (std::string_view element; elements.next(element);) {
            if (result.events.size() == kMaxEventsPerPublish) {
                return PublishError{"BAD_EVENT", "at most " + std::to_string(kMaxEventsPerPublish) +
                                                     " events per request"};
            }
            std::string_view data;
            auto parsed = parse_event(element, result.events.size(), true, data);
            if (auto* failure = std::get_if<PublishError>(&parsed)) return *failure;
            Event& event = result.events.emplace_back(std::move(std::get<Event>(parsed)));
            if (!data.empty()) event.data = without_whitespace(data);
        }
        if (result.events.empty()) {
            return PublishError{"BAD_EVENT", "an empty array publishes nothing"};
        }
        return result;
    }
    std::string_view data;
    auto parsed = parse_event(root, 0, false, data);
    if (auto* failure = std::get_if<PublishError>(&parsed)) return *failure;
    Event& event = result.events.emplace_back(std::move(std::get<Event>(parsed)));
    if (data.size() >= body.size() / 2) {
        // Most of the body: it becomes the data. (A small data in a large body is copied
        // instead, so that the event does not hold the whole body's memory.)
        const size_t begin = static_cast<size_t>(data.data() - body.data());
        event.data = without_whitespace_in_place(std::move(body), begin, data.size());
    } else if (!data.empty()) {
        event.data = without_whitespace(data);
    }
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
