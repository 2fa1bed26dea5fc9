// The connection gate: an endpoint's cap, the per-address cap and the parent (kernel)
// cap, each refusing the next connection and admitting again once a slot is given back.
#include "net/connection_gate.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace switchyard;

namespace {

boost::asio::ip::address address(const char* text) {
    return boost::asio::ip::make_address(text);
}

} // namespace

TEST_CASE("gate: the endpoint cap refuses the next connection until one ends", "[gate]") {
    ConnectionGatePtr gate(new ConnectionGate("groove/default"));
    gate->set_caps(2, 0);
    auto a = gate->admit(address("127.0.0.1"));
    auto b = gate->admit(address("127.0.0.2"));
    REQUIRE(a.slot);
    REQUIRE(b.slot);
    auto c = gate->admit(address("127.0.0.3"));
    CHECK_FALSE(c.slot);
    CHECK(c.refused_by == GateCap::endpoint);
    CHECK(c.cap == 2);
    CHECK(gate->open_connections() == 2);
    a.slot.reset();
    CHECK(gate->open_connections() == 1);
    CHECK(gate->admit(address("127.0.0.3")).slot);
}

TEST_CASE("gate: the per-address cap counts each address apart", "[gate]") {
    ConnectionGatePtr gate(new ConnectionGate("groove/default"));
    gate->set_caps(0, 1);
    auto first = gate->admit(address("10.0.0.1"));
    REQUIRE(first.slot);
    auto again = gate->admit(address("10.0.0.1"));
    CHECK_FALSE(again.slot);
    CHECK(again.refused_by == GateCap::address);
    // An IPv4 client seen through a dual-stack socket is the same address.
    CHECK_FALSE(gate->admit(address("::ffff:10.0.0.1")).slot);
    CHECK(gate->admit(address("10.0.0.2")).slot);
    first.slot = {};
    CHECK(gate->admit(address("10.0.0.1")).slot);
    CHECK(gate->open_connections() == 0); // every admitted slot above was a temporary
}

TEST_CASE("gate: the parent's cap spans its children and a refusal takes nothing", "[gate]") {
    ConnectionGatePtr kernel(new ConnectionGate("the server"));
    kernel->set_caps(2, 0);
    ConnectionGatePtr groove(new ConnectionGate("groove/default", kernel));
    ConnectionGatePtr jarvis(new ConnectionGate("jarvis/default", kernel));
    groove->set_caps(0, 1);
    auto one = groove->admit(address("127.0.0.1"));
    auto two = jarvis->admit(address("127.0.0.1"));
    REQUIRE(one.slot);
    REQUIRE(two.slot);
    auto three = groove->admit(address("127.0.0.2"));
    CHECK_FALSE(three.slot);
    CHECK(three.refused_by == GateCap::kernel);
    CHECK(three.cap == 2);
    // Refused by the kernel: the endpoint's and the address's counts are untouched.
    CHECK(groove->open_connections() == 1);
    two.slot.reset();
    CHECK(kernel->open_connections() == 1);
    CHECK(groove->admit(address("127.0.0.2")).slot);
}

TEST_CASE("gate: a slot outlives the gate's other owners and moves", "[gate]") {
    ConnectionSlot kept;
    {
        ConnectionGatePtr gate(new ConnectionGate("gone/default"));
        gate->set_caps(1, 1);
        kept = std::move(gate->admit(address("127.0.0.1")).slot);
        REQUIRE(kept);
    }
    ConnectionSlot moved(std::move(kept));
    CHECK(moved);
    CHECK_FALSE(kept); // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    moved.reset();
    CHECK_FALSE(moved);
}
