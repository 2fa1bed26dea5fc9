// Admission of new connections: a gate counts the connections open at one endpoint, and
// from each client address there, and refuses one past a cap, so that clients cannot
// exhaust the server's descriptors and memory. An endpoint's gate hands every connection
// on to the kernel's gate as well (one cap for the whole kernel). A refused connection is
// answered 503 at once, before its request is read (see connection_refusal.hpp), never
// queued.
//
// Counting is lock-free; only a gate with a per-address cap takes a mutex, once when a
// connection opens and once when it ends.
#pragma once

#include "metrics/endpoint_traffic.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace switchyard {

class ConnectionGate;
using ConnectionGatePtr = boost::intrusive_ptr<ConnectionGate>;

// An admitted connection's place in its gates, given back when the slot is reset or
// destroyed (from any thread). Move-only; empty when default-constructed.
class ConnectionSlot {
  public:
    ConnectionSlot() noexcept = default;
    ConnectionSlot(ConnectionSlot&& other) noexcept
        : gate_(std::move(other.gate_)), address_(std::exchange(other.address_, nullptr)) {}
    ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ~ConnectionSlot() { reset(); }

    // Gives the place back (no-op when empty).
    void reset() noexcept;
    explicit operator bool() const noexcept { return static_cast<bool>(gate_); }
    // The gate that admitted it (null when empty).
    ConnectionGate* gate() const noexcept { return gate_.get(); }

  private:
    friend class ConnectionGate;
    using AddressEntry = std::pair<const boost::asio::ip::address, uint32_t>;
    ConnectionSlot(ConnectionGatePtr gate, AddressEntry* address) noexcept
        : gate_(std::move(gate)), address_(address) {}

    ConnectionGatePtr gate_;
    AddressEntry* address_ = nullptr; // the per-address count this slot holds, if any
};

// Which cap refused a connection.
enum class GateCap { none, kernel, endpoint, address };

class ConnectionGate
    : public boost::intrusive_ref_counter<ConnectionGate, boost::thread_safe_counter> {
  public:
    // `name` says whose gate it is in refusals ("groove/default", "kernel", "control").
    // `parent`: a gate every connection admitted here also takes a place in (the
    // kernel's), or null. `workers`: how many workers its connections run on (the
    // worker pool's size), for traffic(); connections of other workers are not counted.
    explicit ConnectionGate(std::string name, ConnectionGatePtr parent = nullptr,
                            size_t workers = 0);
    ConnectionGate(const ConnectionGate&) = delete;
    ConnectionGate& operator=(const ConnectionGate&) = delete;

    // Sets the caps (0 = none) for connections admitted from now on. Thread-safe.
    void set_caps(uint32_t max_connections, uint32_t max_per_address) noexcept;

    // The answer to a connection asking in.
    struct Admission {
        ConnectionSlot slot; // set when admitted
        GateCap refused_by = GateCap::none;
        uint32_t cap = 0; // the cap that refused it
    };
    // Admits a connection from `peer` when this gate, its per-address count and the
    // parent all have room; otherwise says which cap is full. Thread-safe.
    Admission admit(const boost::asio::ip::address& peer);

    // Connections open through this gate now.
    uint32_t open_connections() const noexcept { return open_.load(std::memory_order_relaxed); }
    uint32_t max_connections() const noexcept { return max_.load(std::memory_order_relaxed); }
    uint32_t max_per_address() const noexcept {
        return max_per_address_.load(std::memory_order_relaxed);
    }
    const std::string& name() const noexcept { return name_; }

    // -- for /metrics ---------------------------------------------------------------------
    // Connections admitted since the gate was made.
    uint64_t admitted_total() const noexcept { return admitted_.load(std::memory_order_relaxed); }
    // Connections refused since, by the cap that refused them (not GateCap::none).
    uint64_t refused_total(GateCap cap) const noexcept {
        return refused_[static_cast<size_t>(cap)].load(std::memory_order_relaxed);
    }
    // What the connections admitted here wrote and dropped (one block per worker).
    EndpointTraffic& traffic() noexcept { return traffic_; }
    const EndpointTraffic& traffic() const noexcept { return traffic_; }

  private:
    friend class ConnectionSlot;
    // admit() before counting its answer.
    Admission admit_or_refuse(const boost::asio::ip::address& peer);
    // One more open connection, unless at the cap.
    bool take() noexcept;
    void give_back() noexcept { open_.fetch_sub(1, std::memory_order_relaxed); }
    // One more connection from `peer`, unless at the per-address cap: the entry counted.
    ConnectionSlot::AddressEntry* take_address(const boost::asio::ip::address& peer, uint32_t cap);
    void give_back_address(ConnectionSlot::AddressEntry* entry) noexcept;
    void release(ConnectionSlot::AddressEntry* entry) noexcept;

    const std::string name_;
    const ConnectionGatePtr parent_;
    std::atomic<uint32_t> max_{0};
    std::atomic<uint32_t> max_per_address_{0};
    std::atomic<uint32_t> open_{0};
    std::atomic<uint64_t> admitted_{0};
    std::array<std::atomic<uint64_t>, 4> refused_{}; // by GateCap
    EndpointTraffic traffic_;
    std::mutex address_mutex_; // guards per_address_
    std::unordered_map<boost::asio::ip::address, uint32_t> per_address_;
};

// A client address as counted: an IPv4 address mapped into IPv6 (a dual-stack listener)
// counts as the IPv4 address it is.
boost::asio::ip::address counted_address(const boost::asio::ip::address& peer);

} // namespace switchyard
