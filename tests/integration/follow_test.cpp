// Outbound event streams (ABI 1.2 follow_open, follow_close, on_follow) over real sockets,
// with the follow_probe test plugin: the kernel follows its own control API's event
// stream and scripted servers written here (chunked and not, every line ending, comments,
// id persistence, an oversized event, a 503, a wrong content type, a silent server, a
// server that closes), and hands every event to the plugin in order, through reloads,
// without losing one when the plugin is slower than the server.
//
// Also: an SSE response head carries the headers the plugin's on_accept returns, minus a
// malformed one (CR/LF would split the head) and the ones the kernel writes itself.
#include "http_client.hpp"
#include "kernel_process.hpp"
#include "plugin_control.hpp"
#include "publish.hpp"
#include "sse_client.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"
#include "wait_until.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace switchyard::test;
namespace json = boost::json;

namespace {

constexpr auto kWait = std::chrono::seconds(10);
// plugin.h: sy_follow_kind, and the statuses the probe reports.
constexpr int64_t kOpen = 1;
constexpr int64_t kEvent = 2;
constexpr int64_t kClosed = 3;

const std::string kStreamHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n";

// A TCP server on 127.0.0.1 that answers each connection with a script: the request head
// is read and kept, then the script writes what the test chose. Connections are served
// one thread each; destroying the server releases scripts that hold their connection.
class ScriptedServer {
  public:
    // Writes a response on `fd`; returning closes the connection.
    using Script = std::function<void(ScriptedServer& server, int fd)>;

    explicit ScriptedServer(Script script) : script_(std::move(script)) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        const int one = 1;
        ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(listen_fd_, 64) != 0) {
            throw std::runtime_error("scripted server: cannot listen");
        }
        socklen_t length = sizeof address;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    ~ScriptedServer() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        released_.notify_all();
        ::shutdown(listen_fd_, SHUT_RDWR);
        acceptor_.join();
        for (auto& t : connections_) t.join();
        ::close(listen_fd_);
    }

    uint16_t port() const { return port_; }
    std::string url(std::string_view target = "/stream") const {
        return "http://127.0.0.1:" + std::to_string(port_) + std::string(target);
    }
    // The request heads received so far.
    std::vector<std::string> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    // Scripts that finished writing.
    size_t scripts_done() const { return done_.load(); }

    // For scripts: writes all of `bytes`; false once the peer is gone.
    static bool write(int fd, std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<size_t>(n));
        }
        return true;
    }
    // For scripts: keeps the connection open until the server is destroyed or released.
    void hold() {
        std::unique_lock lock(mutex_);
        released_.wait(lock, [this] { return stopping_ || release_; });
    }
    // Lets held scripts go on.
    void release() {
        {
            std::lock_guard lock(mutex_);
            release_ = true;
        }
        released_.notify_all();
    }

  private:
    void accept_loop() {
        for (;;) {
            const int fd = ::accept(listen_fd_, nullptr, nullptr);
            if (fd < 0) return;
            std::lock_guard lock(mutex_);
            if (stopping_) {
                ::close(fd);
                return;
            }
            connections_.emplace_back([this, fd] { serve(fd); });
        }
    }
    void serve(int fd) {
        std::string head;
        char buffer[4096];
        while (head.find("\r\n\r\n") == std::string::npos) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 10000) <= 0) break;
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) break;
            head.append(buffer, static_cast<size_t>(n));
        }
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(head);
        }
        script_(*this, fd);
        ++done_;
        ::close(fd);
    }

    Script script_;
    int listen_fd_ = -1;
    uint16_t port_ = 0;
    std::thread acceptor_;
    mutable std::mutex mutex_;
    std::condition_variable released_;
    bool stopping_ = false;
    bool release_ = false;
    std::vector<std::string> requests_;
    std::vector<std::thread> connections_;
    std::atomic<size_t> done_{0};
};

// A server that writes `response` and closes.
ScriptedServer::Script replies(std::string response) {
    return [response](ScriptedServer&, int fd) { ScriptedServer::write(fd, response); };
}

// One chunk of the chunked transfer coding.
std::string chunk(std::string_view data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + std::string(data) + "\r\n";
}

std::string percent_encoded(std::string_view text) {
    std::string out;
    constexpr char kHex[] = "0123456789ABCDEF";
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
        }
    }
    return out;
}

