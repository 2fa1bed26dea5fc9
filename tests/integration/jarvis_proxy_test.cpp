// The jarvis plugin behind Debian's nginx terminating TLS (issue 5, "Behind a reverse
// proxy"; seed 000: "make sure your proxy preserves Set-Cookie", "forward /ws, preserve
// Upgrade and Connection headers"). The test starts the kernel and nginx in front of it
// (tls_proxy.hpp), and talks to nginx as a browser would, over real TLS with the proxy's
// certificate verified: the ?token= bootstrap, whose cookie comes back through nginx with
// Secure (nginx says X-Forwarded-Proto: https), the dashboard's files, then a wss://
// upgrade carrying that cookie, a chat to the backend and the backend's events back.
#include "kernel_process.hpp"
#include "publish.hpp"
#include "sse_client.hpp"
#include "test_json.hpp"
#include "tls_clients.hpp"
#include "tls_proxy.hpp"
#include "toml_text.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
constexpr std::string_view kToken = "proxy-T0ken";

const std::string kDashboardDir =
    (std::filesystem::path(SWITCHYARD_SOURCE_DIR) / "plugins/jarvis/dashboard").string();

json::object next_object(WssClient& client) {
    const std::string text = next_text_or_why(client);
    INFO("received: " << text);
    const json::value value = parse_json(text);
    REQUIRE(value.is_object());
    return value.as_object();
}

} // namespace

