// TLS on the kernel's own listeners (docs/tls.md): `tls = { cert, key }` in a plugin's
// table or in [control]. Each test makes a CA of its own with openssl and a server
// certificate it signs, and talks to the kernel with real TLS clients that verify the
// certificate against that CA (tls_clients.hpp): WSS to groove and the echo example,
// HTTPS to the control API. Around them: clients that do not speak TLS, SIGHUP with a new
// certificate and with a broken one, and configs whose files do not load.
#include "child_process.hpp"
#include "fake_backend.hpp"
#include "kernel_log_lines.hpp"
#include "kernel_process.hpp"
#include "publish.hpp"
#include "raw_tcp_client.hpp"
#include "temp_dir.hpp"
#include "test_ca.hpp"
#include "tls_clients.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <string>
#include <string_view>

using namespace switchyard::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

std::string tls_line(const TestCa::Issued& issued) {
    return "tls = { cert = " + toml_quote(issued.cert.string()) +
           ", key = " + toml_quote(issued.key.string()) + " }\n";
}

const std::string kEchoLibrary =
    "library = " + toml_quote(std::string(SWITCHYARD_PLUGIN_DIR) + "/echo.so") + "\n";

// groove and the echo example, both over TLS with `issued`; the control API plain.
KernelProcess start_tls_plugins(const TestCa::Issued& issued, std::string kernel_toml = {}) {
    KernelOptions options;
    options.kernel_toml = std::move(kernel_toml);
    options.extra_toml = enabled_plugin_table("groove", tls_line(issued)) +
                         enabled_plugin_table("echo", kEchoLibrary + tls_line(issued));
    return KernelProcess::start(options);
}

// Publishes a groove event of type `type`; returns the text its clients receive.
std::string publish_groove(const KernelProcess& kernel, std::string_view type) {
    publish(kernel, R"({"topic":"groove","type":")" + std::string(type) + R"(","data":{}})");
    return R"({"event":")" + std::string(type) + R"(","data":{}})";
}

// Whether a new TLS connection to `server` sees a certificate with serial `serial`.
bool serves_serial(const TlsServer& server, const std::string& serial) {
    try {
        return tls_peer_certificate(server).serial == serial;
    } catch (const std::runtime_error&) {
        return false;
    }
}

void copy_over(const std::filesystem::path& from, const std::filesystem::path& to) {
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

} // namespace

TEST_CASE(
    "tls: a WSS client of groove receives a published event and echo carries 1 MiB "
    "messages both ways through the terminator",
    "[integration][tls]") {
    TempDir dir("tls");
    const TestCa ca(dir);
    const auto server = ca.issue("server", "switchyard test server", 1001);
    auto kernel = start_tls_plugins(server);

    const TlsServer groove{kernel.plugin_port("groove"), ca.certificate()};
    auto client = WssClient::connect(groove, "/ws", {}, kWait);
    const std::string expected = publish_groove(kernel, "tls-hello");
    CHECK(next_text_or_why(client, kWait) == expected);

    const TlsServer echo{kernel.plugin_port("echo"), ca.certificate()};
    auto echo_client = WssClient::connect(echo, "/ws", {}, kWait);
    std::string large(1 << 20, 'x');
    for (size_t i = 0; i < large.size(); i += 4096) large[i] = static_cast<char>('a' + i % 26);
    for (int round = 0; round < 3; ++round) {
        REQUIRE(echo_client.send_text(large, kWait));
        const auto back = echo_client.read(std::chrono::seconds(30));
        REQUIRE(back.has_value());
        CHECK(back->payload.size() == large.size());
        CHECK(back->payload == large);
    }
    // The plain HTTP route of the same endpoint, over HTTPS.
    const auto health = https_request(echo, "GET", "/health", {}, {}, kWait);
    CHECK(health.status == 200);
    CHECK(health.body.find("\"connections\":1") != std::string::npos);
}

