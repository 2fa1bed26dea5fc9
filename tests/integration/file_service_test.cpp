// The kernel's file service (ABI 1.1 respond_file, issue 9 section 2) over real sockets,
// with the deferred_answers test plugin serving GET /files/<path> from ?root=: MIME types,
// Content-Length, Last-Modified, ETag and 304, HEAD, Range (206, 416, several ranges
// answered whole), every path that leaves the root or names what is not a regular file
// answered 404, a file of several MiB sent intact, and a worker that goes on serving its
// WebSocket clients while a client that does not read holds a large file's answer.
#include "http_client.hpp"
#include "kernel_process.hpp"
#include "raw_tcp_exchange.hpp"
#include "temp_dir.hpp"
#include "toml_text.hpp"
#include "ws_client.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

using namespace switchyard::test;
namespace fs = std::filesystem;

namespace {

// A folder <tmp>/site served as the root, and beside it what must stay private.
struct Site {
    TempDir dir{"file-service"};

    fs::path root() const { return dir.path() / "site"; }
    void write(const fs::path& path, std::string_view text) const { write_file(path, text); }

    Site() {
        write(root() / "index.html", "<!doctype html><title>home</title>");
        write(root() / "app.js", "console.log('app');");
        write(root() / "style.css", "body{}");
        write(root() / "data.json", R"({"a":1})");
        write(root() / "logo.png", std::string("\x89PNG\r\n\x1a\n", 8));
        write(root() / "notes.unknownext", "?");
        write(root() / "digits.txt", "0123456789");
        write(root() / "docs" / "guide.html", "<p>guide</p>");
        write(root() / "inner.txt", "inner");
        write(root() / ".env", "SECRET=1");
        write(dir.path() / "secret.txt", "top secret");
        write(dir.path() / "outside" / "index.html", "outside secret");
        fs::create_symlink(dir.path() / "secret.txt", root() / "leak.txt");
        fs::create_symlink("../secret.txt", root() / "relleak.txt");
        fs::create_symlink(dir.path() / "outside", root() / "leakdir");
        fs::create_symlink("inner.txt", root() / "alias.txt");
        REQUIRE(::mkfifo((root() / "pipe").c_str(), 0600) == 0);
    }

    // The target that asks the plugin for `path` (percent-encoded, from '/') under root.
    std::string target(std::string_view path, std::string_view more_query = {}) const {
        return "/files" + std::string(path) + "?root=" + root().string() + std::string(more_query);
    }
};

KernelProcess start_plugin(bool one_worker = false) {
    KernelOptions options;
    options.extra_toml = enabled_plugin_table(
        "deferred_answers",
        "library = " +
            toml_quote(std::string(SWITCHYARD_TEST_PLUGIN_DIR) + "/deferred_answers.so") + "\n");
    if (one_worker) {
        options.full_toml = kernel_config_text(options);
        options.full_toml.replace(options.full_toml.find("workers = 2"), 11, "workers = 1");
    }
    return KernelProcess::start(options);
}

// `size` bytes that differ from one offset to the next (a pattern with a long period).
std::string patterned(size_t size) {
    std::string out(size, '\0');
    uint32_t x = 2463534242u;
    for (char& c : out) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = static_cast<char>(x & 0xFF);
    }
    return out;
}

// A loopback client socket that sends a request and reads only when told.
class SlowReader {
  public:
    explicit SlowReader(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        REQUIRE(fd_ >= 0);
        // A small receive buffer, so the server's socket fills at once.
        const int small = 4096;
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    }
    ~SlowReader() { ::close(fd_); }
    void send(std::string_view bytes) {
        REQUIRE(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                static_cast<ssize_t>(bytes.size()));
    }
    // Reads into `received` until it holds `total` bytes (or `until` is found in it, when
    // given), the server closes, or 30 s pass.
    void read_into(std::string& received, size_t total, std::string_view until = {}) {
        char buffer[65536];
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (received.size() < total && std::chrono::steady_clock::now() < deadline) {
            if (!until.empty() && received.find(until) != std::string::npos) return;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) return;
            received.append(buffer, static_cast<size_t>(n));
        }
    }

  private:
    int fd_;
};

} // namespace