TEST_CASE("jarvis: behind nginx with TLS ?token= sets a Secure cookie and wss:// carries it",
          "[integration][jarvis][proxy]") {
    auto kernel = KernelProcess::start(enabled_plugin_table(
        "jarvis", "auth_token = " + toml_quote(kToken) +
                      "\ndashboard_dir = " + toml_quote(kDashboardDir) + "\n"));
    auto proxy = TlsProxy::start(kernel.plugin_port("jarvis"));
    INFO("nginx: " << proxy.log());
    const TlsServer server{proxy.port(), proxy.certificate()};
    const std::string origin = "https://127.0.0.1:" + std::to_string(proxy.port());
    const std::string token(kToken);

    // A wrong token sets nothing and is refused; so is a page without the cookie.
    for (const std::string target : {"/?token=wrong", "/"}) {
        INFO("GET " << target);
        const HttpResponse refused = https_request(server, "GET", target);
        CHECK(refused.status == 401);
        CHECK(refused.body == R"({"error":"Unauthorized"})");
        CHECK(refused.header("set-cookie").empty());
    }

    // The right one: the cookie reaches the browser through nginx, marked Secure because
    // the browser spoke https, and the redirect stays on the proxy's origin.
    const HttpResponse bootstrap = https_request(server, "GET", "/?token=" + token + "&room=lab");
    CHECK(bootstrap.status == 302);
    CHECK(bootstrap.header("set-cookie") ==
          "token=" + token + "; Path=/; SameSite=Lax; HttpOnly; Secure");
    CHECK(bootstrap.header("location") == "/?room=lab");
    const std::string cookie = "token=" + token;

    // The dashboard's files, through nginx, with the cookie; a repeat with the ETag is 304.
    const HttpResponse page = https_request(server, "GET", "/?room=lab", {{"Cookie", cookie}});
    REQUIRE(page.status == 200);
    CHECK(page.header("content-type") == "text/html; charset=utf-8");
    CHECK(page.body.find("<script src=\"dashboard.js\"></script>") != std::string::npos);
    const std::string etag = page.header("etag");
    REQUIRE_FALSE(etag.empty());
    const HttpResponse unchanged =
        https_request(server, "GET", "/", {{"Cookie", cookie}, {"If-None-Match", etag}});
    CHECK(unchanged.status == 304);
    CHECK(unchanged.body.empty());
    const HttpResponse script = https_request(server, "GET", "/dashboard.js", {{"Cookie", cookie}});
    CHECK(script.status == 200);
    CHECK(script.header("content-type") == "text/javascript; charset=utf-8");

    // The upgrade checks the cookie, through nginx too; the Bearer header alone is refused.
    for (const HttpHeaders& headers :
         {HttpHeaders{{"Origin", origin}},
          HttpHeaders{{"Origin", origin}, {"Authorization", "Bearer " + token}},
          HttpHeaders{{"Origin", origin}, {"Cookie", "token=wrong"}}}) {
        const WssAttempt attempt = WssClient::try_connect(server, "/ws", headers);
        CHECK(attempt.status == 401);
        CHECK(attempt.body == R"({"error":"Unauthorized"})");
    }
    // A page of another site is refused by the Origin rule even with the cookie.
    CHECK(WssClient::try_connect(server, "/ws",
                                 {{"Origin", "https://evil.example"}, {"Cookie", cookie}})
              .status == 403);

    auto feed = SseClient::connect(kernel.control_port(), "/api/v1/events?stream=inbound",
                                   {{"Last-Event-ID", "0"}});
    REQUIRE(feed.status() == 200);
    auto client = WssClient::connect(server, "/ws", {{"Origin", origin}, {"Cookie", cookie}});
    REQUIRE(client.send_text(R"({"type":"command","payload":{"command":"ping"},"id":"p1"})"));
    const json::object pong = next_object(client);
    CHECK(json::serialize(pong.at("payload")) == R"({"pong":true})");
    CHECK(string_field(pong, "id") == "p1");

    // A chat through nginx reaches the backend with the connection id ...
    REQUIRE(client.send_text(R"({"type":"chat","payload":{"text":"via nginx"},"id":"c1"})"));
    const auto inbound = feed.next(kWait);
    REQUIRE(inbound.has_value());
    const json::value chat = parse_json(inbound->data);
    INFO("inbound: " << inbound->data);
    CHECK(string_field(chat, "type") == "chat");
    CHECK(string_field(chat.at("data").at("payload"), "text") == "via nginx");
    const std::string conn = string_field(chat.at("scope"), "conn");
    REQUIRE_FALSE(conn.empty());

    // ... and the backend's answer for that connection and its broadcast come back.
    publish(kernel, R"({"topic":"jarvis","type":"stream","id":"c1","data":{"text":"answer"},)"
                    R"("scope":{"conn":")" +
                        conn + R"("}})");
    publish(kernel, R"({"topic":"jarvis","type":"notification","data":{"text":"for all"}})");
    const json::object answer = next_object(client);
    CHECK(string_field(answer, "type") == "stream");
    CHECK(string_field(answer, "id") == "c1");
    CHECK(json::serialize(answer.at("payload")) == R"({"text":"answer"})");
    const json::object broadcast = next_object(client);
    CHECK(string_field(broadcast, "type") == "notification");
    CHECK(json::serialize(broadcast.at("payload")) == R"({"text":"for all"})");
    CHECK(string_field(broadcast, "priority") == "normal");
}

TEST_CASE(
    "jarvis: without a proxy the token cookie is not Secure unless X-Forwarded-Proto says "
    "https",
    "[integration][jarvis][proxy]") {
    auto kernel = KernelProcess::start(enabled_plugin_table(
        "jarvis", "auth_token = " + toml_quote(kToken) +
                      "\ndashboard_dir = " + toml_quote(kDashboardDir) + "\n"));
    const HttpClient http(kernel.plugin_port("jarvis"));
    const std::string base_cookie =
        "token=" + std::string(kToken) + "; Path=/; SameSite=Lax; HttpOnly";
    const std::string target = "/?token=" + std::string(kToken);
    CHECK(http.get(target).header("set-cookie") == base_cookie);
    struct Case {
        std::string forwarded_proto;
        bool secure;
    };
    for (const Case& c : {Case{"https", true}, Case{"HTTPS", true}, Case{"https, http", true},
                          Case{"http", false}, Case{"http, https", false}, Case{"", false}}) {
        INFO("X-Forwarded-Proto: " << c.forwarded_proto);
        const HttpResponse answer = http.get(target, {{"X-Forwarded-Proto", c.forwarded_proto}});
        CHECK(answer.status == 302);
        CHECK(answer.header("set-cookie") == base_cookie + (c.secure ? "; Secure" : ""));
    }
}