KernelProcess start_probe(const std::string& name = "follow_probe") {
    const std::string library = std::string(SWITCHYARD_TEST_PLUGIN_DIR) + "/" + name + ".so";
    return KernelProcess::start(
        enabled_plugin_table(name, "library = " + toml_quote(library) + "\n"));
}

// POST /follow with `url` and more query parameters ("&idle_timeout_ms=300"); the id.
std::string follow(const HttpClient& probe, std::string_view url, std::string_view more = {}) {
    const HttpResponse answer =
        probe.post("/follow?url=" + percent_encoded(url) + std::string(more), "");
    REQUIRE(answer.status == 200);
    return answer.body;
}

// The probe's records of follow `id` (all of them when `id` is empty).
json::array seen(const HttpClient& probe, std::string_view id = {}) {
    const json::value all = parse_json(probe.get("/seen").body);
    json::array out;
    for (const auto& record : all.as_array()) {
        if (id.empty() || std::to_string(record.at("follow").to_number<uint64_t>()) == id)
            out.push_back(record);
    }
    return out;
}

int64_t kind_of(const json::value& record) {
    return record.at("kind").to_number<int64_t>();
}

// Waits until follow `id` was heard CLOSED; its records.
json::array wait_closed(const HttpClient& probe, const std::string& id) {
    json::array records;
    const bool closed = wait_until(
        [&] {
            records = seen(probe, id);
            return !records.empty() && kind_of(records.back()) == kClosed;
        },
        kWait);
    INFO(json::serialize(records));
    REQUIRE(closed);
    return records;
}

// The EVENT records among `records`, as "id|event|data".
std::vector<std::string> events_of(const json::array& records) {
    std::vector<std::string> out;
    for (const auto& r : records) {
        if (kind_of(r) != kEvent) continue;
        out.push_back(string_field(r, "id") + "|" + string_field(r, "event") + "|" +
                      string_field(r, "data"));
    }
    return out;
}

} // namespace

TEST_CASE("follow: a chunked stream's events arrive in order, with their id, event and data",
          "[integration][follow]") {
    // Lines cut across chunks, every line ending, comments, an id kept until the next one,
    // an event with no data (not dispatched), a CR LF split between two chunks.
    ScriptedServer server(replies(
        kStreamHead + "Transfer-Encoding: chunked\r\n\r\n" +
        chunk(": hello\n\nid: 1\nevent: tick\nda") +
        chunk("ta: one\n\ndata: two\r\ndata: lines\r") + chunk("\n\r\nid: 7\rdata: three\r\r") +
        chunk("event: nodata\n\n:keepalive\n\ndata: four\n\n") + "0\r\n\r\n"));
    auto kernel = start_probe();
    const HttpClient probe(kernel.plugin_port("follow_probe"));
    const std::string id =
        follow(probe, server.url("/stream?x=1"),
               "&last_event_id=41&tag=99&header=" + percent_encoded("X-Trace:abc"));
    REQUIRE(id != "0");
    const json::array records = wait_closed(probe, id);
    INFO(json::serialize(records));
    REQUIRE(records.size() == 6);
    CHECK(kind_of(records[0]) == kOpen);
    CHECK(records[0].at("status").to_number<int>() == 200);
    const std::vector<std::string> expected{"1|tick|one", "1||two\nlines", "7||three", "7||four"};
    CHECK(events_of(records) == expected);
    CHECK(string_field(records[5], "reason") == "end of stream");
    CHECK(records[5].at("status").to_number<int>() == 0);
    for (const auto& r : records) CHECK(r.at("tag").to_number<int>() == 99);

    // The request: path and query, Host, the SSE headers, Last-Event-ID, the extra header.
    const auto requests = server.requests();
    REQUIRE(requests.size() == 1);
    const std::string& request = requests[0];
    INFO(request);
    CHECK(request.rfind("GET /stream?x=1 HTTP/1.1\r\n", 0) == 0);
    CHECK(request.find("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n") !=
          std::string::npos);
    CHECK(request.find("Accept: text/event-stream\r\n") != std::string::npos);
    CHECK(request.find("Cache-Control: no-cache\r\n") != std::string::npos);
    CHECK(request.find("Last-Event-ID: 41\r\n") != std::string::npos);
    CHECK(request.find("X-Trace: abc\r\n") != std::string::npos);
}

