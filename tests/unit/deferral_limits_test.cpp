// The kernel's limits on deferred HTTP answers (kernel/plugin/deferred_requests.hpp), as a
// plugin table sets them: respond_timeout_ms and max_deferred.
#include "plugin/deferred_requests.hpp"

#include <catch2/catch.hpp>

using namespace switchyard;

TEST_CASE("deferral limits: defaults, the plugin table's values, and values refused",
          "[deferred]") {
    const DeferralLimits defaults = deferral_limits_from("{}");
    CHECK(defaults.deadline == std::chrono::milliseconds(30'000));
    CHECK(defaults.max_pending == 1024);
    CHECK(deferral_limits_from("").max_pending == 1024);

    const DeferralLimits set =
        deferral_limits_from(R"({"respond_timeout_ms":250,"max_deferred":3,"other":"x"})");
    CHECK(set.deadline == std::chrono::milliseconds(250));
    CHECK(set.max_pending == 3);

    for (const char* bad : {R"({"respond_timeout_ms":0})", R"({"respond_timeout_ms":-5})",
                            R"({"respond_timeout_ms":"10"})", R"({"respond_timeout_ms":1.5})",
                            R"({"respond_timeout_ms":3600001})", R"({"max_deferred":0})",
                            R"({"max_deferred":true})", R"({"max_deferred":1000001})"}) {
        INFO(bad);
        CHECK_THROWS_AS(deferral_limits_from(bad), std::invalid_argument);
    }
}
