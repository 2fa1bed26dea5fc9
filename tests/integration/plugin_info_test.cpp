// `switchyard plugin-info [--json] LIBRARY`, run as a child process on real libraries:
// what a library declares (name, version, ABI, hooks, streams, endpoints with their limits
// and routes), read the way the loader reads it (arrays walked by each element's
// struct_size, so a 1.0 plugin's smaller endpoints are described right); and for each
// library the kernel refuses, the loader's own reason, with exit status 2. No config, no
// port: plugin-info never starts a server.
#include "kernel_process.hpp"
#include "library_file.hpp"
#include "temp_dir.hpp"
#include "test_json.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace switchyard::test;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

fs::path real_plugin(std::string_view file_name) {
    return fs::path(SWITCHYARD_PLUGIN_DIR) / file_name;
}

RunResult plugin_info(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"plugin-info"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_switchyard(argv);
}

// `plugin-info --json library`: its stdout must be one JSON object and nothing else.
json::object info_json(const fs::path& library, int expected_exit) {
    const RunResult result = plugin_info({"--json", library.string()});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    REQUIRE(result.exit_code.has_value());
    CHECK(*result.exit_code == expected_exit);
    const json::value answer = parse_json(result.out);
    REQUIRE(answer.is_object());
    return answer.as_object();
}

std::vector<std::string> strings(const json::value& array) {
    std::vector<std::string> out;
    for (const json::value& element : array.as_array()) {
        out.emplace_back(element.as_string());
    }
    return out;
}

// One route as plugin-info's JSON gives it: "GET /ws websocket".
std::vector<std::string> routes(const json::object& endpoint) {
    std::vector<std::string> out;
    for (const json::value& route : endpoint.at("routes").as_array()) {
        const json::object& r = route.as_object();
        out.push_back(std::string(r.at("method").as_string()) + " " +
                      std::string(r.at("path").as_string()) + " " +
                      std::string(r.at("kind").as_string()));
    }
    return out;
}

// The reason plugin-info gives for refusing `library`, checked the same in text and in
// JSON: exit 2 both times, the text line names the library, the JSON says loads: false.
std::string refusal(const fs::path& library) {
    const RunResult text = plugin_info({library.string()});
    INFO("text stdout: " << text.out << "\nstderr: " << text.err);
    REQUIRE(text.exit_code.has_value());
    CHECK(*text.exit_code == 2);
    const json::object answer = info_json(library, 2);
    CHECK(answer.at("loads").as_bool() == false);
    CHECK(answer.at("library").as_string() == library.string());
    CHECK(answer.at("kernel_abi").as_string() == "1.4");
    const std::string reason(answer.at("reason").as_string());
    CHECK(text.out == "refused: " + library.string() + ": " + reason + "\n");
    return reason;
}

// The lines of plugin-info's text answer, without the spaces that indent and align them.
std::vector<std::string> trimmed_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        const size_t begin = line.find_first_not_of(' ');
        const size_t end = line.find_last_not_of(' ');
        lines.push_back(begin == std::string::npos ? "" : line.substr(begin, end - begin + 1));
    }
    return lines;
}

// The index of the first of `lines` at or after `from` that equals `line`, or lines.size().
size_t find_line(const std::vector<std::string>& lines, std::string_view line, size_t from = 0) {
    while (from < lines.size() && lines[from] != line) ++from;
    return from;
}

// The value of the first "<name>: <value>" line at or after `from` (its value, with the
// aligning spaces removed), or "(missing)".
std::string text_value(const std::vector<std::string>& lines, std::string_view name,
                       size_t from = 0) {
    const std::string prefix = std::string(name) + ":";
    for (size_t i = from; i < lines.size(); ++i) {
        if (!lines[i].starts_with(prefix)) continue;
        const std::string rest = lines[i].substr(prefix.size());
        const size_t begin = rest.find_first_not_of(' ');
        return begin == std::string::npos ? "" : rest.substr(begin);
    }
    return "(missing)";
}

