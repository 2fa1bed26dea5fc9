// json_check: what each JSON library of issue 14's comparison (item 6) costs in memory per
// parse of the protocols' messages, and what it does with hostile input. Prints two
// Markdown tables (docs/json-for-plugins.md carries them); asserts nothing.
//
// Memory: this program replaces the global operator new and delete (every form) with
// counting ones over malloc, so every allocation a library makes through new is counted:
// the bytes asked for, the number of calls, and the peak of live bytes (malloc_usable_size)
// during one parse-and-read. All four libraries allocate through new (Boost.JSON's default
// resource, simdjson's padded buffers and nlohmann's std::allocator included).
//
// Hostile input: each library parses each input in a child process (fork), so a crash is
// reported as the signal that ended the child instead of ending this program.
//
//   build/bin/json_check            # both tables
//   build/bin/json_check memory     # one of them
//   build/bin/json_check hostile
#include "json_libraries.hpp"

#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Counters {
    bool on = false;
    size_t calls = 0;
    size_t bytes = 0;
    size_t live = 0;
    size_t peak = 0;
};
Counters counters; // this program is single-threaded

void* counted_alloc(size_t size, size_t alignment) {
    void* p = alignment <= alignof(std::max_align_t)
                  ? std::malloc(size == 0 ? 1 : size)
                  : std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
    if (p != nullptr && counters.on) {
        ++counters.calls;
        counters.bytes += size;
        counters.live += malloc_usable_size(p);
        if (counters.live > counters.peak) counters.peak = counters.live;
    }
    return p;
}

void counted_free(void* p) {
    if (p == nullptr) return;
    if (counters.on) {
        const size_t usable = malloc_usable_size(p);
        counters.live = counters.live > usable ? counters.live - usable : 0;
    }
    std::free(p);
}

void* must(void* p) {
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

} // namespace

void* operator new(size_t n) {
    return must(counted_alloc(n, 0));
}
void* operator new[](size_t n) {
    return must(counted_alloc(n, 0));
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
    return counted_alloc(n, 0);
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
    return counted_alloc(n, 0);
}
void* operator new(size_t n, std::align_val_t a) {
    return must(counted_alloc(n, static_cast<size_t>(a)));
}
void* operator new[](size_t n, std::align_val_t a) {
    return must(counted_alloc(n, static_cast<size_t>(a)));
}
void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return counted_alloc(n, static_cast<size_t>(a));
}
void* operator new[](size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return counted_alloc(n, static_cast<size_t>(a));
}
void operator delete(void* p) noexcept {
    counted_free(p);
}
void operator delete[](void* p) noexcept {
    counted_free(p);
}
void operator delete(void* p, size_t) noexcept {
    counted_free(p);
}
void operator delete[](void* p, size_t) noexcept {
    counted_free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    counted_free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete(void* p, size_t, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete[](void* p, size_t, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    counted_free(p);
}

namespace {

namespace corpus = switchyard::bench::json_corpus;
namespace libs = switchyard::bench::json_libraries;
namespace json = switchyard::json;

struct Measured {
    size_t calls;
    size_t bytes;
    size_t peak;
};

Measured measure(const std::function<void()>& work) {
    counters = Counters{};
    counters.on = true;
    work();
    counters.on = false;
    return {counters.calls, counters.bytes, counters.peak};
}

std::string human(size_t bytes) {
    char buf[32];
    if (bytes >= 10 * 1024 * 1024) {
        std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024 * 1024));
    } else if (bytes >= 10 * 1024) {
        std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024);
    } else {
        std::snprintf(buf, sizeof buf, "%zu B", bytes);
    }
    return buf;
}

using ParseAndRead = int64_t (*)(std::string_view, const std::vector<corpus::Path>&);

struct Library {
    const char* name;
    ParseAndRead parse_and_read;
    // Whether it keeps state across parses (the first parse of a message pays for it).
    bool reuses_parser;
};

const std::vector<Library>& libraries() {
    static const std::vector<Library> list = {
        {"ours", libs::Ours::parse_and_read, false},
        {"Boost.JSON", libs::Boost::parse_and_read, false},
        {"Boost.JSON (parser + monotonic 4 KiB)", libs::BoostMonotonic::parse_and_read, true},
        {"simdjson DOM (parser reused)", libs::SimdjsonDom::parse_and_read, true},
        {"simdjson On-Demand (parser reused)", libs::SimdjsonOnDemand::parse_and_read, true},
        {"nlohmann", libs::Nlohmann::parse_and_read, false},
    };
    return list;
}