TEST_CASE("file service: MIME type, Content-Length, Last-Modified, ETag and the plugin's headers",
          "[integration][files]") {
    Site site;
    auto kernel = start_plugin();
    const HttpClient http(kernel.plugin_port("deferred_answers"));

    const HttpResponse index = http.get(site.target("/index.html"));
    REQUIRE(index.status == 200);
    CHECK(index.body == "<!doctype html><title>home</title>");
    CHECK(index.header("content-type") == "text/html; charset=utf-8");
    CHECK(index.header("content-length") == std::to_string(index.body.size()));
    CHECK(index.header("cache-control") == "no-cache");
    CHECK(index.header("accept-ranges") == "bytes");
    const std::string modified = index.header("last-modified");
    CHECK(modified.size() == 29); // "Sun, 06 Nov 1994 08:49:37 GMT"
    CHECK(modified.ends_with(" GMT"));
    const std::string etag = index.header("etag");
    REQUIRE(etag.size() > 2);
    CHECK(etag.front() == '"');
    CHECK(etag.back() == '"');

    struct Case {
        std::string path;
        std::string type;
    };
    for (const Case& c :
         {Case{"/app.js", "text/javascript; charset=utf-8"},
          Case{"/app%2Ejs", "text/javascript; charset=utf-8"},
          Case{"/style.css", "text/css; charset=utf-8"}, Case{"/data.json", "application/json"},
          Case{"/logo.png", "image/png"}, Case{"/notes.unknownext", "application/octet-stream"},
          Case{"/docs/guide.html", "text/html; charset=utf-8"},
          Case{"/alias.txt", "text/plain; charset=utf-8"}}) {
        INFO("GET " << c.path);
        const HttpResponse file = http.get(site.target(c.path));
        CHECK(file.status == 200);
        CHECK(file.header("content-type") == c.type);
    }
    CHECK(http.get(site.target("/alias.txt")).body == "inner"); // a link that stays inside
}

TEST_CASE("file service: If-None-Match gets 304, a changed file a new tag",
          "[integration][files]") {
    Site site;
    auto kernel = start_plugin();
    const HttpClient http(kernel.plugin_port("deferred_answers"));
    const std::string etag = http.get(site.target("/index.html")).header("etag");
    for (const std::string& header : {etag, "W/" + etag, R"("other", )" + etag, std::string("*")}) {
        INFO("If-None-Match: " << header);
        const HttpResponse unchanged =
            http.get(site.target("/index.html"), {{"If-None-Match", header}});
        CHECK(unchanged.status == 304);
        CHECK(unchanged.body.empty());
        CHECK(unchanged.header("etag") == etag);
    }
    CHECK(http.get(site.target("/index.html"), {{"If-None-Match", R"("nope")"}}).status == 200);
    site.write(site.root() / "index.html", "<!doctype html><title>home, version 2</title>");
    const HttpResponse changed = http.get(site.target("/index.html"), {{"If-None-Match", etag}});
    CHECK(changed.status == 200);
    CHECK(changed.body == "<!doctype html><title>home, version 2</title>");
    CHECK(changed.header("etag") != etag);
}

