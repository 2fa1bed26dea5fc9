// The JSON corpus of issue 14's comparison (item 6): the five protocols' real messages, as
// the plugins' tests and /work/shared/PROTOCOLS.md write them, for bench/micro's
// json_benchmark.cpp and the json_check tool.
//
// Client messages (parsed, then a few fields read, as a plugin's decode does) and the
// values of the replies and events the plugins build (serialized). The large one is
// JetStart's core:dex-reload with a 1 MiB base64 dex, as its backend publishes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::bench::json_corpus {

// One step of a path into a document: a member name, or an array index when key is empty.
struct Step {
    std::string_view key;
    size_t index = 0;
};
using Path = std::vector<Step>;

// A message a plugin parses, and the fields its decode reads (a string's length or an
// integer's value is summed into a checksum, so every library must agree on it).
struct ClientMessage {
    std::string name;
    std::string text;
    std::vector<Path> reads;
};

// `length` bytes of base64 text (deterministic; a dex's entropy, so no run repeats).
inline std::string base64_payload(size_t length) {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out(length, 'A');
    uint64_t state = 0x9E3779B97F4A7C15ull;
    for (char& c : out) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        c = kAlphabet[state & 63];
    }
    return out;
}

// The size of the dex payload: 1 MiB of base64 (768 KiB of dex).
inline constexpr size_t kDexBase64Bytes = 1 << 20;

// A JetStart backend's core:dex-reload data: what the kernel hands the plugin to splice
// after its head (it carries a sessionId the head must win over).
inline std::string dex_reload_data() {
    return R"({"sessionId":"spoofed","dexBase64":")" + base64_payload(kDexBase64Bytes) +
           R"(","classNames":["com.example.app.MainActivity","com.example.app.MainActivity$Override"]})";
}

