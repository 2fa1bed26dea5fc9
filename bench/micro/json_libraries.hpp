// The four JSON libraries of issue 14's comparison behind one shape, so json_benchmark.cpp
// and json_check measure each doing what a plugin does, with the library's own API:
//
// - parse_and_read(text, reads): parse a client message (refusing malformed text), then
//   read a few fields; a checksum of what was read, or -1 when the parse failed;
// - a Writer: build a reply or event object member by member and serialize it;
// - splice_dex(data): JetStart's large case, a backend's 1 MiB core:dex-reload data made
//   into the message a device gets (the head's keys win over the data's).
//
// The libraries: ours (sdk/include/switchyard/json.hpp), Boost.JSON 1.81 (the kernel's),
// simdjson 3.0.1 (DOM and On-Demand; parse only: 3.0.1 has no builder) and
// nlohmann-json 3.11.2.
#pragma once

#include "json_corpus.hpp"

#include <switchyard/json.hpp>
#include <switchyard/json_splice.hpp>

#include <boost/json.hpp>
#include <nlohmann/json.hpp>

#include <simdjson.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::bench::json_libraries {

using json_corpus::Path;
using json_corpus::Reply;

// The limits the plugins give the SDK parser for a client message (JetStart's; the others
// are within a factor of two).
inline constexpr json::ParseLimits kClientLimits{16, 20'000};

// ---------------------------------------------------------------------------------- parse

// Sums a string's length or an integer's value into `sum`; false for another type.
template <class Str, class Int>
bool add_leaf(int64_t& sum, const Str* string_length, const Int* integer) {
    if (string_length != nullptr) {
        sum += static_cast<int64_t>(*string_length);
        return true;
    }
    if (integer != nullptr) {
        sum += static_cast<int64_t>(*integer);
        return true;
    }
    return false;
}

struct Ours {
    static int64_t parse_and_read(std::string_view text, const std::vector<Path>& reads) {
        const std::optional<json::Value> doc = json::parse(text, nullptr, kClientLimits);
        if (!doc) return -1;
        int64_t sum = 0;
        for (const Path& path : reads) {
            const json::Value* v = &*doc;
            for (const json_corpus::Step& step : path) {
                if (!step.key.empty()) {
                    v = v->find(step.key);
                } else {
                    v = v->is_array() && step.index < v->as_array().size()
                            ? &v->as_array()[step.index]
                            : nullptr;
                }
                if (v == nullptr) return -1;
            }
            const size_t length = v->is_string() ? v->as_string().size() : 0;
            const std::optional<int64_t> integer = v->as_int64();
            if (!add_leaf(sum, v->is_string() ? &length : nullptr, integer ? &*integer : nullptr))
                return -1;
        }
        return sum;
    }
};

struct Boost {
    static int64_t read(const boost::json::value& doc, const std::vector<Path>& reads) {
        int64_t sum = 0;
        for (const Path& path : reads) {
            const boost::json::value* v = &doc;
            for (const json_corpus::Step& step : path) {
                if (!step.key.empty()) {
                    const boost::json::object* o = v->if_object();
                    v = o != nullptr ? o->if_contains(step.key) : nullptr;
                } else {
                    const boost::json::array* a = v->if_array();
                    v = a != nullptr ? a->if_contains(step.index) : nullptr;
                }
                if (v == nullptr) return -1;
            }
            const boost::json::string* s = v->if_string();
            const size_t length = s != nullptr ? s->size() : 0;
            if (!add_leaf(sum, s != nullptr ? &length : nullptr, v->if_int64())) return -1;
        }
        return sum;
    }

    // boost::json::parse with its defaults (new/delete; max_depth 32).
    static int64_t parse_and_read(std::string_view text, const std::vector<Path>& reads) {
        boost::system::error_code ec;
        const boost::json::value doc = boost::json::parse(text, ec);
        if (ec) return -1;
        return read(doc, reads);
    }
};

// Boost.JSON as its documentation advises for speed: a parser kept across messages and a
// monotonic_resource over a stack buffer, so a small message allocates nothing.
struct BoostMonotonic {
    static int64_t parse_and_read(std::string_view text, const std::vector<Path>& reads) {
        static boost::json::parser parser; // one per connection in a plugin
        unsigned char buffer[4096];
        boost::json::monotonic_resource memory(buffer, sizeof buffer);
        parser.reset(&memory);
        boost::system::error_code ec;
        parser.write(text.data(), text.size(), ec);
        if (ec) return -1;
        const boost::json::value doc = parser.release();
        return Boost::read(doc, reads);
    }
};

// simdjson's DOM API with a parser kept across messages (its intended use: the parser's
// buffers are reused). The text is copied into a padded buffer (realloc_if_needed), as a
// plugin must: the host's frames carry no SIMDJSON_PADDING.
struct SimdjsonDom {
    static simdjson::dom::parser& parser() {
        static simdjson::dom::parser instance;
        return instance;
    }

    static int64_t parse_and_read(std::string_view text, const std::vector<Path>& reads) {
        simdjson::dom::element doc;
        if (parser().parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS) return -1;
        int64_t sum = 0;
        for (const Path& path : reads) {
            simdjson::dom::element v = doc;
            for (const json_corpus::Step& step : path) {
                const auto error =
                    !step.key.empty() ? v.at_key(step.key).get(v) : v.at(step.index).get(v);
                if (error != simdjson::SUCCESS) return -1;
            }
            std::string_view s;
            int64_t i = 0;
            if (v.get_string().get(s) == simdjson::SUCCESS) {
                sum += static_cast<int64_t>(s.size());
            } else if (v.get_int64().get(i) == simdjson::SUCCESS) {
                sum += i;
            } else {
                return -1;
            }
        }
        return sum;
    }
};

// simdjson On-Demand: the text is indexed (structure and UTF-8 checked in stage 1), then
// only what is read is parsed; a malformed part nobody reads is not noticed. Each path is
// a JSON pointer (at_pointer rewinds the document).
struct SimdjsonOnDemand {
    static std::string pointer(const Path& path) {
        std::string out;
        for (const json_corpus::Step& step : path) {
            out += '/';
            out += step.key.empty() ? std::to_string(step.index) : std::string(step.key);
        }
        return out;
    }

    static int64_t parse_and_read(std::string_view text, const std::vector<Path>& reads) {
        static simdjson::ondemand::parser parser;
        const simdjson::padded_string padded(text);
        simdjson::ondemand::document doc;
        if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) return -1;
        int64_t sum = 0;
        for (const Path& path : reads) {
            simdjson::ondemand::value v;
            if (doc.at_pointer(pointer(path)).get(v) != simdjson::SUCCESS) return -1;
            simdjson::ondemand::json_type type;
            if (v.type().get(type) != simdjson::SUCCESS) return -1;
            if (type == simdjson::ondemand::json_type::string) {
                std::string_view s;
                if (v.get_string().get(s) != simdjson::SUCCESS) return -1;
                sum += static_cast<int64_t>(s.size());
            } else {
                int64_t i = 0;
                if (v.get_int64().get(i) != simdjson::SUCCESS) return -1;
                sum += i;
            }
        }
        return sum;
    }
};

