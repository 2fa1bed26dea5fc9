#include "bus/redis_codec.hpp"

#include "bus/resp.hpp"

#include <hiredis/hiredis.h>

#include <charconv>

namespace switchyard::redis_codec {

namespace {

using resp::is_text;
using resp::text_of;

template <typename Integer>
std::optional<Integer> parse_integer(std::string_view text) {
    Integer value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return {};
    return value;
}

} // namespace

std::string stream_key(std::string_view prefix, std::string_view stream) {
    std::string key;
    key.reserve(prefix.size() + 3 + stream.size());
    key.append(prefix).append(":s:").append(stream);
    return key;
}

std::string streams_set_key(std::string_view prefix) {
    return std::string(prefix) + ":streams";
}

std::string streams_log_key(std::string_view prefix) {
    return std::string(prefix) + ":streams:log";
}

std::optional<uint64_t> seq_of_id(std::string_view id) {
    if (!id.starts_with("0-")) return {};
    const auto seq = parse_integer<uint64_t>(id.substr(2));
    if (!seq || *seq == 0) return {};
    return seq;
}

Trim trim_for(const ReplayLimits& limits, size_t event_footprint) {
    const uint64_t events = std::max<uint64_t>(1, limits.events);
    if (event_footprint == 0 || limits.bytes / events >= event_footprint) {
        return Trim{events, false};
    }
    return Trim{std::max<uint64_t>(1, limits.bytes / event_footprint), true};
}

XaddCommand::XaddCommand(std::string_view prefix, const Event& event, Trim trim)
    : key_(stream_key(prefix, event.stream)),
      max_entries_(std::to_string(trim.max_entries)),
      ts_(std::to_string(event.ts)) {
    args_.reserve(24);
    args_ = {"XADD",       key_,       "MAXLEN", trim.exact ? "=" : "~",
             max_entries_, "0-*",      "t",      event.topic,
             "y",          event.type, "d",      event.data,
             "ts",         ts_};
    if (!event.id.empty()) args_.insert(args_.end(), {"i", event.id});
    if (!event.priority.empty()) args_.insert(args_.end(), {"p", event.priority});
    if (!event.scope.empty()) args_.insert(args_.end(), {"s", event.scope});
    if (event.visibility == Visibility::Internal) args_.insert(args_.end(), {"v", "i"});
}

std::variant<Event, std::string> event_from_entry(std::string_view stream,
                                                  const redisReply& entry) {
    if (entry.type != REDIS_REPLY_ARRAY || entry.elements != 2 || !is_text(entry.element[0])) {
        return std::string("not an entry");
    }
    const std::string_view id = text_of(*entry.element[0]);
    const auto seq = seq_of_id(id);
    if (!seq) return "entry " + std::string(id) + " was not written by a Switchyard node";
    const redisReply* fields = entry.element[1];
    if (fields == nullptr || fields->type != REDIS_REPLY_ARRAY || fields->elements % 2 != 0) {
        return "entry " + std::string(id) + " has no field list";
    }
    Event event;
    event.stream = std::string(stream);
    event.seq = *seq;
    event.data.clear();
    bool has_topic = false;
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        if (!is_text(fields->element[i]) || !is_text(fields->element[i + 1])) {
            return "entry " + std::string(id) + " has a field that is not a string";
        }
        const std::string_view name = text_of(*fields->element[i]);
        const std::string_view value = text_of(*fields->element[i + 1]);
        if (name == "t") {
            event.topic = value;
            has_topic = true;
        } else if (name == "y") {
            event.type = value;
        } else if (name == "d") {
            event.data = value;
        } else if (name == "ts") {
            event.ts = parse_integer<int64_t>(value).value_or(0);
        } else if (name == "i") {
            event.id = value;
        } else if (name == "p") {
            event.priority = value;
        } else if (name == "s") {
            event.scope = value;
        } else if (name == "v") {
            if (value == "i") event.visibility = Visibility::Internal;
        } // a field a later version adds: ignored
    }
    if (!has_topic || event.type.empty() || stream_of(event.topic) != stream) {
        return "entry " + std::string(id) + " lacks a topic of stream '" + std::string(stream) +
               "' or a type";
    }
    if (event.data.empty()) event.data = "{}";
    return event;
}

} // namespace switchyard::redis_codec