// The client messages, smallest protocol first.
inline const std::vector<ClientMessage>& client_messages() {
    static const std::vector<ClientMessage> messages = {
        // jarvis: a chat message (tests/unit/jarvis_protocol_test.cpp, PROTOCOLS.md).
        {"jarvis_chat",
         R"({"type":"chat","payload":{"text":"What is on my calendar tomorrow? Also remind me to call Ana at 5 \u2014 she said \"after lunch\"."},"id":"c1","priority":"normal","timestamp":1710000000000})",
         {{{"type"}}, {{"payload"}, {"text"}}, {{"id"}}, {{"timestamp"}}}},
        // groove: the daemon's state event, as the GUI test publishes it, with four agents.
        {"groove_state",
         R"({"type":"state","data":[)"
         R"({"id":"a1b2","name":"backend-1","role":"backend","status":"running","provider":"claude-code","model":"claude-sonnet-4-6","tokensUsed":1200,"contextUsage":0.12,"teamId":"default","scope":["src/api/**"],"peers":["frontend-1"]},)"
         R"({"id":"c3d4","name":"frontend-1","role":"frontend","status":"running","provider":"claude-code","model":"claude-sonnet-4-6","tokensUsed":5400,"contextUsage":0.31,"teamId":"default","scope":["web/**"],"peers":["backend-1"]},)"
         R"({"id":"e5f6","name":"tests-1","role":"testing","status":"idle","provider":"codex","model":"gpt-5-codex","tokensUsed":0,"contextUsage":0,"teamId":"default","scope":["tests/**"],"peers":[]},)"
         R"({"id":"a7b8","name":"planner","role":"planner","status":"completed","provider":"claude-code","model":"claude-opus-4-1","tokensUsed":88000,"contextUsage":0.77,"teamId":"default","scope":[],"peers":["backend-1","frontend-1"]})"
         R"(]})",
         {{{"type"}}, {{"data"}, {"", 0}, {"id"}}, {{"data"}, {"", 3}, {"tokensUsed"}}}},
        // clijaw: a worker's agent event as the manager reads it (clijaw_protocol_test).
        {"clijaw_agent_event",
         R"({"type":"agent_status","status":"running","worker":"http://127.0.0.1:3458","agent":{"id":"main","cli":"claude","model":"sonnet","pid":48213,"cwd":"/home/dev/project"},"tool":{"name":"Bash","input":{"command":"npm test -- --watch=false","description":"Run the test suite"}},"ts":1733320000123})",
         {{{"type"}}, {{"status"}}, {{"agent"}, {"pid"}}, {{"ts"}}}},
        // jetstart: a device's client:connect (jetstart_protocol_test).
        {"jetstart_connect",
         R"({"type":"client:connect","timestamp":1733320000123,"sessionId":"k3J9xQ2m","token":"c2VjcmV0LXRva2Vu","deviceInfo":{"id":"emulator-5554","model":"Pixel 8","platform":"android","architecture":"arm64-v8a","androidVersion":"14","apiLevel":34}})",
         {{{"type"}}, {{"sessionId"}}, {{"token"}}, {{"deviceInfo"}, {"apiLevel"}}}},
        // jetstart: a device's client:log.
        {"jetstart_log",
         R"json({"type":"client:log","timestamp":1733320000456,"log":{"id":"log-1733320000456-7","timestamp":1733320000456,"level":"error","tag":"MainActivity","message":"java.lang.IllegalStateException: View not attached\n\tat com.example.app.MainActivity.onResume(MainActivity.kt:42)","source":"client","metadata":{"thread":"main","pid":4242}}})json",
         {{{"type"}}, {{"log"}, {"level"}}, {{"log"}, {"message"}}, {{"log"}, {"timestamp"}}}},
        // claudecontrol: a workspace's permission response (claudecontrol_protocol_test).
        {"claudecontrol_permission",
         R"({"type":"permission_response","workspaceId":"ws_1","requestId":"req-42","approved":true,"updatedInput":{"command":"git commit -m \"fix: the retry loop\"","description":"Commit the fix","timeout":120000}})",
         {{{"type"}}, {{"workspaceId"}}, {{"requestId"}}, {{"updatedInput"}, {"timeout"}}}},
        // jetstart: the large one: core:dex-reload with a 1 MiB base64 dex.
        {"jetstart_dex_1MiB",
         R"({"type":"core:dex-reload","timestamp":1733320000789,"sessionId":"k3J9xQ2m","dexBase64":")" +
             base64_payload(kDexBase64Bytes) +
             R"(","classNames":["com.example.app.MainActivity","com.example.app.MainActivity$Override"]})",
         {{{"type"}}, {{"dexBase64"}}, {{"classNames"}, {"", 1}}}},
    };
    return messages;
}

// A reply or event a plugin builds; the builders in json_libraries.hpp write it with each
// library's own API.
enum class Reply {
    JarvisStatus,      // {"type":"status","payload":{"status":"ok",...},"id":..,"timestamp":..}
    GrooveSpawned,     // {"event":"agent:spawned","data":{...agent...}}
    ClijawStatus,      // {...data,"topic":"agent","event":"agent_status"} (an SSE frame's data)
    JetstartLog,       // {"type":"core:log","timestamp":..,"sessionId":..,"log":{...}}
    ClaudeControlText, // {"type":"agent_text","workspaceId":..,"agentId":..,"text":"<460 B>"}
    JetstartDex1MiB,   // {"type":"core:dex-reload",...,"dexBase64":"<1 MiB>","classNames":[..]}
};

struct ReplyCase {
    std::string name;
    Reply reply;
};

inline const std::vector<ReplyCase>& replies() {
    static const std::vector<ReplyCase> cases = {
        {"jarvis_status", Reply::JarvisStatus},
        {"groove_spawned", Reply::GrooveSpawned},
        {"clijaw_status", Reply::ClijawStatus},
        {"jetstart_log", Reply::JetstartLog},
        {"claudecontrol_text", Reply::ClaudeControlText},
        {"jetstart_dex_1MiB", Reply::JetstartDex1MiB},
    };
    return cases;
}

// The agent's text in ClaudeControl's agent_text: markdown with quotes, newlines, a tab
// and non-ASCII, about 460 bytes.
inline const std::string& agent_text() {
    static const std::string text =
        "I found the problem. The retry loop in `src/net/client.ts` never resets its "
        "backoff after a success, so after one failure every request waits 30 s.\n\n"
        "Here is the change:\n\n```ts\n\tif (ok) {\n\t\tbackoff = INITIAL_BACKOFF;\n\t}\n```\n\n"
        "I ran \"npm test\" and all 214 tests pass. I also checked the caf\xC3\xA9 locale "
        "tests \xE2\x80\x94 they were flaky because of the same bug. Shall I commit it with "
        "the message \"fix: reset the backoff after a success\"? I will not push until you "
        "say so.";
    return text;
}

// The dex payload a core:dex-reload carries (built once).
inline const std::string& dex_payload() {
    static const std::string dex = base64_payload(kDexBase64Bytes);
    return dex;
}

} // namespace switchyard::bench::json_corpus