// A route line of the text answer in words: "GET /ws websocket".
std::string route_words(const std::string& line) {
    std::istringstream in(line);
    std::string words;
    for (std::string word; in >> word;) words += (words.empty() ? "" : " ") + word;
    return words;
}

// The first `size` bytes of `library`, as a build still writing it leaves the file.
fs::path truncated_copy(const TempDir& dir, const fs::path& library, size_t size) {
    std::ifstream in(library, std::ios::binary);
    std::string head(size, '\0');
    REQUIRE(in.read(head.data(), std::streamsize(head.size())));
    return dir.write(library.filename().string(), head);
}

} // namespace

TEST_CASE("plugin-info describes groove.so in text: name, version, ABI, endpoint, routes",
          "[integration][plugin_info]") {
    const RunResult result = plugin_info({real_plugin("groove.so").string()});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    REQUIRE(result.exit_code.has_value());
    CHECK(*result.exit_code == 0);
    const std::string& out = result.out;
    const auto lines = trimmed_lines(out);
    REQUIRE_FALSE(lines.empty());
    CHECK(lines[0].starts_with("plugin:"));
    CHECK(text_value(lines, "plugin") == "groove");
    CHECK(text_value(lines, "version") == "1.1.0");
    CHECK(text_value(lines, "abi") == "1.4 (this kernel: 1.4)");
    CHECK(text_value(lines, "streams") == "groove");
    const size_t endpoint = find_line(lines, "endpoint \"default\"");
    REQUIRE(endpoint < lines.size());
    CHECK(text_value(lines, "default listen", endpoint) == "127.0.0.1:31415");
    CHECK(text_value(lines, "max_message_bytes", endpoint) == "1048576");
    const size_t routes = find_line(lines, "routes:", endpoint);
    REQUIRE(routes + 2 < lines.size());
    CHECK(route_words(lines[routes + 1]) == "GET /ws websocket");
    CHECK(route_words(lines[routes + 2]) == "GET / websocket");
    CHECK(routes + 3 == lines.size());
    // Nothing but the answer: no log line, no "ready" line; nothing on stderr either.
    CHECK_FALSE(contains(out, "switchyard ready"));
    CHECK(result.err.empty());
}

TEST_CASE("plugin-info --json describes groove.so as one JSON object",
          "[integration][plugin_info]") {
    const json::object info = info_json(real_plugin("groove.so"), 0);
    CHECK(info.at("loads").as_bool());
    CHECK(info.at("library").as_string() == real_plugin("groove.so").string());
    CHECK(info.at("name").as_string() == "groove");
    CHECK(info.at("version").as_string() == "1.1.0");
    CHECK(info.at("abi").as_string() == "1.4");
    CHECK(info.at("kernel_abi").as_string() == "1.4");
    CHECK(strings(info.at("streams")) == std::vector<std::string>{"groove"});
    // groove is a C++ plugin (plugin.hpp): the wrapper fills every hook of ABI 1.4.
    const auto hooks = strings(info.at("hooks"));
    CHECK(hooks == std::vector<std::string>{"create", "destroy", "snapshot", "on_http", "on_accept",
                                            "on_open", "on_message", "on_close", "on_event",
                                            "on_timer", "on_shutdown", "on_follow",
                                            "on_state_saved", "on_upstream"});
    const json::array& endpoints = info.at("endpoints").as_array();
    REQUIRE(endpoints.size() == 1);
    const json::object& endpoint = endpoints[0].as_object();
    CHECK(endpoint.at("name").as_string() == "default");
    CHECK(endpoint.at("default_listen").as_string() == "127.0.0.1:31415");
    CHECK(endpoint.at("max_message_bytes").as_int64() == 1048576);
    CHECK(endpoint.at("max_queued_frames").as_int64() == 0);
    CHECK(endpoint.at("max_queued_bytes").as_int64() == 0);
    CHECK(routes(endpoint) == std::vector<std::string>{"GET /ws websocket", "GET / websocket"});
}