TEST_CASE("follow: a stream that is not chunked ends when the server closes",
          "[integration][follow]") {
    ScriptedServer server(
        replies(kStreamHead + "Connection: close\r\n\r\n" + "data: a\n\ndata: b\ndata: c\n\n"));
    auto kernel = start_probe();
    const HttpClient probe(kernel.plugin_port("follow_probe"));
    const std::string id = follow(probe, server.url());
    const json::array records = wait_closed(probe, id);
    CHECK(events_of(records) == std::vector<std::string>{"||a", "||b\nc"});
    CHECK(string_field(records.back(), "reason") == "end of stream");
    // No Last-Event-ID when the plugin has none.
    CHECK(server.requests().at(0).find("Last-Event-ID") == std::string::npos);
}

TEST_CASE("follow: a refusal, a wrong content type and a refused connection end the follow",
          "[integration][follow]") {
    ScriptedServer busy(replies(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy"));
    ScriptedServer html(
        replies("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi"));
    // A port nothing listens on: bound, then let go.
    uint16_t vacant = 0;
    {
        ScriptedServer gone(replies(""));
        vacant = gone.port();
    }
    auto kernel = start_probe();
    const HttpClient probe(kernel.plugin_port("follow_probe"));

    const json::array refused = wait_closed(probe, follow(probe, busy.url()));
    REQUIRE(refused.size() == 1); // no OPEN
    CHECK(refused[0].at("status").to_number<int>() == 503);
    CHECK(string_field(refused[0], "reason") == "HTTP 503");

    const json::array wrong = wait_closed(probe, follow(probe, html.url()));
    REQUIRE(wrong.size() == 1);
    CHECK(wrong[0].at("status").to_number<int>() == 200);
    CHECK(string_field(wrong[0], "reason") == "not an event stream");

    const json::array nobody =
        wait_closed(probe, follow(probe, "http://127.0.0.1:" + std::to_string(vacant) + "/"));
    REQUIRE(nobody.size() == 1);
    CHECK(nobody[0].at("status").to_number<int>() == 0);
    CHECK(string_field(nobody[0], "reason") == "connection refused");
}

TEST_CASE("follow: follow_open and follow_close from a plugin's own thread are refused",
          "[integration][follow]") {
    auto kernel = start_probe();
    const HttpClient probe(kernel.plugin_port("follow_probe"));
    ScriptedServer server(replies(""));
    // follow_open returns 0; follow_close SY_ERR_WRONG_THREAD (-7).
    CHECK(probe.post("/from_thread?url=" + percent_encoded(server.url()), "").body == "0 -7");
    CHECK(server.requests().empty());
}

TEST_CASE("follow: malformed urls are refused with 0", "[integration][follow]") {
    auto kernel = start_probe();
    const HttpClient probe(kernel.plugin_port("follow_probe"));
    for (const char* url :
         {"https://127.0.0.1/", "ftp://127.0.0.1/", "http://", "http://:80/", "http://127.0.0.1:0/",
          "http://127.0.0.1:65536/", "http://user@127.0.0.1/", "http://[::1/", "http://a b/",
          "http://127.0.0.1/\r\nX: 1", "127.0.0.1:80"}) {
        INFO(url);
        CHECK(follow(probe, url) == "0");
    }
    CHECK(follow(probe, "http://127.0.0.1:1/", "&last_event_id=" + percent_encoded("1\r\nX: y")) ==
          "0");
    // Well-formed ones are taken (and end, refused, in the background).
    CHECK(follow(probe, "http://127.0.0.1:1") != "0");
    CHECK(follow(probe, "http://[::1]:1/x?y#frag") != "0");
}

TEST_CASE("follow: an event past max_event_bytes ends the follow, the ones before it arrive",
          "[integration][follow]") {
    ScriptedServer server([](ScriptedServer& s, int fd) {
        ScriptedServer::write(fd, kStreamHead + "\r\ndata: small\n\ndata: " +
                                      std::string(500, 'x') + "\n\ndata: later\n\n");
        s.hold();
    });
    auto kernel = start_probe();
    const HttpClient probe(kernel.plugin_port("follow_probe"));
    const json::array records =
        wait_closed(probe, follow(probe, server.url(), "&max_event_bytes=100"));
    CHECK(events_of(records) == std::vector<std::string>{"||small"});
    CHECK(string_field(records.back(), "reason") == "event too large");
}

TEST_CASE("follow: a server that accepts and never answers is left after connect_timeout_ms",
          "[integration][follow]") {
    ScriptedServer server([](ScriptedServer& s, int) { s.hold(); });
    auto kernel = start_probe();
    const HttpClient probe(kernel.plugin_port("follow_probe"));
    const json::array records =
        wait_closed(probe, follow(probe, server.url(), "&connect_timeout_ms=300"));
    REQUIRE(records.size() == 1);
    CHECK(string_field(records[0], "reason") == "no response within 300 ms");
}

TEST_CASE("follow: a plugin whose descriptor ends before on_follow is not called",
          "[integration][follow]") {
    ScriptedServer server(replies(kStreamHead + "Connection: close\r\n\r\ndata: a\n\n"));
    auto kernel = start_probe("follow_probe_v1_1");
    const HttpClient probe(kernel.plugin_port("follow_probe_v1_1"));
    const std::string id = follow(probe, server.url());
    REQUIRE(id != "0");
    // The kernel logs the end of a follow on the dispatcher, just before its hook would
    // run: the request below is served after it.
    REQUIRE(wait_until(
        [&] {
            return kernel.log().find("follow " + id + " closed: end of stream") !=
                   std::string::npos;
        },
        kWait));
    CHECK(seen(probe).empty());
}

TEST_CASE("follow: a server that goes silent is left after idle_timeout_ms",
          "[integration][follow]") {
    ScriptedServer server([](ScriptedServer& s, int fd) {
        ScriptedServer::write(fd, kStreamHead + "\r\n: hi\n\ndata: only\n\n");
        s.hold();
    });
    auto kernel = start_probe();
    const HttpClient probe(kernel.plugin_port("follow_probe"));
    const json::array records =
        wait_closed(probe, follow(probe, server.url(), "&idle_timeout_ms=300"));
    CHECK(events_of(records) == std::vector<std::string>{"||only"});
    CHECK(string_field(records.back(), "reason") == "idle for 300 ms");
}

TEST_CASE("follow: after follow_close no hook is called for the follow", "[integration][follow]") {
    // "close" makes the probe call follow_close from its on_follow; "after" was parsed in
    // the same read, so its news is already on its way to the dispatcher then.
    ScriptedServer server([](ScriptedServer& s, int fd) {
        ScriptedServer::write(fd, kStreamHead + "\r\ndata: 1\n\ndata: close\n\ndata: after\n\n");
        s.hold();
        ScriptedServer::write(fd, "data: later\n\n");
    });
    auto kernel = start_probe();
    const HttpClient probe(kernel.plugin_port("follow_probe"));
    const std::string id = follow(probe, server.url());
    REQUIRE(wait_until(
        [&] {
            const auto records = seen(probe, id);
            return !records.empty() && kind_of(records.back()) == 0;
        },
        kWait));
    server.release();
    REQUIRE(wait_until([&] { return server.scripts_done() == 1; }, kWait));
    // Anything queued for the dispatcher before this request has run by now.
    const json::array records = seen(probe, id);
    INFO(json::serialize(records));
    REQUIRE(records.size() == 4);
    CHECK(kind_of(records[0]) == kOpen);
    CHECK(events_of(records) == std::vector<std::string>{"||1", "||close"});
    CHECK(string_field(records[3], "reason") == "follow_close 0");
    // The id is dead: closing it again is SY_ERR_NOT_FOUND (-3); so is an unknown id.
    CHECK(probe.post("/close/" + id, "").body == "-3");
    CHECK(probe.post("/close/987654", "").body == "-3");

    // follow_close from another hook, on a follow that runs.
    ScriptedServer quiet([](ScriptedServer& s, int fd) {
        ScriptedServer::write(fd, kStreamHead + "\r\ndata: 1\n\n");
        s.hold();
    });
    const std::string other = follow(probe, quiet.url());
    REQUIRE(wait_until([&] { return seen(probe, other).size() == 2; }, kWait));
    CHECK(probe.post("/close/" + other, "").body == "0");
    CHECK(probe.post("/close/" + other, "").body == "-3");
    CHECK(seen(probe, other).size() == 2);
}

TEST_CASE("follow: an on_follow that fails ends its follow with CLOSED", "[integration][follow]") {
    ScriptedServer server([](ScriptedServer& s, int fd) {
        ScriptedServer::write(fd, kStreamHead + "\r\ndata: 1\n\ndata: fail\n\ndata: 3\n\n");
        s.hold();
    });
    auto kernel = start_probe();
    const HttpClient probe(kernel.plugin_port("follow_probe"));
    const std::string id = follow(probe, server.url());
    const json::array records = wait_closed(probe, id);
    CHECK(events_of(records) == std::vector<std::string>{"||1", "||fail"});
    CHECK(string_field(records.back(), "reason") == "on_follow failed");
    // Nothing after CLOSED: a later look sees the same.
    CHECK(seen(probe, id).size() == records.size());
}

TEST_CASE("follow: the kernel's own event stream, followed through a reload",
          "[integration][follow]") {
    auto kernel = start_probe();
    const HttpClient probe(kernel.plugin_port("follow_probe"));
    const std::string url = "http://127.0.0.1:" + std::to_string(kernel.control_port()) +
                            "/api/v1/events?stream=follow_test";
    const std::string id = follow(probe, url);
    REQUIRE(wait_until(
        [&] {
            const auto records = seen(probe, id);
            return !records.empty() && kind_of(records[0]) == kOpen;
        },
        kWait));
    std::vector<uint64_t> seqs;
    for (int i = 0; i < 3; ++i) {
        seqs.push_back(publish(kernel, R"({"topic":"follow_test","type":"before","data":{"n":)" +
                                           std::to_string(i) + "}}"));
    }
    json::array records;
    REQUIRE(wait_until(
        [&] {
            records = seen(probe, id);
            return records.size() == 4;
        },
        kWait));
    for (int i = 0; i < 3; ++i) {
        const auto& r = records[i + 1];
        CHECK(kind_of(r) == kEvent);
        CHECK(string_field(r, "id") == std::to_string(seqs[i]));
        const json::value data = parse_json(string_field(r, "data"));
        CHECK(data.at("data").at("n").to_number<int>() == i);
        CHECK(r.at("gen").to_number<int>() == 1);
    }

    REQUIRE(reload_plugin(kernel, "follow_probe").status == 200);
    const uint64_t after = publish(kernel, R"({"topic":"follow_test","type":"after"})");
    REQUIRE(wait_until([&] { return !seen(probe, id).empty(); }, kWait));
    records = seen(probe, id); // the new generation's own records
    INFO(json::serialize(records));
    REQUIRE(records.size() == 1);
    CHECK(kind_of(records[0]) == kEvent);
    CHECK(records[0].at("gen").to_number<int>() == 2);
    CHECK(string_field(records[0], "id") == std::to_string(after));
    // The new generation may close what the old one opened.
    CHECK(probe.post("/close/" + id, "").body == "0");
}

TEST_CASE("follow: a plugin follows at most 256 streams at once", "[integration][follow]") {
    auto kernel = start_probe();
    const HttpClient probe(kernel.plugin_port("follow_probe"));
    // All in one hook: none can have ended (its CLOSED waits for the dispatcher).
    CHECK(probe.post("/follow_many?n=257&url=" + percent_encoded("http://127.0.0.1:1/"), "").body ==
          "1");
}

TEST_CASE("follow: a server faster than the plugin loses no event", "[integration][follow]") {
    constexpr int kCount = 20000;
    ScriptedServer server([](ScriptedServer&, int fd) {
        std::string body = kStreamHead + "\r\n";
        const std::string padding(200, 'p');
        for (int i = 1; i <= kCount; ++i) {
            body += "id: " + std::to_string(i) + "\n: " + padding + "\ndata: " + std::to_string(i) +
                    "\n\n";
        }
        ScriptedServer::write(fd, body);
    });
    auto kernel = start_probe();
    const HttpClient probe(kernel.plugin_port("follow_probe"));
    const std::string id = follow(probe, server.url());
    REQUIRE(
        wait_until([&] { return probe.get("/count/" + id).body == std::to_string(kCount) + " 0"; },
                   std::chrono::seconds(60), std::chrono::milliseconds(50)));
    // The stream's end comes after its last event.
    wait_closed(probe, id);
}

TEST_CASE("follow: an SSE head carries the plugin's on_accept headers, checked",
          "[integration][follow]") {
    auto kernel = start_probe();
    auto events = SseClient::connect(kernel.plugin_port("follow_probe"), "/events");
    CHECK(events.status() == 200);
    CHECK(events.header("Access-Control-Allow-Origin") == "https://app.example");
    // A value with CR LF in it is dropped whole: no header is injected.
    CHECK(events.header("X-Injected").empty());
    CHECK(events.header("X-Probe").empty());
    // The kernel's own Content-Type, once.
    CHECK(events.header("Content-Type") == "text/event-stream");
}
