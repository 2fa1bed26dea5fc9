// The jarvis dashboard's files (plugins/jarvis/jarvis_static_files.hpp): which paths name
// a file inside dashboard_dir, the answers (MIME, ETag, 304, 301 for a folder) and every
// way out of the folder refused as 404, on a real folder with real symlinks and a FIFO.
#include "jarvis_static_files.hpp"

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

using namespace switchyard::jarvis;
namespace fs = std::filesystem;

namespace {

// /tmp/switchyard-static-XXXXXX holding <dir>/site (the dashboard) and <dir>/secret.txt
// (outside it), removed with everything in it.
class Site {
  public:
    Site() {
        std::string pattern = (fs::temp_directory_path() / "switchyard-static-XXXXXX").string();
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

StaticAnswer get(const Site& site, std::string_view path, std::string_view if_none_match = {}) {
    return serve_static_file(site.root(), path, "", if_none_match);
}

} // namespace

TEST_CASE("jarvis static files: paths are decoded once and refused when they walk", "[jarvis]") {
    const auto ok = parse_request_path("/a/b%20c//d/");
    REQUIRE(ok.has_value());
    CHECK(ok->segments == std::vector<std::string>{"a", "b c", "d"});
    CHECK(ok->trailing_slash);
    CHECK(parse_request_path("/")->segments.empty());
    // %2f is a separator once decoded; a double-encoded dot stays the literal "%2e".
    CHECK(parse_request_path("/a%2Fb")->segments == std::vector<std::string>{"a", "b"});
    CHECK(parse_request_path("/%252e%252e/x")->segments == std::vector<std::string>{"%2e%2e", "x"});
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
        CHECK_FALSE(parse_request_path(bad).has_value());
    }
}

TEST_CASE("jarvis static files: MIME type by extension", "[jarvis]") {
    CHECK(mime_type("index.html") == "text/html; charset=utf-8");
    CHECK(mime_type("APP.JS") == "text/javascript; charset=utf-8");
    CHECK(mime_type("mod.mjs") == "text/javascript; charset=utf-8");
    CHECK(mime_type("site.css") == "text/css; charset=utf-8");
    CHECK(mime_type("data.json") == "application/json");
    CHECK(mime_type("logo.svg") == "image/svg+xml");
    CHECK(mime_type("a.b.png") == "image/png");
    CHECK(mime_type("photo.jpeg") == "image/jpeg");
    CHECK(mime_type("favicon.ico") == "image/vnd.microsoft.icon");
    CHECK(mime_type("f.woff2") == "font/woff2");
    CHECK(mime_type("m.wasm") == "application/wasm");
    CHECK(mime_type("README") == "application/octet-stream");
    CHECK(mime_type("archive.tar.zst") == "application/octet-stream");
}

TEST_CASE("jarvis static files: If-None-Match compares entity tags weakly", "[jarvis]") {
    CHECK(etag_matches(R"("a-1")", R"("a-1")"));
    CHECK(etag_matches(R"(W/"a-1")", R"("a-1")"));
    CHECK(etag_matches(R"("x", "a-1")", R"("a-1")"));
    CHECK(etag_matches(" * ", R"("a-1")"));
    CHECK_FALSE(etag_matches(R"("a-2")", R"("a-1")"));
    CHECK_FALSE(etag_matches("a-1", R"("a-1")"));
    CHECK_FALSE(etag_matches("", R"("a-1")"));
}

TEST_CASE(
    "jarvis static files: index.html with its MIME type and ETag then 304 and the folder redirect",
    "[jarvis]") {
    Site site;
    site.write(site.root() / "index.html", "<!doctype html><title>J</title>");
    site.write(site.root() / "app.js", "console.log(1);");
    site.write(site.root() / "docs" / "index.html", "<p>docs</p>");
    site.write(site.root() / "a b.txt", "spaced");
    site.write(site.root() / "%2e%2e", "literal name");

    const StaticAnswer index = get(site, "/");
    CHECK(index.status == 200);
    CHECK(index.body == "<!doctype html><title>J</title>");
    CHECK(index.content_type == "text/html; charset=utf-8");
    REQUIRE(index.etag.size() > 2);
    CHECK(index.etag.front() == '"');
    CHECK(index.etag.back() == '"');
    CHECK(get(site, "/index.html").etag == index.etag);

    const StaticAnswer script = get(site, "/app.js");
    CHECK(script.status == 200);
    CHECK(script.content_type == "text/javascript; charset=utf-8");
    CHECK(script.etag != index.etag);

    const StaticAnswer again = get(site, "/", index.etag);
    CHECK(again.status == 304);
    CHECK(again.etag == index.etag);
    CHECK(again.body.empty());
    CHECK(get(site, "/", R"("other")").status == 200);
    // A changed file has another tag, so an old one no longer matches.
    site.write(site.root() / "index.html", "<!doctype html><title>J2</title>");
    CHECK(get(site, "/", index.etag).status == 200);

    CHECK(get(site, "/docs/").body == "<p>docs</p>");
    const StaticAnswer moved = serve_static_file(site.root(), "/docs", "room=1", "");
    CHECK(moved.status == 301);
    CHECK(moved.location == "/docs/?room=1");
    CHECK(get(site, "/a%20b.txt").body == "spaced");
    CHECK(get(site, "/%252e%252e").body == "literal name");
    CHECK(get(site, "/app.js/").status == 404);
    CHECK(get(site, "/missing.js").status == 404);
    CHECK(get(site, "/app.js/x").status == 404);
}

TEST_CASE("jarvis static files: nothing outside the folder is served", "[jarvis]") {
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
        const StaticAnswer answer = get(site, path);
        CHECK(answer.status == 404);
        CHECK(answer.body.empty());
    }
    // A symlink that stays inside is followed.
    CHECK(get(site, "/alias.txt").body == "inner");
    CHECK(get(site, "/relative-alias.txt").body == "inner");
    // The root itself may be reached through a symlink (a deployment's "current" link).
    fs::create_symlink(site.root(), site.outside() / "current");
    CHECK(serve_static_file(site.outside() / "current", "/", "", "").body == "home");
    CHECK(serve_static_file(site.outside() / "current", "/leak.txt", "", "").status == 404);
}