struct Nlohmann {
    static int64_t parse_and_read(std::string_view text, const std::vector<Path>& reads) {
        const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
        if (doc.is_discarded()) return -1;
        int64_t sum = 0;
        for (const Path& path : reads) {
            const nlohmann::json* v = &doc;
            for (const json_corpus::Step& step : path) {
                if (!step.key.empty()) {
                    if (!v->is_object()) return -1;
                    const auto it = v->find(step.key);
                    if (it == v->end()) return -1;
                    v = &*it;
                } else {
                    if (!v->is_array() || step.index >= v->size()) return -1;
                    v = &(*v)[step.index];
                }
            }
            if (v->is_string()) {
                sum += static_cast<int64_t>(v->get_ref<const std::string&>().size());
            } else if (v->is_number_integer()) {
                sum += v->get<int64_t>();
            } else {
                return -1;
            }
        }
        return sum;
    }
};

// ------------------------------------------------------------------------------ serialize

// Our DOM: json::Value, set() per member (what clijaw and jetstart_logs do), serialize().
struct OursWriter {
    using Obj = json::Value;
    static Obj object() { return json::Value(json::Object{}); }
    static void put_string(Obj& o, std::string_view k, std::string_view v) {
        o.set(std::string(k), json::Value(v));
    }
    static void put_int(Obj& o, std::string_view k, int64_t v) { o.set(std::string(k), v); }
    static void put_double(Obj& o, std::string_view k, double v) { o.set(std::string(k), v); }
    static void put_bool(Obj& o, std::string_view k, bool v) { o.set(std::string(k), v); }
    static void put_object(Obj& o, std::string_view k, Obj&& v) {
        o.set(std::string(k), std::move(v));
    }
    static void put_strings(Obj& o, std::string_view k, std::initializer_list<std::string_view> v) {
        json::Array a;
        for (std::string_view s : v) a.emplace_back(s);
        o.set(std::string(k), json::Value(std::move(a)));
    }
    static std::string dump(Obj&& o) { return json::serialize(o); }
};

