#include "options.hpp"

#include "payload.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace loadgen {

namespace {

constexpr uint64_t kMaxSize = 64u << 20; // a frame larger than this is not a fan-out benchmark

bool parse_uint(std::string_view text, uint64_t min, uint64_t max, uint64_t& out) {
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return false;
    if (value < min || value > max) return false;
    out = value;
    return true;
}

// A header is sent verbatim, so it must be one line with a non-empty token as its name.
bool valid_header(std::string_view header) {
    const size_t colon = header.find(':');
    if (colon == 0 || colon == std::string_view::npos) return false;
    if (header.find_first_of("\r\n") != std::string_view::npos) return false;
    for (char c : header.substr(0, colon)) {
        if (c <= ' ' || c == 127) return false;
    }
    return true;
}

struct Parser {
    Options& out;
    std::string& error;

    bool fail(std::string what) {
        error = std::move(what);
        return false;
    }

    template <class T>
    bool number(std::string_view name, std::string_view value, uint64_t min, uint64_t max,
                T& target) {
        uint64_t parsed = 0;
        if (!parse_uint(value, min, max, parsed)) {
            return fail("--" + std::string(name) + ": expected a whole number from " +
                        std::to_string(min) + " to " + std::to_string(max) + ", got '" +
                        std::string(value) + "'");
        }
        target = T(parsed);
        return true;
    }

    bool url(std::string_view name, std::string_view value, std::optional<Url>& target) {
        Url parsed;
        std::string why;
        if (!parse_url(value, parsed, why)) return fail("--" + std::string(name) + ": " + why);
        target = std::move(parsed);
        return true;
    }

    bool url(std::string_view name, std::string_view value, std::vector<Url>& list) {
        std::optional<Url> parsed;
        if (!url(name, value, parsed)) return false;
        list.push_back(std::move(*parsed));
        return true;
    }

    bool header(std::string_view name, std::string_view value, std::vector<std::string>& list) {
        if (!valid_header(value)) {
            return fail("--" + std::string(name) + ": expected \"Name: value\" on one line, got '" +
                        std::string(value) + "'");
        }
        list.emplace_back(value);
        return true;
    }

    bool option(std::string_view name, std::string_view value) {
        if (name == "subscribe") return url(name, value, out.subscribe);
        if (name == "subscribers") return number(name, value, 0, 1000000, out.subscribers);
        if (name == "header") return header(name, value, out.headers);
        if (name == "first-message") {
            out.first_message = std::string(value);
            return true;
        }
        if (name == "await-reply") {
            if (value.empty()) return fail("--await-reply: must not be empty");
            out.await_reply = std::string(value);
            return true;
        }
        if (name == "publish") return url(name, value, out.publish);
        if (name == "publish-header") return header(name, value, out.publish_headers);
        if (name == "topic") {
            if (value.empty()) return fail("--topic: must not be empty");
            out.topic = std::string(value);
            return true;
        }
        if (name == "type") {
            if (value.empty()) return fail("--type: must not be empty");
            out.type = std::string(value);
            return true;
        }
        if (name == "payload-key") {
            if (value.empty() || value.find_first_of("\"\\") != std::string_view::npos ||
                value == "i" || value == "t")
                return fail(
                    "--payload-key: a non-empty name without quotes or backslashes, "
                    "not i or t");
            out.payload_key = std::string(value);
            return true;
        }
        if (name == "data-extra") {
            out.data_extra = std::string(value);
            return true;
        }
        if (name == "messages") return number(name, value, 0, 1000000000, out.messages);
        if (name == "size") return number(name, value, 1, kMaxSize, out.size);
        if (name == "window") {
            out.window_given = true;
            return number(name, value, 1, 1000000, out.window);
        }
        if (name == "rate") return number(name, value, 1, 100000000, out.rate);
        if (name == "server-pid") {
            int pid = 0;
            if (!number(name, value, 1, 0x7fffffff, pid)) return false;
            out.server_pids.push_back(pid);
            return true;
        }
        if (name == "redis-pid") return number(name, value, 1, 0x7fffffff, out.redis_pid);
        if (name == "settle-ms") return number(name, value, 0, 600000, out.settle_ms);
        if (name == "connect-batch") return number(name, value, 1, 1000000, out.connect_batch);
        if (name == "connect-timeout-ms")
            return number(name, value, 1, 600000, out.connect_timeout_ms);
        if (name == "timeout-s") {
            uint64_t seconds = 0;
            if (!number(name, value, 1, 86400, seconds)) return false;
            out.timeout_s = double(seconds);
            return true;
        }
        if (name == "drain-ms") return number(name, value, 1, 600000, out.drain_ms);
        if (name == "groups") return number(name, value, 1, 1000000, out.groups);
        if (name == "group-run") return number(name, value, 1, 1000000, out.group_run);
        if (name == "label") {
            out.label = std::string(value);
            return true;
        }
        return fail("unknown option --" + std::string(name));
    }

