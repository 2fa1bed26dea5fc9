// [kernel] log_format: "text" by default, "json" when asked, anything else refused with
// the key and the line.
#include "config/config.hpp"
#include "config/config_error.hpp"

#include <catch2/catch.hpp>

using namespace switchyard;

TEST_CASE("config: log_format is text by default, json when asked, nothing else", "[config][log]") {
    CHECK(parse_config("", "t.toml").kernel.log_format == "text");
    CHECK(parse_config("[kernel]\nlog_format = \"json\"\n", "t.toml").kernel.log_format == "json");
    CHECK(parse_config("[kernel]\nlog_format = \"text\"\n", "t.toml").kernel.log_format == "text");
    try {
        parse_config("[kernel]\n\nlog_format = \"JSON\"\n", "t.toml");
        FAIL("log_format = \"JSON\" was accepted");
    } catch (const ConfigError& e) {
        const std::string what = e.what();
        CHECK(what.find("kernel.log_format") != std::string::npos);
        CHECK(what.find(":3") != std::string::npos);
        CHECK(what.find("expected one of text, json") != std::string::npos);
    }
}