TEST_CASE(
    "tls: the pass-through relays an HTTPS request to the upstream with "
    "X-Forwarded-Proto https and the client's address",
    "[integration][tls][upstream]") {
    TempDir dir("tls");
    const TestCa ca(dir);
    const auto server = ca.issue("server", "switchyard test server", 1006);
    FakeBackend daemon;
    daemon.route("POST", "/api/thing", [](const BackendRequest& request) {
        BackendResponse answer;
        answer.content_type = "text/plain";
        answer.body = "got " + std::to_string(request.body.size()) + " bytes";
        return answer;
    });
    auto kernel = KernelProcess::start(enabled_plugin_table(
        "groove", "upstream = " + toml_quote(daemon.url()) + "\n" + tls_line(server)));
    const TlsServer groove{kernel.plugin_port("groove"), ca.certificate()};
    const std::string body(300 * 1024, 'b');
    const auto answer = https_request(groove, "POST", "/api/thing", {}, body, kWait);
    CHECK(answer.status == 200);
    CHECK(answer.body == "got 307200 bytes");
    const auto seen = daemon.wait_for("/api/thing", kWait);
    REQUIRE(seen.has_value());
    CHECK(seen->header("X-Forwarded-Proto") == "https");
    CHECK(seen->header("X-Forwarded-For") == "127.0.0.1");
}

