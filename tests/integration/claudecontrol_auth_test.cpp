// ClaudeControl's PIN authentication over real sockets (seed 004, issue 12 items 1 and 2):
// GET /api/auth/status, POST /api/auth/login (token = SHA-256 of the PIN), wrong PINs
// limited per address (429 + Retry-After), 413 for large bodies, the WebSocket's 4001
// Unauthorized, PUT/DELETE /api/settings/pin answered once the kernel has the new token
// on disk, kept across a restart and a reload, closing the sockets of the old token; and
// the kernel's ping/pong (a client that never answers is terminated, one that does stays).
#include "claudecontrol_fixture.hpp"
#include "plugin_control.hpp"
#include "plugin_list.hpp"
#include "raw_tcp_client.hpp"
#include "raw_websocket.hpp"
#include "temp_dir.hpp"
#include "test_json.hpp"
#include "wait_until.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <string>

using namespace switchyard::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
const std::string kPinLine = "pin = \"4321\"\n";

// True once the server closed `client` with 4001 Unauthorized.
bool closed_unauthorized(WsClient& client) {
    return client.wait_closed(kWait) && client.close_code() == 4001 &&
           client.close_reason() == "Unauthorized";
}

// Whether a client stays open: it still gets an unscoped event.
void require_open(const KernelProcess& kernel, WsClient& client) {
    publish_claudecontrol(kernel, "", "agent_session", R"({"agentId":"a","sessionId":"s"})");
    CHECK(string_field(next_of_type(client, "agent_session"), "sessionId") == "s");
}

// Every file the kernel keeps for the plugin is readable by its owner only; at least one.
void require_private_state(const std::filesystem::path& state_dir) {
    const std::filesystem::path folder = state_dir / "claudecontrol";
    REQUIRE(std::filesystem::is_directory(folder));
    size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        if (!entry.is_regular_file()) continue;
        struct stat info {};
        REQUIRE(::stat(entry.path().c_str(), &info) == 0);
        INFO(entry.path() << " mode " << std::oct << (info.st_mode & 0777));
        CHECK((info.st_mode & 0077) == 0);
        ++files;
    }
    CHECK(files >= 1);
}

} // namespace

TEST_CASE("claudecontrol auth: status and login with the configured PIN, a wrong PIN is 401",
          "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol(kPinLine);
    const HttpResponse status = claudecontrol_http(kernel).get("/api/auth/status");
    CHECK(status.status == 200);
    CHECK(status.body == R"({"requiresPin":true})");

    const HttpResponse good = login(kernel, kCcPin);
    CHECK(good.status == 200);
    CHECK(string_field(parse_json(good.body), "token") == kCcToken);

    const HttpResponse wrong = login(kernel, "9999");
    CHECK(wrong.status == 401);
    CHECK(login(kernel, "").status == 401);
    CHECK(claudecontrol_http(kernel).post("/api/auth/login", "{not json").status == 400);
    CHECK(claudecontrol_http(kernel).post("/api/auth/login", R"({"pin":4321})").status == 400);
    CHECK(claudecontrol_http(kernel).get("/nothing-here").status == 404);
}

TEST_CASE(
    "claudecontrol auth: without a PIN every client is admitted and login answers an "
    "empty token",
    "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol();
    CHECK(claudecontrol_http(kernel).get("/api/auth/status").body == R"({"requiresPin":false})");
    const HttpResponse answer = login(kernel, "anything");
    CHECK(answer.status == 200);
    CHECK(answer.body == R"({"token":""})");
    auto client = open_claudecontrol(kernel);
    require_open(kernel, client);
}

TEST_CASE(
    "claudecontrol auth: wrong PINs from one address are limited (429 with "
    "Retry-After), the right one included, until the window ends",
    "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol(kPinLine +
                                      "max_login_failures = 3\n"
                                      "login_window_ms = 60000\n");
    for (int i = 0; i < 3; ++i) CHECK(login(kernel, "0000").status == 401);
    const HttpResponse limited = login(kernel, "0000");
    CHECK(limited.status == 429);
    const std::string retry = limited.header("Retry-After");
    INFO("Retry-After: " << retry);
    REQUIRE_FALSE(retry.empty());
    CHECK(std::stoi(retry) >= 1);
    CHECK(std::stoi(retry) <= 60);
    // Locked out: the right PIN is no way around it, nor are guessed tokens.
    CHECK(login(kernel, kCcPin).status == 429);
    CHECK(set_pin(kernel, "5555", kCcToken).status == 429);
}

TEST_CASE("claudecontrol auth: a short window lets the address try again",
          "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol(kPinLine +
                                      "max_login_failures = 1\n"
                                      "login_window_ms = 300\n");
    CHECK(login(kernel, "0000").status == 401);
    CHECK(login(kernel, kCcPin).status == 429);
    CHECK(wait_until([&] { return login(kernel, kCcPin).status == 200; }, kWait,
                     std::chrono::milliseconds(50)));
}