TEST_CASE("plugin-info describes the SDK's echo example", "[integration][plugin_info]") {
    const json::object info = info_json(real_plugin("echo.so"), 0);
    CHECK(info.at("name").as_string() == "echo");
    CHECK(info.at("abi").as_string() == "1.4");
    CHECK(info.at("streams").as_array().empty());
    const json::array& endpoints = info.at("endpoints").as_array();
    REQUIRE(endpoints.size() == 1);
    CHECK(endpoints[0].as_object().at("default_listen").as_string() == "127.0.0.1:31400");
    CHECK(routes(endpoints[0].as_object()) ==
          std::vector<std::string>{"GET /ws websocket", "GET /health http"});
}

TEST_CASE(
    "plugin-info describes a plugin built against the 1.0 header: every endpoint and route, "
    "walked by the plugin's own struct sizes",
    "[integration][plugin_info]") {
    // tests/plugins/abi_probe: three endpoints, each declaring the same four routes in
    // another order and its own message bound. A 1.0 sy_endpoint_v1 is smaller than this
    // kernel's: indexed by the kernel's sizeof, endpoint 1 would be read from inside
    // endpoint 0.
    const std::vector<std::vector<std::string>> declared_routes = {
        {"GET /info http", "GET /ws websocket", "GET /events sse", "POST /echo/* http"},
        {"GET /events sse", "POST /echo/* http", "GET /ws websocket", "GET /info http"},
        {"GET /ws websocket", "GET /info http", "POST /echo/* http", "GET /events sse"},
    };
    const std::vector<std::string> names = {"alpha", "beta", "gamma"};
    for (const char* probe : {"abi_v1_0_probe", "abi_current_probe"}) {
        INFO("probe " << probe);
        const json::object info = info_json(test_plugin(std::string(probe) + ".so"), 0);
        const bool v1_0 = std::string_view(probe) == "abi_v1_0_probe";
        CHECK(info.at("name").as_string() == probe);
        CHECK(info.at("abi").as_string() == (v1_0 ? "1.0" : "1.4"));
        CHECK(info.at("kernel_abi").as_string() == "1.4");
        // A C plugin sets only the hooks it implements.
        CHECK(strings(info.at("hooks")) ==
              std::vector<std::string>{"create", "destroy", "on_http", "on_open", "on_message"});
        const json::array& endpoints = info.at("endpoints").as_array();
        REQUIRE(endpoints.size() == 3);
        for (size_t i = 0; i < endpoints.size(); ++i) {
            const json::object& endpoint = endpoints[i].as_object();
            INFO("endpoint " << i);
            CHECK(endpoint.at("name").as_string() == names[i]);
            CHECK(endpoint.at("default_listen").as_string() == "127.0.0.1:0");
            CHECK(endpoint.at("max_message_bytes").as_int64() == int64_t(1000 * (i + 1)));
            // max_queued_bytes came with 1.1: a 1.0 endpoint has no such field to show.
            CHECK(endpoint.contains("max_queued_bytes") == !v1_0);
            CHECK(routes(endpoint) == declared_routes[i]);
        }
    }
    // The text form says the same of the 1.0 probe.
    const RunResult text = plugin_info({test_plugin("abi_v1_0_probe.so").string()});
    INFO("stdout: " << text.out);
    REQUIRE(text.exit_code == 0);
    const auto lines = trimmed_lines(text.out);
    CHECK(text_value(lines, "abi") == "1.0 (this kernel: 1.4)");
    const size_t gamma = find_line(lines, "endpoint \"gamma\"");
    REQUIRE(gamma < lines.size());
    CHECK(text_value(lines, "max_message_bytes", gamma) == "3000");
    CHECK(text_value(lines, "max_queued_bytes", gamma) ==
          "(not in a 1.0 endpoint: the kernel's default)");
}