// Our text writer: no DOM, the message appended as text with json::append_escaped (what
// jarvis, groove and jetstart's heads do).
struct OursTextWriter {
    using Obj = std::string;
    static Obj object() { return Obj("{"); }
    static void key(Obj& o, std::string_view k) {
        if (o.size() > 1) o += ',';
        json::append_escaped(o, k);
        o += ':';
    }
    static void put_string(Obj& o, std::string_view k, std::string_view v) {
        key(o, k);
        json::append_escaped(o, v);
    }
    static void put_int(Obj& o, std::string_view k, int64_t v) {
        key(o, k);
        json::append_number(o, json::Number{static_cast<double>(v), v, true});
    }
    static void put_double(Obj& o, std::string_view k, double v) {
        key(o, k);
        json::append_number(o, json::Number{v, 0, false});
    }
    static void put_bool(Obj& o, std::string_view k, bool v) {
        key(o, k);
        o += v ? "true" : "false";
    }
    static void put_object(Obj& o, std::string_view k, Obj&& v) {
        key(o, k);
        o += v;
        o += '}';
    }
    static void put_strings(Obj& o, std::string_view k, std::initializer_list<std::string_view> v) {
        key(o, k);
        o += '[';
        bool first = true;
        for (std::string_view s : v) {
            if (!std::exchange(first, false)) o += ',';
            json::append_escaped(o, s);
        }
        o += ']';
    }
    static std::string dump(Obj&& o) {
        o += '}';
        return std::move(o);
    }
};

struct BoostWriter {
    using Obj = boost::json::object;
    static Obj object() { return Obj(); }
    static void put_string(Obj& o, std::string_view k, std::string_view v) { o.emplace(k, v); }
    static void put_int(Obj& o, std::string_view k, int64_t v) { o.emplace(k, v); }
    static void put_double(Obj& o, std::string_view k, double v) { o.emplace(k, v); }
    static void put_bool(Obj& o, std::string_view k, bool v) { o.emplace(k, v); }
    static void put_object(Obj& o, std::string_view k, Obj&& v) { o.emplace(k, std::move(v)); }
    static void put_strings(Obj& o, std::string_view k, std::initializer_list<std::string_view> v) {
        boost::json::array a;
        for (std::string_view s : v) a.emplace_back(s);
        o.emplace(k, std::move(a));
    }
    static std::string dump(Obj&& o) { return boost::json::serialize(o); }
};