TEST_CASE("claudecontrol auth: a body over 4 KiB is refused with 413",
          "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol(kPinLine);
    const std::string big = R"({"pin":")" + std::string(5000, '1') + "\"}";
    CHECK(claudecontrol_http(kernel).post("/api/auth/login", big).status == 413);
    CHECK(claudecontrol_http(kernel)
              .request("PUT", "/api/settings/pin", big,
                       {{"Authorization", "Bearer " + std::string(kCcToken)}})
              .status == 413);
    CHECK(login(kernel, kCcPin).status == 200);
}

TEST_CASE(
    "claudecontrol WebSocket: no token or a wrong one is closed with 4001 "
    "Unauthorized, ?token= and Authorization: Bearer are admitted",
    "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol(kPinLine);
    auto anonymous = open_claudecontrol(kernel);
    CHECK(closed_unauthorized(anonymous));
    auto wrong = open_claudecontrol(kernel, std::string(64, 'a'));
    CHECK(closed_unauthorized(wrong));

    auto by_query = open_claudecontrol(kernel, kCcToken);
    auto by_header = WsClient::connect(claudecontrol_port(kernel), "/",
                                       {{"Authorization", "Bearer " + std::string(kCcToken)}});
    require_open(kernel, by_query);
    require_open(kernel, by_header);
}

TEST_CASE("claudecontrol WebSocket: a page of a foreign Origin is refused",
          "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol();
    const auto refused =
        WsClient::try_connect(claudecontrol_port(kernel), "/", {{"Origin", "http://evil.test"}});
    CHECK(refused.status == 403);
    const auto allowed = WsClient::try_connect(claudecontrol_port(kernel), "/",
                                               {{"Origin", "http://localhost:5173"}});
    CHECK(allowed.status == 101);
}

TEST_CASE(
    "claudecontrol HTTP: a page of an allowed Origin gets the CORS headers and its "
    "preflight answered, a foreign one 403",
    "[integration][claudecontrol]") {
    TempDir state("claudecontrol-cors");
    auto kernel = start_claudecontrol(kPinLine, state.path());
    const HttpClient http = claudecontrol_http(kernel);
    const std::string page = "http://localhost:5173";
    const HttpResponse preflight =
        http.request("OPTIONS", "/api/settings/pin", {},
                     {{"Origin", page},
                      {"Access-Control-Request-Method", "PUT"},
                      {"Access-Control-Request-Headers", "authorization, content-type"}});
    CHECK(preflight.status == 204);
    CHECK(preflight.header("Access-Control-Allow-Origin") == page);
    CHECK(preflight.header("Access-Control-Allow-Methods").find("PUT") != std::string::npos);
    CHECK(preflight.header("Access-Control-Allow-Headers").find("Authorization") !=
          std::string::npos);

    const HttpResponse logged_in = http.post(
        "/api/auth/login", R"({"pin":")" + std::string(kCcPin) + "\"}", {{"Origin", page}});
    CHECK(logged_in.status == 200);
    CHECK(logged_in.header("Access-Control-Allow-Origin") == page);
    // The deferred answer of a PIN change carries them too.
    const HttpResponse changed =
        http.request("PUT", "/api/settings/pin", R"({"pin":"8765"})",
                     {{"Origin", page}, {"Authorization", "Bearer " + std::string(kCcToken)}});
    CHECK(changed.status == 200);
    CHECK(changed.header("Access-Control-Allow-Origin") == page);

    const HttpResponse foreign =
        http.post("/api/auth/login", R"({"pin":"8765"})", {{"Origin", "http://evil.test"}});
    CHECK(foreign.status == 403);
    CHECK(foreign.header("Access-Control-Allow-Origin").empty());
}