TEST_CASE("plugin-info shows declared queue bounds and upstream routes",
          "[integration][plugin_info]") {
    const json::object queue_bound = info_json(test_plugin("queue_bound.so"), 0);
    const json::array& endpoints = queue_bound.at("endpoints").as_array();
    REQUIRE(endpoints.size() == 2);
    CHECK(endpoints[0].as_object().at("max_queued_bytes").as_int64() == 65536);
    CHECK(endpoints[0].as_object().at("max_queued_frames").as_int64() == 65536);
    CHECK(endpoints[1].as_object().at("max_queued_bytes").as_int64() == 0);

    const json::object gate = info_json(test_plugin("upstream_gate.so"), 0);
    REQUIRE(gate.at("endpoints").as_array().size() == 1);
    CHECK(routes(gate.at("endpoints").as_array()[0].as_object()) ==
          std::vector<std::string>{"GET /ws websocket", "GET /own http", "* /api/* upstream"});
}

TEST_CASE("plugin-info gives the loader's reason for each library it refuses, with exit 2",
          "[integration][plugin_info]") {
    SECTION("a newer minor, naming both versions") {
        CHECK(refusal(test_plugin("newer_minor.so")) ==
              "built for ABI 1.99, newer than this kernel's 1.4");
    }
    SECTION("another major") {
        CHECK(refusal(test_plugin("wrong_major.so")) ==
              "built for ABI 2.x, this kernel speaks 1.x");
    }
    SECTION("no entry point") {
        CHECK_THAT(refusal(test_plugin("no_entry_point.so")),
                   Catch::Matchers::StartsWith("no switchyard_plugin_v1 symbol"));
    }
    SECTION("an entry point that returns NULL") {
        CHECK(refusal(test_plugin("null_descriptor.so")) == "switchyard_plugin_v1() returned NULL");
    }
    SECTION("a descriptor larger than this kernel knows") {
        // "descriptor is 248 bytes, larger than this kernel knows (184): built against a
        // newer SDK" (sizes of this build's sy_plugin_v1).
        const std::string reason = refusal(test_plugin("oversized_descriptor.so"));
        CHECK_THAT(reason, Catch::Matchers::StartsWith("descriptor is "));
        CHECK_THAT(reason, Catch::Matchers::Contains(" bytes, larger than this kernel knows ("));
        CHECK_THAT(reason, Catch::Matchers::EndsWith("): built against a newer SDK"));
    }
    SECTION("STB_GNU_UNIQUE symbols") {
        const std::string reason = refusal(test_plugin("gnu_unique.so"));
        CHECK_THAT(reason, Catch::Matchers::Contains("STB_GNU_UNIQUE symbol"));
        CHECK_THAT(reason, Catch::Matchers::Contains("-fno-gnu-unique"));
    }
    SECTION("a file that is not a library") {
        CHECK_THAT(refusal(test_plugin("not_a_library.so")),
                   Catch::Matchers::StartsWith("cannot load: "));
    }
    SECTION("a copy of groove.so cut short") {
        const TempDir dir("plugin-info");
        const fs::path cut = truncated_copy(dir, real_plugin("groove.so"), 4096);
        CHECK_THAT(refusal(cut), Catch::Matchers::StartsWith("the file is cut short (4096 bytes"));
    }
    SECTION("a missing file") {
        const TempDir dir("plugin-info");
        CHECK(refusal(dir.path() / "nothing.so") == "no such file");
    }
}

TEST_CASE("plugin-info refuses bad usage with exit 2 and a usage line on stderr",
          "[integration][plugin_info]") {
    const std::string groove = real_plugin("groove.so").string();
    for (const auto& args : std::vector<std::vector<std::string>>{
             {}, {"--json"}, {groove, groove}, {"--yaml", groove}}) {
        const RunResult result = plugin_info(args);
        INFO("args: " << args.size() << "\nstdout: " << result.out << "\nstderr: " << result.err);
        REQUIRE(result.exit_code.has_value());
        CHECK(*result.exit_code == 2);
        CHECK(result.out.empty());
        CHECK(contains(result.err, "Usage: switchyard plugin-info [--json] LIBRARY"));
    }
}

TEST_CASE("switchyard --help mentions plugin-info", "[integration][plugin_info]") {
    const RunResult result = run_switchyard({"--help"});
    INFO("stdout: " << result.out);
    REQUIRE(result.exit_code == 0);
    CHECK(contains(result.out, "plugin-info [--json] LIBRARY"));
}