TEST_CASE(
    "tls: a plain HTTP client, garbage and a stalled handshake are closed without an "
    "answer, and TLS clients are served meanwhile",
    "[integration][tls]") {
    TempDir dir("tls");
    const TestCa ca(dir);
    const auto server = ca.issue("server", "switchyard test server", 1002);
    auto kernel = start_tls_plugins(server, "io_timeout_ms = 500\n");
    const uint16_t port = kernel.plugin_port("groove");
    const TlsServer groove{port, ca.certificate()};
    auto before = WssClient::connect(groove, "/ws", {}, kWait);

    auto stalled = RawTcpClient::connect(port); // connects, never says a word
    auto plain = RawTcpClient::connect(port);
    REQUIRE(plain.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    auto garbage = RawTcpClient::connect(port);
    REQUIRE(garbage.write(std::string(300, '\x16') + "garbage"));
    auto half = RawTcpClient::connect(port); // a TLS record header, then nothing
    REQUIRE(half.write(std::string("\x16\x03\x01\x02\x00", 5)));

    CHECK(plain.wait_closed(kWait));
    CHECK(plain.received().find("HTTP/") == std::string::npos);
    CHECK(garbage.wait_closed(kWait));
    CHECK(garbage.received().find("HTTP/") == std::string::npos);
    CHECK(half.wait_closed(kWait));
    CHECK(stalled.wait_closed(kWait));
    INFO(kernel.log());
    CHECK(count_log_lines(kernel, {"TLS handshake with 127.0.0.1", "failed"}) > 0);
    CHECK(count_log_lines(kernel, {"TLS handshake", "not done within 500 ms"}) > 0);

    auto after = WssClient::connect(groove, "/ws", {}, kWait);
    const std::string expected = publish_groove(kernel, "still-serving");
    CHECK(next_text_or_why(before, kWait) == expected);
    CHECK(next_text_or_why(after, kWait) == expected);
}

TEST_CASE(
    "tls: SIGHUP takes a new certificate for new connections while open WSS "
    "connections stay, and keeps the old one when the new one does not load",
    "[integration][tls][sighup]") {
    TempDir dir("tls");
    const TestCa ca(dir);
    const auto first = ca.issue("first", "switchyard test server one", 0x1001);
    const auto second = ca.issue("second", "switchyard test server two", 0x2002);
    // The files the config names: replaced in place, as a certificate renewal does.
    const TestCa::Issued live{dir.path() / "live.pem", dir.path() / "live.key"};
    copy_over(first.cert, live.cert);
    copy_over(first.key, live.key);
    auto kernel = start_tls_plugins(live);
    const TlsServer groove{kernel.plugin_port("groove"), ca.certificate()};
    REQUIRE(tls_peer_certificate(groove).serial == "1001");
    CHECK(tls_peer_certificate(groove).subject.find("switchyard test server one") !=
          std::string::npos);
    auto opened_before = WssClient::connect(groove, "/ws", {}, kWait);

    copy_over(second.cert, live.cert);
    copy_over(second.key, live.key);
    kernel.send_signal(SIGHUP);
    INFO(kernel.log());
    REQUIRE(wait_until([&] { return serves_serial(groove, "2002"); }, kWait));
    CHECK(tls_peer_certificate(groove).subject.find("switchyard test server two") !=
          std::string::npos);
    const std::string first_event = publish_groove(kernel, "after-renewal");
    CHECK(next_text_or_why(opened_before, kWait) == first_event);
    auto opened_after = WssClient::connect(groove, "/ws", {}, kWait);

    // A broken certificate (and a key that is not its own) is refused: the second stays.
    write_file(live.cert, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    copy_over(first.key, live.key);
    const size_t refusals_before =
        count_log_lines(kernel, {"plugins.groove.tls", "stay as they were"});
    kernel.send_signal(SIGHUP);
    REQUIRE(wait_until(
        [&] {
            return count_log_lines(kernel, {"plugins.groove.tls", "stay as they were"}) >
                   refusals_before;
        },
        kWait));
    CHECK(tls_peer_certificate(groove).serial == "2002");
    const std::string second_event = publish_groove(kernel, "after-broken");
    CHECK(next_text_or_why(opened_before, kWait) == second_event);
    CHECK(next_text_or_why(opened_after, kWait) == second_event);
    auto opened_last = WssClient::connect(groove, "/ws", {}, kWait);
    CHECK_FALSE(opened_last.closed());
}

TEST_CASE(
    "tls: the control API over HTTPS answers with the token, and knows a loopback "
    "client without one",
    "[integration][tls][control]") {
    TempDir dir("tls");
    const TestCa ca(dir);
    const auto server = ca.issue("control", "switchyard control", 1003);
    const bool with_token = GENERATE(true, false);
    INFO((with_token ? "with a token" : "without a token: loopback peers only"));
    KernelOptions options;
    if (with_token) options.control_token = "s3cret-T0ken";
    options.control_toml = tls_line(server);
    // KernelProcess reads the plugin list over plain HTTP: this kernel is started by hand.
    const auto config = dir.write("switchyard.toml", kernel_config_text(options));
    const auto log = dir.path() / "kernel.log";
    auto kernel =
        ChildProcess::spawn({SWITCHYARD_BINARY, "--config", config.string()}, log.string());
    std::string ready;
    REQUIRE(kernel.wait_for_stdout(
        [&](std::string_view out) {
            const auto line = out.find("switchyard ready control=127.0.0.1:");
            if (line == std::string_view::npos) return false;
            const auto end = out.find('\n', line);
            if (end == std::string_view::npos) return false;
            ready = std::string(out.substr(line, end - line));
            return true;
        },
        std::chrono::seconds(20)));
    const auto port = static_cast<uint16_t>(std::stoi(ready.substr(ready.rfind(':') + 1)));
    const TlsServer control{port, ca.certificate()};
    if (with_token) {
        const auto health = https_request(control, "GET", "/healthz",
                                          {{"Authorization", "Bearer s3cret-T0ken"}}, {}, kWait);
        CHECK(health.status == 200);
        const auto listed = https_request(control, "GET", "/api/v1/plugins",
                                          {{"Authorization", "Bearer s3cret-T0ken"}}, {}, kWait);
        CHECK(listed.status == 200);
        const auto refused = https_request(control, "GET", "/api/v1/plugins", {}, {}, kWait);
        CHECK(refused.status == 401);
    } else {
        // Served only when the session knows the TCP peer's address is loopback.
        const auto listed = https_request(control, "GET", "/api/v1/plugins", {}, {}, kWait);
        INFO(listed.body);
        CHECK(listed.status == 200);
    }
    kernel.send_signal(SIGTERM);
    CHECK(kernel.wait_exit(kWait) == 0);
}

TEST_CASE(
    "tls: a certificate or key that does not load refuses the start and "
    "--check-config, naming the key and the file",
    "[integration][tls][config]") {
    TempDir dir("tls");
    const TestCa ca(dir);
    const auto server = ca.issue("server", "switchyard test server", 1004);
    const auto other = ca.issue("other", "another server", 1005);

    struct Case {
        std::string what;
        std::string toml;
        std::string key;
        std::string says;
    };
    const Case cases[] = {
        {"a missing certificate file",
         "[control]\nlisten = \"127.0.0.1:0\"\ntls = { cert = \"missing.pem\", key = " +
             toml_quote(server.key.string()) + " }\n",
         "control.tls", "missing.pem"},
        {"a key that is not the certificate's",
         "[control]\nlisten = \"127.0.0.1:0\"\n" +
             enabled_plugin_table("groove", "tls = { cert = " + toml_quote(server.cert.string()) +
                                                ", key = " + toml_quote(other.key.string()) +
                                                " }\n"),
         "plugins.groove.tls", "does not belong"},
        {"a certificate file that is not PEM",
         "[control]\nlisten = \"127.0.0.1:0\"\ntls = { cert = \"config.toml\", key = " +
             toml_quote(server.key.string()) + " }\n",
         "control.tls", "config.toml"},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        const std::string toml =
            "[kernel]\nplugin_dir = " + toml_quote(std::string(SWITCHYARD_PLUGIN_DIR)) + "\n" +
            c.toml;
        const auto config = dir.write("config.toml", toml);
        const auto checked = run_switchyard({"--check-config", "--config", config.string()});
        INFO(checked.out << checked.err);
        CHECK(checked.exit_code == 2);
        CHECK(checked.err.find(c.key) != std::string::npos);
        CHECK(checked.err.find(c.says) != std::string::npos);
        const auto started = run_switchyard({"--config", config.string()});
        INFO(started.out << started.err);
        CHECK(started.exit_code == 2);
        CHECK(started.err.find(c.key) != std::string::npos);
        CHECK(started.err.find(c.says) != std::string::npos);
    }
    // And the table itself: both files, nothing else.
    const auto config = dir.write("config.toml", "[control]\ntls = { cert = \"a.pem\" }\n");
    const auto refused = run_switchyard({"--check-config", "--config", config.string()});
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("control.tls") != std::string::npos);
    CHECK(refused.err.find("key = ") != std::string::npos);
}

TEST_CASE(
    "tls: a file answer (sendfile into the terminator) of several MiB arrives intact "
    "over HTTPS",
    "[integration][tls][files]") {
    TempDir dir("tls");
    const TestCa ca(dir);
    const auto server = ca.issue("server", "switchyard test server", 1007);
    std::string content(9 * 1024 * 1024 + 123, '\0');
    for (size_t i = 0; i < content.size(); ++i)
        content[i] = static_cast<char>((i * 7 + i / 4093) & 0xff);
    write_file(dir.path() / "site" / "big.bin", content);
    auto kernel = KernelProcess::start(enabled_plugin_table(
        "deferred_answers",
        "library = " +
            toml_quote(std::string(SWITCHYARD_TEST_PLUGIN_DIR) + "/deferred_answers.so") + "\n" +
            tls_line(server)));
    const TlsServer files{kernel.plugin_port("deferred_answers"), ca.certificate()};
    const auto answer =
        https_request(files, "GET", "/files/big.bin?root=" + (dir.path() / "site").string(), {}, {},
                      std::chrono::seconds(60));
    REQUIRE(answer.status == 200);
    CHECK(answer.body.size() == content.size());
    CHECK((answer.body == content)); // a bool: Catch would print both MiB on a failure
}

namespace {
size_t open_descriptors(pid_t pid) {
    const std::filesystem::path fds = "/proc/" + std::to_string(pid) + "/fd";
    std::error_code ec;
    size_t count = 0;
    for (std::filesystem::directory_iterator it(fds, ec), end; !ec && it != end; it.increment(ec))
        ++count;
    return count;
}
} // namespace

TEST_CASE(
    "tls: a WSS client that stops reading is cut off as a slow consumer, and its "
    "terminator goes with it while other clients are served",
    "[integration][tls][slow]") {
    TempDir dir("tls");
    const TestCa ca(dir);
    const auto server = ca.issue("server", "switchyard test server", 1008);
    auto kernel = start_tls_plugins(server, "io_timeout_ms = 1000\n");
    const TlsServer groove{kernel.plugin_port("groove"), ca.certificate()};
    auto reader = WssClient::connect(groove, "/ws", {}, kWait);
    const size_t baseline = open_descriptors(kernel.pid());
    auto idle = WssClient::connect(groove, "/ws", {}, kWait); // never reads from here on
    REQUIRE(open_descriptors(kernel.pid()) > baseline);

    const std::string data(60 * 1024, 'p');
    const std::string event = R"({"topic":"groove","type":"bulk","data":{"d":")" + data + "\"}}";
    const auto slow_consumers = [&] { return count_log_lines(kernel, {"client too slow"}); };
    INFO(kernel.log());
    for (int i = 0; i < 2000 && slow_consumers() == 0; ++i) {
        publish(kernel, event);
        // The reader keeps up, so only the idle client falls behind.
        REQUIRE(reader.read(kWait).has_value());
    }
    REQUIRE(slow_consumers() > 0);
    // The connection is gone from the kernel, and so is the terminator that was still
    // trying to write to the client (its TCP socket and its end of the pair).
    CHECK(wait_until([&] { return open_descriptors(kernel.pid()) <= baseline; },
                     std::chrono::seconds(15)));
    const std::string expected = publish_groove(kernel, "after-slow");
    CHECK(next_text_or_why(reader, kWait) == expected);
}
