// Waiting on a condition with a deadline, for tests that must never sleep a fixed time.
#pragma once

#include <chrono>
#include <functional>

namespace switchyard::test {

// Evaluates `predicate` until it holds or `timeout` passes, re-checking every `interval`.
// Returns the predicate's last value, so `REQUIRE(wait_until(...))` fails on a timeout.
bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(5));

} // namespace switchyard::test
