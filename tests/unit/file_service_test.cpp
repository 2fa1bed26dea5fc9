// The kernel's file service without the network (kernel/files): which paths name a file
// under a root, the answers (MIME, ETag, 304, Range 206/416, HEAD) and every way out of
// the root refused as 404, on a real folder with real symlinks and a FIFO. Ported from
// the jarvis dashboard's own tests when the dashboard moved onto the file service.
#include "files/byte_range.hpp"
#include "files/file_answer.hpp"
#include "files/mime_types.hpp"
#include "files/safe_path.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace switchyard;
namespace fs = std::filesystem;

namespace {

// /tmp/switchyard-files-XXXXXX holding <dir>/site (the root) and <dir>/secret.txt
// (outside it), removed with everything in it.
class Site {
  public:
    Site() {
        std::string pattern = (fs::temp_directory_path() / "switchyard-files-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
        fs::create_directories(root());
    }
    ~Site() {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }
    Site(const Site&) = delete;
    Site& operator=(const Site&) = delete;

    fs::path root() const { return dir_ / "site"; }
    fs::path outside() const { return dir_; }
    void write(const fs::path& path, std::string_view text) const {
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
    }

  private:
    fs::path dir_;
};

struct Answer {
    unsigned status = 0;
    std::string body; // the bytes the answer would send
    FileHeaders headers;
    uint64_t content_length = 0;