    // Cross-option rules, once everything is read.
    bool check() {
        if (out.subscribers > 0 && out.subscribe.empty())
            return fail("--subscribe URL is required");
        for (const Url& url : out.subscribe) {
            if (url.scheme != out.subscribe.front().scheme)
                return fail("--subscribe: every URL must be ws:// or every URL http://");
        }
        if (out.redis_pid > 0 && out.server_pids.empty())
            return fail("--redis-pid needs --server-pid");
        if (out.messages > 0 && !out.publish)
            return fail("--publish URL is required (or --messages 0 to connect only)");
        if (out.first_message && !out.subscribe.empty() &&
            out.subscribe.front().scheme != Url::Scheme::ws)
            return fail("--first-message needs a ws:// --subscribe URL");
        if (out.await_reply && !out.first_message)
            return fail("--await-reply needs --first-message");
        if (out.groups > 0) {
            if (out.topic.find("{group}") == std::string::npos)
                return fail("--groups needs \"{group}\" in --topic");
            if (out.publish && out.publish->scheme == Url::Scheme::ws)
                return fail("--groups needs an http:// --publish URL");
        }
        const uint64_t min = PayloadFormat::min_size(out);
        if (out.size < min) {
            return fail("--size " + std::to_string(out.size) + " is too small: the data object " +
                        "{\"i\":..,\"t\":..,\"" + out.payload_key + "\":\"\"" +
                        (out.data_extra.empty() ? "" : "," + out.data_extra) + "} needs at least " +
                        std::to_string(min) + " bytes for " + std::to_string(out.messages) +
                        " messages");
        }
        return true;
    }
};

} // namespace

ParseResult parse_options(int argc, char** argv, Options& out, std::string& error) {
    Parser parser{out, error};
    for (int k = 1; k < argc; ++k) {
        const std::string_view arg = argv[k];
        if (arg == "--help" || arg == "-h") return ParseResult::help;
        if (!arg.starts_with("--") || arg.size() == 2) {
            error = "unexpected argument '" + std::string(arg) + "'";
            return ParseResult::error;
        }
        std::string_view name = arg.substr(2);
        std::string_view value;
        if (name == "verify-payload") { // the one flag without a value
            out.verify_payload = true;
            continue;
        }
        if (const size_t eq = name.find('='); eq != std::string_view::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        } else if (k + 1 < argc) {
            value = argv[++k];
        } else {
            error = "--" + std::string(name) + " needs a value";
            return ParseResult::error;
        }
        if (!parser.option(name, value)) return ParseResult::error;
    }
    return parser.check() ? ParseResult::ok : ParseResult::error;
}