void print_memory_table() {
    std::printf("## Memory per parse-and-read (json_check memory)\n\n");
    std::printf(
        "Allocations through operator new for one parse of the message and the reads "
        "(the document freed at the end). Parsers kept across messages: the second "
        "parse of the same message, with the first's in brackets.\n\n");
    std::printf("| message | bytes | library | allocations | bytes asked | peak live |\n");
    std::printf("|---|---:|---|---:|---:|---:|\n");
    for (const corpus::ClientMessage& m : corpus::client_messages()) {
        for (const Library& library : libraries()) {
            auto work = [&] {
                if (library.parse_and_read(m.text, m.reads) < 0) std::abort();
            };
            const Measured first = measure(work);
            const Measured steady = library.reuses_parser ? measure(work) : first;
            std::string calls = std::to_string(steady.calls);
            std::string bytes = human(steady.bytes);
            std::string peak = human(steady.peak);
            if (library.reuses_parser) {
                calls += " (" + std::to_string(first.calls) + ")";
                bytes += " (" + human(first.bytes) + ")";
                peak += " (" + human(first.peak) + ")";
            }
            std::printf("| %s | %s | %s | %s | %s | %s |\n", m.name.c_str(),
                        human(m.text.size()).c_str(), library.name, calls.c_str(), bytes.c_str(),
                        peak.c_str());
        }
    }
    std::printf("\n");
}

// ------------------------------------------------------------------------------- hostile

struct HostileInput {
    std::string name;
    std::string text;
};

std::string repeat(std::string_view s, size_t n) {
    std::string out;
    out.reserve(s.size() * n);
    for (size_t i = 0; i < n; ++i) out += s;
    return out;
}