TEST_CASE(
    "claudecontrol PIN change: needs the token and 4 to 8 characters, closes the "
    "sockets of the old token, kept across a restart and a reload, owner-only on disk",
    "[integration][claudecontrol]") {
    TempDir state("claudecontrol-state");
    {
        auto kernel = start_claudecontrol(kPinLine, state.path());
        CHECK(set_pin(kernel, "5678", "").status == 401);
        CHECK(set_pin(kernel, "5678", std::string(64, 'b')).status == 401);
        CHECK(set_pin(kernel, "123", kCcToken).status == 400);
        CHECK(set_pin(kernel, "123456789", kCcToken).status == 400);

        auto old_socket = open_claudecontrol(kernel, kCcToken);
        require_open(kernel, old_socket);
        const HttpResponse changed = set_pin(kernel, "5678", kCcToken);
        INFO(changed.body);
        REQUIRE(changed.status == 200);
        const std::string token = string_field(parse_json(changed.body), "token");
        CHECK(token == login_token(kernel, "5678"));
        CHECK(parse_json(changed.body).as_object().at("ok").as_bool());
        CHECK(closed_unauthorized(old_socket));
        CHECK(login(kernel, kCcPin).status == 401);
        auto stale = open_claudecontrol(kernel, kCcToken);
        CHECK(closed_unauthorized(stale));
        auto fresh = open_claudecontrol(kernel, token);
        require_open(kernel, fresh);
        require_private_state(state.path());

        // A reload keeps it (and the socket of the new token).
        REQUIRE(reload_plugin(kernel, "claudecontrol").status == 200);
        CHECK(login(kernel, "5678").status == 200);
        CHECK(login(kernel, kCcPin).status == 401);
        require_open(kernel, fresh);
    }
    {
        // A restart reads it back: the saved PIN wins over the config's.
        auto kernel = start_claudecontrol(kPinLine, state.path());
        CHECK(login(kernel, "5678").status == 200);
        CHECK(login(kernel, kCcPin).status == 401);
        const std::string token = login_token(kernel, "5678");

        auto socket = open_claudecontrol(kernel, token);
        require_open(kernel, socket);
        const HttpResponse removed = remove_pin(kernel, token);
        CHECK(removed.status == 200);
        CHECK(removed.body == R"({"ok":true})");
        CHECK(closed_unauthorized(socket));
        CHECK(claudecontrol_http(kernel).get("/api/auth/status").body ==
              R"({"requiresPin":false})");
    }
    {
        // Removed through the API: no PIN, whatever the config says.
        auto kernel = start_claudecontrol(kPinLine, state.path());
        CHECK(claudecontrol_http(kernel).get("/api/auth/status").body ==
              R"({"requiresPin":false})");
        auto open = open_claudecontrol(kernel);
        require_open(kernel, open);
    }
}

TEST_CASE(
    "claudecontrol PIN change: a PIN that cannot be written to disk is answered 500 and "
    "the old PIN stays in force",
    "[integration][claudecontrol]") {
    // A state_dir under a regular file: every write fails.
    TempDir dir("claudecontrol-unwritable");
    write_file(dir.path() / "a-file", "not a folder");
    auto kernel = start_claudecontrol(kPinLine, dir.path() / "a-file" / "state");
    auto socket = open_claudecontrol(kernel, kCcToken);
    require_open(kernel, socket);

    const HttpResponse refused = set_pin(kernel, "5678", kCcToken);
    CHECK(refused.status == 500);
    CHECK(login(kernel, kCcPin).status == 200);
    CHECK(login(kernel, "5678").status == 401);
    require_open(kernel, socket);
    // The saved state was put back: a reload still has the old PIN.
    REQUIRE(reload_plugin(kernel, "claudecontrol").status == 200);
    CHECK(login(kernel, kCcPin).status == 200);
    CHECK(login(kernel, "5678").status == 401);
    CHECK(remove_pin(kernel, kCcToken).status == 500);
    CHECK(claudecontrol_http(kernel).get("/api/auth/status").body == R"({"requiresPin":true})");
}

TEST_CASE(
    "claudecontrol heartbeat: a client that never answers pings is terminated, one "
    "that does stays",
    "[integration][claudecontrol]") {
    auto kernel = start_claudecontrol("ping_interval_ms = 200\npong_timeout_ms = 500\n");
    const uint16_t port = claudecontrol_port(kernel);
    auto silent = RawTcpClient::connect(port);
    silent.write(websocket_upgrade_request("/"));
    REQUIRE(silent.read_until(
        [](const std::string& got) { return got.find("\r\n\r\n") != std::string::npos; }, kWait));
    REQUIRE(silent.received().rfind("HTTP/1.1 101", 0) == 0);
    auto alive = open_claudecontrol(kernel);

    const bool dropped = wait_until(
        [&] {
            alive.read(std::chrono::milliseconds(20)); // answers the pings it reads
            silent.read_until([](const std::string&) { return false; },
                              std::chrono::milliseconds(1));
            return silent.closed();
        },
        kWait);
    REQUIRE(dropped);
    CHECK(count_frames(silent.received(), 0x9) >= 1); // pinged before the drop
    // Several more ping intervals: the answering client stays.
    CHECK(wait_until(
        [&] {
            alive.read(std::chrono::milliseconds(20));
            return count_frames(silent.received(), 0x9) >= 1 &&
                   listed_plugin(kernel, "claudecontrol")->at("connections").to_number<int64_t>() ==
                       1;
        },
        kWait));
    CHECK_FALSE(alive.closed());
    require_open(kernel, alive);
}
