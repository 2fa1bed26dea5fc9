// How the redis bus engine keeps events in Redis: the keys, and an Event as a stream entry.
//
//   <prefix>:s:<stream>    one Redis stream per bus stream; entry ID "0-<seq>", so Redis
//                          numbers the events (XADD ... 0-*) atomically with the append
//   <prefix>:streams       a set: every stream's name
//   <prefix>:streams:log   a stream of {stream: <name>} entries, one when a node starts
//                          publishing to a stream, so other nodes' followers wake and
//                          follow it
//
// An entry's fields: t topic, y type, d data, ts time (ms), and only when set: i id,
// p priority, s scope, v "i" (internal). Short names: they are stored with every event.
#pragma once

#include "bus/event.hpp"
#include "bus/replay_limits.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

struct redisReply; // <hiredis/hiredis.h>

namespace switchyard::redis_codec {

// "<prefix>:s:<stream>".
std::string stream_key(std::string_view prefix, std::string_view stream);
// "<prefix>:streams".
std::string streams_set_key(std::string_view prefix);
// "<prefix>:streams:log".
std::string streams_log_key(std::string_view prefix);

// 42 for "0-42"; nothing for an ID the engine did not write (another form, or 0-0).
std::optional<uint64_t> seq_of_id(std::string_view id);

// How many entries XADD keeps: `limits.events` trimmed loosely (MAXLEN ~, cheap: whole
// radix nodes), unless that many events this size would pass `limits.bytes`; then exactly
// as many as fit (at least 1), so a stream of megabyte events does not keep a hundred of
// them in Redis's memory because a node holds a hundred entries.
struct Trim {
    uint64_t max_entries;
    bool exact;
};
Trim trim_for(const ReplayLimits& limits, size_t event_footprint);

// One XADD of `event` (stream, topic, type, data set) as command arguments: the strings
// it owns and the views a command is written from.
class XaddCommand {
  public:
    XaddCommand(std::string_view prefix, const Event& event, Trim trim);
    // "XADD", key, "MAXLEN", "~"/"=", n, "0-*", field, value, ...
    const std::vector<std::string_view>& args() const noexcept { return args_; }

  private:
    std::string key_;
    std::string max_entries_;
    std::string ts_;
    std::vector<std::string_view> args_;
};

// The event an entry reply ([id, [field, value, ...]]) of `stream` holds, or why it is
// not one of the engine's entries.
std::variant<Event, std::string> event_from_entry(std::string_view stream, const redisReply& entry);

} // namespace switchyard::redis_codec