TEST_CASE("jarvis static files: symlinks inside are followed while every step stays inside",
          "[jarvis]") {
    Site site;
    site.write(site.root() / "docs" / "index.html", "docs");
    site.write(site.root() / "docs" / "page.txt", "page");
    site.write(site.root() / "inner.txt", "inner");
    site.write(site.outside() / "secret.txt", "secret");
    // Relative, through folders and "..", chained, to a folder.
    fs::create_symlink("../inner.txt", site.root() / "docs" / "up.txt");
    fs::create_symlink("docs/./page.txt", site.root() / "deep.txt");
    fs::create_symlink("deep.txt", site.root() / "chain.txt");
    fs::create_symlink("docs", site.root() / "manual");
    // Absolute, under the folder's real path.
    fs::create_symlink(fs::canonical(site.root()) / "inner.txt", site.root() / "absolute.txt");
    CHECK(get(site, "/docs/up.txt").body == "inner");
    CHECK(get(site, "/deep.txt").body == "page");
    CHECK(get(site, "/chain.txt").body == "page");
    CHECK(get(site, "/manual/page.txt").body == "page");
    CHECK(get(site, "/manual/").body == "docs");
    CHECK(get(site, "/manual").status == 301);
    CHECK(get(site, "/absolute.txt").body == "inner");

    // Out of the folder however it is spelled, a loop, and a file used as a folder.
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

TEST_CASE("jarvis static files: a folder swapped for a symlink mid-request never leaks",
          "[jarvis]") {
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
        const StaticAnswer answer = get(site, "/sub/f.txt");
        if (answer.status == 200) ++served;
        if (answer.body == "secret") ++leaked;
    }
    stop = true;
    swapper.join();
    INFO("served " << served << " of 20000 while the folder was swapped " << swaps << " times");
    CHECK(swaps > 0);
    CHECK(leaked == 0);
}

TEST_CASE("jarvis static files: a file over the cap is a 500 naming it and the folder is checked",
          "[jarvis]") {
    Site site;
    const fs::path big = site.root() / "big.bin";
    site.write(big, "");
    // Sparse: the size is what counts, nothing is written.
    fs::resize_file(big, kMaxStaticFileBytes + 1);
    const StaticAnswer answer = get(site, "/big.bin");
    CHECK(answer.status == 500);
    CHECK(answer.body.empty());
    CHECK_THAT(answer.problem, Catch::Contains("big.bin"));
    fs::resize_file(big, kMaxStaticFileBytes);
    CHECK(get(site, "/big.bin").body.size() == kMaxStaticFileBytes);

    CHECK_NOTHROW(check_dashboard_dir(site.root()));
    CHECK_THROWS_WITH(check_dashboard_dir(site.root() / "absent"),
                      Catch::Contains("'dashboard_dir'"));
    CHECK_THROWS_WITH(check_dashboard_dir(big), Catch::Contains("is not a folder"));
    // A folder removed after the start is a 404, not a crash.
    const fs::path gone = site.outside() / "gone";
    fs::create_directories(gone);
    fs::remove(gone);
    CHECK(serve_static_file(gone, "/", "", "").status == 404);
}
