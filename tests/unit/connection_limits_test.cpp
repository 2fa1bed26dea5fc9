// The outbound byte bound an endpoint gets when neither its plugin nor the config states
// one (issue 9): twice its largest message, at least 1 MiB.
#include "net/connection.hpp"

#include <catch2/catch.hpp>

using namespace switchyard;

TEST_CASE("the default outbound byte bound is twice the largest message, at least 1 MiB",
          "[net][queue_bound]") {
    CHECK(default_queued_bytes(4096) == 1 << 20);
    CHECK(default_queued_bytes(512 * 1024) == 1 << 20);
    CHECK(default_queued_bytes(512 * 1024 + 1) == 2 * (512 * 1024 + 1));
    CHECK(default_queued_bytes(1 << 20) == 2 << 20);
    CHECK(default_queued_bytes(64 << 20) == 128 << 20);
    // The kernel's own default message size gives the default bound.
    CHECK(ConnectionLimits{}.max_queued_bytes ==
          default_queued_bytes(ConnectionLimits{}.max_message_bytes));
}