const std::vector<HostileInput>& hostile_inputs() {
    static const std::vector<HostileInput> inputs = {
        {"depth 33 `[[[…0…]]]` (legitimate but deep)", repeat("[", 33) + "0" + repeat("]", 33)},
        {"depth 100,000 `[[[…]]]` balanced", repeat("[", 100'000) + repeat("]", 100'000)},
        {"depth 100,000 `[[[…` unclosed", repeat("[", 100'000)},
        {"8M values `[0,0,…]` (16 MiB, jarvis's largest frame)",
         "[" + repeat("0,", 8 * 1024 * 1024 - 1) + "0]"},
        {"invalid UTF-8 `[\"\\xff\"]`", "[\"\xff\"]"},
        {"overlong UTF-8 `[\"\\xc0\\xaf\"]`", "[\"\xc0\xaf\"]"},
        {"UTF-8-encoded surrogate `[\"\\xed\\xa0\\x80\"]`", "[\"\xed\xa0\x80\"]"},
        {"lone high surrogate `[\"\\ud800\"]`", R"(["\ud800"])"},
        {"lone low surrogate `[\"\\udc00\"]`", R"(["\udc00"])"},
        {"high surrogate + non-low `[\"\\ud800\\u0041\"]`", R"(["\ud800\u0041"])"},
        {"duplicate keys `{\"a\":1,\"a\":2}`", R"({"a":1,"a":2})"},
        {"trailing garbage `{\"a\":1} x`", R"({"a":1} x)"},
        {"two documents `{}{}`", R"({}{})"},
        {"raw control character in a string", "[\"a\tb\"]"},
        {"`[1e400]` (double overflow)", "[1e400]"},
        {"`[1e-400]` (underflow)", "[1e-400]"},
        {"`[18446744073709551616]` (2^64)", "[18446744073709551616]"},
        {"`[-9223372036854775809]` (below int64)", "[-9223372036854775809]"},
        {"`[NaN]`", "[NaN]"},
        {"`[01]` (leading zero)", "[01]"},
    };
    return inputs;
}

// The text `value` serializes to, shown with non-ASCII bytes as \xNN; long ones cut.
std::string shown(const std::string& text) {
    if (text.size() > 48) return "a " + human(text.size()) + " document";
    std::string out;
    for (unsigned char c : text) {
        if (c < 0x20 || c >= 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return "`" + out + "`";
}

// Where a child writes its verdict as it goes (so a crash after "accepts" shows where).
int report_fd = -1;

void say(const std::string& words) {
    const ssize_t written = write(report_fd, words.data(), words.size());
    if (written != static_cast<ssize_t>(words.size())) _exit(2);
}

// What one library does with one input, said in steps: "refuses: <why>", or "accepts",
// then (for a duplicate key) what a lookup of "a" returns, then " → <re-serialized>"
// (re-serializing is part of what a plugin does with what it accepted).
using Verdict = void (*)(const std::string&);

void verdict_ours_with(const std::string& text, const json::ParseLimits& limits) {
    std::string error;
    const std::optional<json::Value> v = json::parse(text, &error, limits);
    if (!v) return say("refuses: " + error);
    say("accepts");
    if (const json::Value* a = v->find("a")) say("; lookup a → " + json::serialize(*a));
    say(" → " + shown(json::serialize(*v)));
}

void verdict_ours(const std::string& text) {
    verdict_ours_with(text, json::ParseLimits{});
}

void verdict_ours_limited(const std::string& text) {
    verdict_ours_with(text, libs::kClientLimits);
}

void verdict_boost(const std::string& text) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(text, ec);
    if (ec) return say("refuses: " + ec.message());
    say("accepts");
    if (v.is_object() && v.as_object().contains("a"))
        say("; lookup a → " + boost::json::serialize(v.as_object().at("a")));
    say(" → " + shown(boost::json::serialize(v)));
}

void verdict_simdjson(const std::string& text) {
    simdjson::dom::parser parser;
    simdjson::dom::element v;
    const simdjson::error_code error = parser.parse(text).get(v);
    if (error != simdjson::SUCCESS)
        return say(std::string("refuses: ") + simdjson::error_message(error));
    say("accepts");
    simdjson::dom::element a;
    if (v.is_object() && v.at_key("a").get(a) == simdjson::SUCCESS)
        say("; lookup a → " + simdjson::minify(a));
    say(" → " + shown(simdjson::minify(v)));
}

void verdict_nlohmann(const std::string& text) {
    nlohmann::json v;
    try {
        v = nlohmann::json::parse(text);
    } catch (const std::exception& e) {
        // "[json.exception.parse_error.101] parse error at …: syntax error … - why; last read…"
        std::string why = e.what();
        if (const size_t dash = why.find(" - "); dash != std::string::npos) why.erase(0, dash + 3);
        if (const size_t last = why.find("; last read"); last != std::string::npos)
            why.resize(last);
        return say("refuses: " + why);
    }
    say("accepts");
    if (v.is_object() && v.contains("a")) say("; lookup a → " + v["a"].dump());
    try {
        say(" → " + shown(v.dump()));
    } catch (const std::exception& e) {
        say(std::string("; dump() throws: ") + e.what());
    }
}

// Runs `verdict` in a child; a crash comes back as the signal that ended it.
std::string in_child(Verdict verdict, const std::string& text) {
    int fds[2];
    if (pipe(fds) != 0) return "pipe failed";
    std::fflush(stdout);
    const pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        report_fd = fds[1];
        counters = Counters{};
        counters.on = true;
        verdict(text);
        counters.on = false;
        if (counters.peak > 64 * 1024 * 1024) say(" (peak " + human(counters.peak) + " live)");
        _exit(0);
    }
    close(fds[1]);
    std::string result;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
        result.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    // Cut error messages at their first line; keep the table's cells short.
    if (const size_t nl = result.find('\n'); nl != std::string::npos) result.resize(nl);
    if (WIFSIGNALED(status)) {
        result += std::string(result.empty() ? "" : ", then ") + "**crashes** (" +
                  strsignal(WTERMSIG(status)) + ")";
    }
    std::string cell;
    for (char c : result) cell += c == '|' ? '/' : c;
    return cell;
}

void print_hostile_table() {
    struct Column {
        const char* name;
        Verdict verdict;
    };
    const std::vector<Column> columns = {
        {"ours `parse(text)`", verdict_ours},
        {"ours with plugins' ParseLimits{16, 20000}", verdict_ours_limited},
        {"Boost.JSON `parse` (defaults)", verdict_boost},
        {"simdjson DOM (defaults)", verdict_simdjson},
        {"nlohmann `parse` (defaults)", verdict_nlohmann},
    };
    std::printf("## Hostile input (json_check hostile)\n\n| input |");
    for (const Column& column : columns) std::printf(" %s |", column.name);
    std::printf("\n|---|");
    for (size_t i = 0; i < columns.size(); ++i) std::printf("---|");
    std::printf("\n");
    for (const HostileInput& input : hostile_inputs()) {
        std::printf("| %s |", input.name.c_str());
        for (const Column& column : columns) {
            std::printf(" %s |", in_child(column.verdict, input.text).c_str());
        }
        std::printf("\n");
    }
    std::printf("\n");
}

} // namespace

int main(int argc, char** argv) {
    const std::string_view what = argc > 1 ? argv[1] : "all";
    if (what == "all" || what == "memory") print_memory_table();
    if (what == "all" || what == "hostile") print_hostile_table();
    return 0;
}