const char* usage_text() {
    return R"(usage: loadgen --subscribe URL [--publish URL] [options]

Connects N WebSocket or SSE subscribers, publishes M messages with at most W in flight,
checks that every subscriber receives every message exactly once, and prints one JSON
line with counts, rates, latency and (with --server-pid) the server's memory and CPU.

Subscribers:
  --subscribe URL          ws://host:port/path (WebSocket) or http://host:port/path?query
                           (Server-Sent Events); required unless --subscribers 0.
                           Repeatable (one per node of a shared bus, all ws:// or all
                           http://): subscriber k connects to the (k mod n)-th URL
  --subscribers N          subscriber connections (default 100)
  --header "Name: value"   extra request header for every subscriber (repeatable)
  --first-message TEXT     text frame each WebSocket subscriber sends after the 101
  --await-reply TEXT       with --first-message: a subscriber counts as connected only
                           once a message containing TEXT answers it (any other message
                           first fails it), e.g. an application-level login's reply
  --connect-batch K        connects/handshakes in progress at once (default 256)
  --connect-timeout-ms T   per connect + handshake (default 10000)

Publisher:
  --publish URL            http://host:port/path: POST {"topic","type","data"}, pipelined
                           on one keep-alive connection, each answer must be 2xx;
                           ws://host:port/path: masked text frames {"event":type,"data":..}
                           (a broadcast server relays them to the subscribers)
  --publish-header "N: v"  extra header for the publisher (repeatable)
  --topic T                event topic (default groove)
  --type T                 event type (default bench)
  --messages M             messages to publish (default 1000; 0 = connect only)
  --size S                 bytes of the data object {"i":..,"t":..,"p":"xx.."} (default 128)
  --payload-key K          name of the padding member instead of "p" (e.g. dexBase64)
  --data-extra MEMBERS     raw JSON members appended to the data object after the padding,
                           e.g. '"classNames":["dev.bench.Main"]' (counted in --size)
  --verify-payload         pad with a fixed pseudo-random [A-Za-z0-9] run and compare every
                           delivery's padding byte for byte (malformed when not intact)
  --window W               messages in flight at most (default 64): a message is in flight
                           until answered (HTTP) and received by every subscriber
                           (ws:// with no subscribers: until written)
  --rate R                 open loop: at most R publishes per second, message i sent at
                           i / R s after the first (late ones go at once, so the mean rate
                           holds), however many are in flight; the window then caps nothing
                           unless --window is given too. For latency at a given load

Measurement:
  --server-pid PID         report the server's RSS (before, connected, end) and CPU seconds;
                           repeatable (several nodes): RSS and CPU are summed over them
  --redis-pid PID          with --server-pid: the redis-server of the bus; its CPU seconds
                           are reported apart (cpu_s_redis) and added in
                           deliveries_per_cpu_s_incl_redis
  --settle-ms MS           wait after connecting before reading RSS (default 500)
  --timeout-s T            bound on the whole run (default 120)
  --drain-ms D             give up waiting for deliveries after D ms without progress
                           (default 5000)
  --label TEXT             echoed in the JSON line

Rooms:
  --groups G               subscriber k joins group k % G (its --first-message names it, e.g.
                           a subscribe), message i goes to group i % G only (its --topic
                           names it); "{group}" in both is the zero-padded group index. A
                           delivery to a subscriber of another group is malformed; expected
                           deliveries are each message's group's subscribers
  --group-run R            R consecutive messages to each group in turn: message i goes to
                           group (i / R) % G (default 1)

Output: one JSON line on stdout; progress on stderr. Exit status: 0 all delivered,
1 lost/duplicated/malformed deliveries or failed publishes, 2 the run could not be
set up (bad options, nothing connected, server unreachable).
)";
}

std::string with_group(const std::string& text, uint32_t group, uint32_t groups) {
    const size_t width = std::to_string(groups > 0 ? groups - 1 : 0).size();
    std::string index = std::to_string(group);
    if (index.size() < width) index.insert(0, width - index.size(), '0');
    std::string out = text;
    for (size_t at = out.find("{group}"); at != std::string::npos;
         at = out.find("{group}", at + index.size()))
        out.replace(at, 7, index);
    return out;
}

} // namespace loadgen