// nlohmann::json (members sorted by key: std::map) or nlohmann::ordered_json (insertion
// order, as the protocols write them).
template <class Json>
struct NlohmannWriter {
    using Obj = Json;
    static Obj object() { return Json::object(); }
    static void put_string(Obj& o, std::string_view k, std::string_view v) {
        o[std::string(k)] = std::string(v);
    }
    static void put_int(Obj& o, std::string_view k, int64_t v) { o[std::string(k)] = v; }
    static void put_double(Obj& o, std::string_view k, double v) { o[std::string(k)] = v; }
    static void put_bool(Obj& o, std::string_view k, bool v) { o[std::string(k)] = v; }
    static void put_object(Obj& o, std::string_view k, Obj&& v) {
        o[std::string(k)] = std::move(v);
    }
    static void put_strings(Obj& o, std::string_view k, std::initializer_list<std::string_view> v) {
        Json a = Json::array();
        for (std::string_view s : v) a.push_back(std::string(s));
        o[std::string(k)] = std::move(a);
    }
    static std::string dump(Obj&& o) { return o.dump(); }
};

// Builds `reply` with writer W and serializes it: what a plugin does per reply or event.
template <class W>
std::string build(Reply reply) {
    typename W::Obj o = W::object();
    switch (reply) {
        case Reply::JarvisStatus: {
            W::put_string(o, "type", "status");
            typename W::Obj payload = W::object();
            W::put_string(payload, "status", "ok");
            W::put_string(payload, "service", "websocket");
            W::put_int(payload, "clients", 3);
            W::put_object(o, "payload", std::move(payload));
            W::put_string(o, "id", "c1");
            W::put_int(o, "timestamp", 1710000000123);
            break;
        }
        case Reply::GrooveSpawned: {
            W::put_string(o, "event", "agent:spawned");
            typename W::Obj data = W::object();
            W::put_string(data, "id", "a1b2");
            W::put_string(data, "name", "backend-1");
            W::put_string(data, "role", "backend");
            W::put_string(data, "status", "running");
            W::put_string(data, "provider", "claude-code");
            W::put_string(data, "model", "claude-sonnet-4-6");
            W::put_int(data, "tokensUsed", 1200);
            W::put_double(data, "contextUsage", 0.12);
            W::put_string(data, "teamId", "default");
            W::put_strings(data, "scope", {"src/api/**"});
            W::put_strings(data, "peers", {"frontend-1"});
            W::put_object(o, "data", std::move(data));
            break;
        }
        case Reply::ClijawStatus:
            W::put_string(o, "status", "running");
            W::put_string(o, "worker", "http://127.0.0.1:3458");
            W::put_string(o, "cli", "claude");
            W::put_int(o, "pid", 48213);
            W::put_bool(o, "busy", true);
            W::put_string(o, "topic", "agent");
            W::put_string(o, "event", "agent_status");
            break;
        case Reply::JetstartLog: {
            W::put_string(o, "type", "core:log");
            W::put_int(o, "timestamp", 1733320000456);
            W::put_string(o, "sessionId", "k3J9xQ2m");
            typename W::Obj log = W::object();
            W::put_string(log, "id", "log-1733320000456-7");
            W::put_int(log, "timestamp", 1733320000456);
            W::put_string(log, "level", "error");
            W::put_string(log, "tag", "MainActivity");
            W::put_string(log, "message",
                          "java.lang.IllegalStateException: View not attached\n\tat "
                          "com.example.app.MainActivity.onResume(MainActivity.kt:42)");
            W::put_string(log, "source", "client");
            typename W::Obj metadata = W::object();
            W::put_string(metadata, "thread", "main");
            W::put_int(metadata, "pid", 4242);
            W::put_object(log, "metadata", std::move(metadata));
            W::put_object(o, "log", std::move(log));
            break;
        }
        case Reply::ClaudeControlText:
            W::put_string(o, "type", "agent_text");
            W::put_string(o, "workspaceId", "ws_1");
            W::put_string(o, "agentId", "agent-7");
            W::put_string(o, "text", json_corpus::agent_text());
            break;
        case Reply::JetstartDex1MiB:
            W::put_string(o, "type", "core:dex-reload");
            W::put_int(o, "timestamp", 1733320000789);
            W::put_string(o, "sessionId", "k3J9xQ2m");
            W::put_string(o, "dexBase64", json_corpus::dex_payload());
            W::put_strings(
                o, "classNames",
                {"com.example.app.MainActivity", "com.example.app.MainActivity$Override"});
            break;
    }
    return W::dump(std::move(o));
}