    std::string header(std::string_view name) const {
        for (const auto& [n, v] : headers) {
            if (n == name) return v;
        }
        return {};
    }
};

Answer get_from(const fs::path& root, std::string_view path, std::string_view if_none_match = {},
                std::string_view range = {}, bool head = false) {
    FileRequest request;
    request.root = root.string();
    request.path = path;
    request.if_none_match = if_none_match;
    request.range = range;
    request.head = head;
    FileAnswer answer = prepare_file_answer(request);
    Answer out{answer.status, {}, answer.headers, answer.content_length};
    if (answer.file) {
        out.body.resize(answer.length);
        const ssize_t n = ::pread(answer.file.get(), out.body.data(), answer.length,
                                  static_cast<off_t>(answer.offset));
        out.body.resize(n < 0 ? 0 : static_cast<size_t>(n));
    }
    return out;
}

Answer get(const Site& site, std::string_view path, std::string_view if_none_match = {}) {
    return get_from(site.root(), path, if_none_match);
}

} // namespace

TEST_CASE("file service: paths are decoded once and refused when they walk", "[files]") {
    const auto ok = parse_safe_path("/a/b%20c//d/");
    REQUIRE(ok.has_value());
    CHECK(ok->segments == std::vector<std::string>{"a", "b c", "d"});
    CHECK(ok->trailing_slash);
    CHECK(parse_safe_path("/")->segments.empty());
    // %2f is a separator once decoded; a double-encoded dot stays the literal "%2e".
    CHECK(parse_safe_path("/a%2Fb")->segments == std::vector<std::string>{"a", "b"});
    CHECK(parse_safe_path("/%252e%252e/x")->segments == std::vector<std::string>{"%2e%2e", "x"});
    for (const char* bad : {"",
                            "x",
                            "*",
                            "http://host/a",
                            "/../x",
                            "/a/../../x",
                            "/%2e%2e/x",
                            "/%2E%2E%2Fx",
                            "/..%2fx",
                            "/a/%2e%2e",
                            "/.",
                            "/./a",
                            "/.git/config",
                            "/a/.env",
                            "/a%00.js",
                            "/%00",
                            "/a\\..\\x",
                            "/a%5c..%5cx",
                            "/%",
                            "/%4",
                            "/%zz",
                            "/a%2"}) {
        INFO("path " << bad);
        CHECK_FALSE(parse_safe_path(bad).has_value());
    }
}

TEST_CASE("file service: MIME type by extension", "[files]") {
    CHECK(mime_type_for("index.html") == "text/html; charset=utf-8");
    CHECK(mime_type_for("APP.JS") == "text/javascript; charset=utf-8");
    CHECK(mime_type_for("mod.mjs") == "text/javascript; charset=utf-8");
    CHECK(mime_type_for("site.css") == "text/css; charset=utf-8");
    CHECK(mime_type_for("data.json") == "application/json");
    CHECK(mime_type_for("logo.svg") == "image/svg+xml");
    CHECK(mime_type_for("a.b.png") == "image/png");
    CHECK(mime_type_for("photo.jpeg") == "image/jpeg");
    CHECK(mime_type_for("favicon.ico") == "image/vnd.microsoft.icon");
    CHECK(mime_type_for("f.woff2") == "font/woff2");
    CHECK(mime_type_for("m.wasm") == "application/wasm");
    CHECK(mime_type_for("README") == "application/octet-stream");
    CHECK(mime_type_for("dir.d/README") == "application/octet-stream");
    CHECK(mime_type_for("archive.tar.zst") == "application/octet-stream");
}

TEST_CASE("file service: If-None-Match compares entity tags weakly", "[files]") {
    CHECK(etag_matches(R"("a-1")", R"("a-1")"));
    CHECK(etag_matches(R"(W/"a-1")", R"("a-1")"));
    CHECK(etag_matches(R"("x", "a-1")", R"("a-1")"));
    CHECK(etag_matches(" * ", R"("a-1")"));
    CHECK_FALSE(etag_matches(R"("a-2")", R"("a-1")"));
    CHECK_FALSE(etag_matches("a-1", R"("a-1")"));
    CHECK_FALSE(etag_matches("", R"("a-1")"));
}

TEST_CASE("file service: one byte range is read, anything else is the whole file", "[files]") {
    using Kind = ByteRange::Kind;
    struct Case {
        const char* header;
        Kind kind;
        uint64_t first;
        uint64_t last;
    };
    for (const Case& c :
         {Case{"bytes=0-4", Kind::Part, 0, 4}, Case{"bytes=5-", Kind::Part, 5, 9},
          Case{"bytes=-3", Kind::Part, 7, 9}, Case{"bytes=-100", Kind::Part, 0, 9},
          Case{"bytes=8-1000", Kind::Part, 8, 9}, Case{"Bytes=1-1 ", Kind::Part, 1, 1},
          Case{"bytes=10-", Kind::Unsatisfiable, 0, 0}, Case{"bytes=-0", Kind::Unsatisfiable, 0, 0},
          Case{"bytes=0-1,3-4", Kind::Whole, 0, 0}, Case{"bytes=4-2", Kind::Whole, 0, 0},
          Case{"bytes=a-b", Kind::Whole, 0, 0}, Case{"bytes=-", Kind::Whole, 0, 0},
          Case{"bytes=+1-2", Kind::Whole, 0, 0},
          Case{"bytes=99999999999999999999999-", Kind::Whole, 0, 0},
          Case{"lines=1-2", Kind::Whole, 0, 0}, Case{"", Kind::Whole, 0, 0}}) {
        INFO("Range: " << c.header);
        const ByteRange range = parse_byte_range(c.header, 10);
        CHECK(range.kind == c.kind);
        if (c.kind == Kind::Part) {
            CHECK(range.first == c.first);
            CHECK(range.last == c.last);
        }
    }
    CHECK(parse_byte_range("bytes=0-", 0).kind == Kind::Unsatisfiable);
    CHECK(parse_byte_range("bytes=-1", 0).kind == Kind::Unsatisfiable);
}

TEST_CASE("file service: a file with its MIME type, ETag and length, then 304, 206, 416 and HEAD",
          "[files]") {
    Site site;
    site.write(site.root() / "index.html", "<!doctype html><title>J</title>");
    site.write(site.root() / "app.js", "console.log(1);");
    site.write(site.root() / "docs" / "index.html", "<p>docs</p>");
    site.write(site.root() / "a b.txt", "spaced");
    site.write(site.root() / "%2e%2e", "literal name");

    const Answer index = get(site, "/index.html");
    CHECK(index.status == 200);
    CHECK(index.body == "<!doctype html><title>J</title>");
    CHECK(index.content_length == index.body.size());
    CHECK(index.header("Content-Type") == "text/html; charset=utf-8");
    const std::string etag = index.header("ETag");
    REQUIRE(etag.size() > 2);
    CHECK(etag.front() == '"');
    CHECK(index.header("Last-Modified").ends_with(" GMT"));

    const Answer script = get(site, "/app.js");
    CHECK(script.header("Content-Type") == "text/javascript; charset=utf-8");
    CHECK(script.header("ETag") != etag);

    const Answer again = get(site, "/index.html", etag);
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    CHECK(again.header("ETag") == etag);
    CHECK(get(site, "/index.html", R"("other")").status == 200);
    site.write(site.root() / "index.html", "<!doctype html><title>J2</title>");
    CHECK(get(site, "/index.html", etag).status == 200);

    const Answer part = get_from(site.root(), "/app.js", {}, "bytes=0-6");
    CHECK(part.status == 206);
    CHECK(part.body == "console");
    CHECK(part.content_length == 7);
    CHECK(part.header("Content-Range") == "bytes 0-6/15");
    const Answer outside = get_from(site.root(), "/app.js", {}, "bytes=15-");
    CHECK(outside.status == 416);
    CHECK(outside.header("Content-Range") == "bytes */15");
    const Answer head = get_from(site.root(), "/app.js", {}, {}, true);
    CHECK(head.status == 200);
    CHECK(head.content_length == 15);
    CHECK(head.body.empty()); // no file is handed on for HEAD

    CHECK(get(site, "/docs/index.html").body == "<p>docs</p>");
    CHECK(get(site, "/a%20b.txt").body == "spaced");
    CHECK(get(site, "/%252e%252e").body == "literal name");
    for (const char* none : {"/", "/docs", "/docs/", "/app.js/", "/missing.js", "/app.js/x"}) {
        INFO("path " << none);
        CHECK(get(site, none).status == 404);
    }
}

TEST_CASE("file service: nothing outside the root is served", "[files]") {
    Site site;
    site.write(site.root() / "index.html", "home");
    site.write(site.outside() / "secret.txt", "secret");
    site.write(site.outside() / "other" / "index.html", "other");
    site.write(site.root() / ".env", "TOKEN=1");
    site.write(site.root() / "inner.txt", "inner");
    fs::create_symlink(site.outside() / "secret.txt", site.root() / "leak.txt");
    fs::create_symlink(site.outside() / "other", site.root() / "leakdir");
    fs::create_symlink("/etc/passwd", site.root() / "passwd");
    fs::create_symlink(site.root() / "inner.txt", site.root() / "alias.txt");
    fs::create_symlink("inner.txt", site.root() / "relative-alias.txt");
    REQUIRE(::mkfifo((site.root() / "pipe").c_str(), 0600) == 0);
    fs::create_directories(site.root() / "empty");

    for (const char* path :
         {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt",
          "/empty/../../secret.txt", "/%2e%2e%2f%2e%2e%2fetc/passwd", "//etc/passwd", "/etc/passwd",
          "/leak.txt", "/leakdir/", "/leakdir/index.html", "/passwd", "/.env", "/%2eenv",
          "/index.html%00.js", "/pipe", "/empty/", "/secret.txt"}) {
        INFO("path " << path);
        const Answer answer = get(site, path);
        CHECK(answer.status == 404);
        CHECK(answer.body.empty());
    }
    CHECK(get(site, "/alias.txt").body == "inner");
    CHECK(get(site, "/relative-alias.txt").body == "inner");
    // The root itself may be reached through a symlink (a deployment's "current" link).
    fs::create_symlink(site.root(), site.outside() / "current");
    CHECK(get_from(site.outside() / "current", "/index.html").body == "home");
    CHECK(get_from(site.outside() / "current", "/leak.txt").status == 404);
    // A relative root, and a root that is gone, are 404.
    CHECK(get_from("site", "/index.html").status == 404);
    CHECK(get_from(site.outside() / "gone", "/index.html").status == 404);
}

TEST_CASE("file service: symlinks inside are followed while every step stays inside", "[files]") {
    Site site;
    site.write(site.root() / "docs" / "index.html", "docs");
    site.write(site.root() / "docs" / "page.txt", "page");
    site.write(site.root() / "inner.txt", "inner");
    site.write(site.outside() / "secret.txt", "secret");
    fs::create_symlink("../inner.txt", site.root() / "docs" / "up.txt");
    fs::create_symlink("docs/./page.txt", site.root() / "deep.txt");
    fs::create_symlink("deep.txt", site.root() / "chain.txt");
    fs::create_symlink("docs", site.root() / "manual");
    fs::create_symlink(fs::canonical(site.root()) / "inner.txt", site.root() / "absolute.txt");
    CHECK(get(site, "/docs/up.txt").body == "inner");
    CHECK(get(site, "/deep.txt").body == "page");
    CHECK(get(site, "/chain.txt").body == "page");
    CHECK(get(site, "/manual/page.txt").body == "page");
    CHECK(get(site, "/manual/index.html").body == "docs");
    CHECK(get(site, "/absolute.txt").body == "inner");

    fs::create_symlink("../secret.txt", site.root() / "up-and-out.txt");
    fs::create_symlink("docs/../../secret.txt", site.root() / "around.txt");
    fs::create_symlink("../site/../secret.txt", site.root() / "docs" / "back-out.txt");
    fs::create_symlink(site.outside() / "site" / ".." / "secret.txt", site.root() / "dotdot.txt");
    fs::create_symlink("/", site.root() / "slash");
    fs::create_symlink("loop-b", site.root() / "loop-a");
    fs::create_symlink("loop-a", site.root() / "loop-b");
    fs::create_symlink("inner.txt/x", site.root() / "through-file");
    for (const char* path : {"/up-and-out.txt", "/around.txt", "/docs/back-out.txt", "/dotdot.txt",
                             "/slash/etc/passwd", "/slash/", "/loop-a", "/through-file"}) {
        INFO("path " << path);
        CHECK(get(site, path).status == 404);
    }
}

TEST_CASE("file service: a folder swapped for a symlink mid-request never leaks", "[files]") {
    // Another thread keeps exchanging folder "sub" with a symlink to a folder outside
    // that holds a file of the same name, atomically (RENAME_EXCHANGE), while requests
    // for /sub/f.txt run. Resolving the path first and opening it afterwards would now
    // and then open the outside file through the swapped-in link; a walk that opens
    // one name at a time from the root's descriptor cannot.
    Site site;
    site.write(site.root() / "sub" / "f.txt", "inside");
    site.write(site.outside() / "elsewhere" / "f.txt", "secret");
    fs::create_symlink(site.outside() / "elsewhere", site.root() / "swap");
    const std::string sub = (site.root() / "sub").string();
    const std::string swap = (site.root() / "swap").string();

    std::atomic<bool> stop{false};
    std::atomic<long> swaps{0};
    std::thread swapper([&] {
        while (!stop.load()) {
            if (::renameat2(AT_FDCWD, sub.c_str(), AT_FDCWD, swap.c_str(), RENAME_EXCHANGE) == 0)
                swaps.fetch_add(1);
        }
    });
    int served = 0;
    int leaked = 0;
    for (int i = 0; i < 20000; ++i) {
        const Answer answer = get(site, "/sub/f.txt");
        if (answer.status == 200) ++served;
        if (answer.body == "secret") ++leaked;
    }
    stop = true;
    swapper.join();
    INFO("served " << served << " of 20000 while the folder was swapped " << swaps << " times");
    CHECK(swaps > 0);
    CHECK(leaked == 0);
}