TEST_CASE("file service: HEAD answers the headers of GET without the body",
          "[integration][files]") {
    Site site;
    auto kernel = start_plugin();
    const uint16_t port = kernel.plugin_port("deferred_answers");
    // HEAD then GET on one connection: the GET's answer must start right after the head.
    const std::string requests = "HEAD " + site.target("/digits.txt") +
                                 " HTTP/1.1\r\nHost: t\r\n\r\n"
                                 "GET " +
                                 site.target("/digits.txt") + " HTTP/1.1\r\nHost: t\r\n\r\n";
    const RawExchange exchange = raw_tcp_exchange(port, requests, [](const std::string& r) {
        return r.find("0123456789") != std::string::npos;
    });
    INFO(exchange.received);
    const size_t head_end = exchange.received.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    const std::string head = exchange.received.substr(0, head_end + 2); // with its last CRLF
    CHECK(head.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(head.find("Content-Length: 10\r\n") != std::string::npos);
    CHECK(head.find("ETag: ") != std::string::npos);
    CHECK(exchange.received.compare(head_end + 4, 12, "HTTP/1.1 200") == 0);
    CHECK(count_of(exchange.received, "0123456789") == 1); // the GET's body only
}

TEST_CASE("file service: one Range gets 206 with Content-Range, outside the file 416",
          "[integration][files]") {
    Site site;
    auto kernel = start_plugin();
    const HttpClient http(kernel.plugin_port("deferred_answers"));
    struct Case {
        std::string range;
        std::string body;
        std::string content_range;
    };
    for (const Case& c :
         {Case{"bytes=2-5", "2345", "bytes 2-5/10"}, Case{"bytes=7-", "789", "bytes 7-9/10"},
          Case{"bytes=-3", "789", "bytes 7-9/10"}, Case{"bytes=-30", "0123456789", "bytes 0-9/10"},
          Case{"bytes=8-100", "89", "bytes 8-9/10"}, Case{"bytes=0-0", "0", "bytes 0-0/10"}}) {
        INFO("Range: " << c.range);
        const HttpResponse part = http.get(site.target("/digits.txt"), {{"Range", c.range}});
        CHECK(part.status == 206);
        CHECK(part.body == c.body);
        CHECK(part.header("content-range") == c.content_range);
        CHECK(part.header("content-length") == std::to_string(c.body.size()));
    }
    for (const std::string range : {"bytes=10-", "bytes=20-30", "bytes=-0"}) {
        INFO("Range: " << range);
        const HttpResponse outside = http.get(site.target("/digits.txt"), {{"Range", range}});
        CHECK(outside.status == 416);
        CHECK(outside.header("content-range") == "bytes */10");
    }
    // Several ranges, or one not understood: the whole file.
    for (const std::string range : {"bytes=0-1,4-5", "bytes=5-2", "items=0-1", "bytes=x-y"}) {
        INFO("Range: " << range);
        const HttpResponse whole = http.get(site.target("/digits.txt"), {{"Range", range}});
        CHECK(whole.status == 200);
        CHECK(whole.body == "0123456789");
    }
}

TEST_CASE("file service: paths that leave the root or name no regular file get 404",
          "[integration][files]") {
    Site site;
    auto kernel = start_plugin();
    const HttpClient http(kernel.plugin_port("deferred_answers"));
    for (const std::string path : {"/../secret.txt",
                                   "/docs/../../secret.txt",
                                   "/%2e%2e/secret.txt",
                                   "/%2E%2E/secret.txt",
                                   "/%2e%2e%2fsecret.txt",
                                   "/docs%2f..%2f..%2fsecret.txt",
                                   "/..%5csecret.txt",
                                   "/%252e%252e/secret.txt",
                                   "/index.html%00",
                                   "/index.html%00.js",
                                   "/%00",
                                   "/%zz",
                                   "/.env",
                                   "/%2eenv",
                                   "/./index.html",
                                   "/leak.txt",
                                   "/relleak.txt",
                                   "/leakdir/index.html",
                                   "/pipe",
                                   "/docs",
                                   "/docs/",
                                   "/",
                                   "/missing.html",
                                   "/app.js/",
                                   "/app.js/x"}) {
        INFO("GET " << path);
        const HttpResponse answer = http.get(site.target(path));
        CHECK(answer.status == 404);
        CHECK(answer.body.find("secret") == std::string::npos);
        CHECK(answer.body.find(R"("error":"NOT_FOUND")") != std::string::npos);
    }
    // A root that is not absolute, and a file over the plugin's max_bytes.
    CHECK(http.get("/files/index.html?root=site").status == 404);
    CHECK(http.get(site.target("/app.js", "&max=5")).status == 404);
    CHECK(http.get(site.target("/app.js", "&max=19")).status == 200);
}

TEST_CASE("file service: a file of several MiB is sent intact, whole and in a range",
          "[integration][files]") {
    Site site;
    const std::string content = patterned(9 * 1024 * 1024 + 123);
    site.write(site.root() / "big.bin", content);
    auto kernel = start_plugin();
    const HttpClient http(kernel.plugin_port("deferred_answers"), {}, "127.0.0.1",
                          std::chrono::seconds(30));
    const HttpResponse whole = http.get(site.target("/big.bin"));
    REQUIRE(whole.status == 200);
    CHECK(whole.body.size() == content.size());
    CHECK((whole.body == content)); // a bool: Catch would print both MiB on a failure
    const HttpResponse part =
        http.get(site.target("/big.bin"), {{"Range", "bytes=3000000-7000000"}});
    CHECK(part.status == 206);
    CHECK(part.body.size() == 4000001);
    CHECK((part.body == content.substr(3000000, 4000001)));
}

TEST_CASE(
    "file service: a worker serves its WebSocket clients while a client that does not "
    "read holds a large file's answer",
    "[integration][files]") {
    Site site;
    const std::string content = patterned(16 * 1024 * 1024);
    site.write(site.root() / "big.bin", content);
    auto kernel = start_plugin(true); // one worker: everything below shares it
    const uint16_t port = kernel.plugin_port("deferred_answers");
    SlowReader reader(port);
    reader.send("GET " + site.target("/big.bin") + " HTTP/1.1\r\nHost: t\r\n\r\n");
    std::string received;
    reader.read_into(received, SIZE_MAX, "\r\n\r\n"); // the answer has started
    const size_t head_end = received.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    CHECK(received.rfind("HTTP/1.1 200", 0) == 0);
    // The file's answer now waits for the reader; the worker must not.
    auto client = WsClient::connect(port);
    for (int i = 0; i < 3; ++i) {
        const std::string message = "ping " + std::to_string(i);
        REQUIRE(client.send_text(message));
        CHECK(next_text_or_why(client) == message);
    }
    CHECK(HttpClient(port).get(site.target("/digits.txt")).body == "0123456789");
    // The slow reader gets every byte in the end.
    reader.read_into(received, head_end + 4 + content.size());
    CHECK(received.size() == head_end + 4 + content.size());
    CHECK(received.compare(head_end + 4, std::string::npos, content) == 0);
}