// --------------------------------------------------------------------------------- splice

// The keys core:dex-reload's head owns.
inline bool head_key(std::string_view key) {
    return key == "type" || key == "timestamp" || key == "sessionId";
}

inline std::string dex_head() {
    return R"({"type":"core:dex-reload","timestamp":1733320000789,"sessionId":"k3J9xQ2m")";
}

// What jetstart does: the head as text, then json::splice_data (no DOM).
inline std::string splice_ours(std::string_view data) {
    std::string out = dex_head();
    out.reserve(out.size() + data.size() + 1);
    if (!json::splice_data(out, data, head_key)) return {};
    return out;
}

// Our DOM: parse the data, add its members after the head, serialize.
inline std::string splice_ours_dom(std::string_view data) {
    std::optional<json::Value> parsed = json::parse(data);
    if (!parsed || !parsed->is_object()) return {};
    json::Value message = json::Value(json::Object{{"type", "core:dex-reload"},
                                                   {"timestamp", int64_t{1733320000789}},
                                                   {"sessionId", "k3J9xQ2m"}});
    for (auto& [key, value] : parsed->as_object()) {
        if (!head_key(key)) message.as_object().emplace_back(key, std::move(value));
    }
    return json::serialize(message);
}

inline std::string splice_boost(std::string_view data) {
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(data, ec);
    if (ec || !parsed.is_object()) return {};
    boost::json::object message;
    message.emplace("type", "core:dex-reload");
    message.emplace("timestamp", int64_t{1733320000789});
    message.emplace("sessionId", "k3J9xQ2m");
    for (auto& member : parsed.as_object()) {
        if (!head_key(member.key())) message.emplace(member.key(), std::move(member.value()));
    }
    return boost::json::serialize(message);
}

inline std::string splice_nlohmann(std::string_view data) {
    nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(data, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) return {};
    nlohmann::ordered_json message = nlohmann::ordered_json::object();
    message["type"] = "core:dex-reload";
    message["timestamp"] = int64_t{1733320000789};
    message["sessionId"] = "k3J9xQ2m";
    for (auto& [key, value] : parsed.items()) {
        if (!head_key(key)) message[key] = std::move(value);
    }
    return message.dump();
}

// simdjson On-Demand: each member's value copied as written (raw_json), like splice_data,
// after stage 1 has checked the text's structure and UTF-8.
inline std::string splice_simdjson(std::string_view data) {
    static simdjson::ondemand::parser parser;
    const simdjson::padded_string padded(data);
    simdjson::ondemand::document doc;
    simdjson::ondemand::object object;
    if (parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
        doc.get_object().get(object) != simdjson::SUCCESS)
        return {};
    std::string out = dex_head();
    out.reserve(out.size() + data.size() + 1);
    for (auto field_result : object) {
        simdjson::ondemand::field field;
        std::string_view key;
        if (std::move(field_result).get(field) != simdjson::SUCCESS ||
            field.unescaped_key().get(key) != simdjson::SUCCESS)
            return {};
        if (head_key(key)) continue;
        simdjson::ondemand::value value = field.value();
        simdjson::ondemand::json_type type;
        if (value.type().get(type) != simdjson::SUCCESS) return {};
        std::string_view raw;
        simdjson::error_code error = simdjson::SUCCESS;
        if (type == simdjson::ondemand::json_type::array) {
            simdjson::ondemand::array array;
            error = value.get_array().get(array);
            if (error == simdjson::SUCCESS) error = array.raw_json().get(raw);
        } else if (type == simdjson::ondemand::json_type::object) {
            simdjson::ondemand::object member;
            error = value.get_object().get(member);
            if (error == simdjson::SUCCESS) error = member.raw_json().get(raw);
        } else {
            raw = value.raw_json_token();
            while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                                    raw.back() == '\t'))
                raw.remove_suffix(1);
        }
        if (error != simdjson::SUCCESS) return {};
        out += ',';
        json::append_escaped(out, key);
        out += ':';
        out += raw;
    }
    out += '}';
    return out;
}

} // namespace switchyard::bench::json_libraries
