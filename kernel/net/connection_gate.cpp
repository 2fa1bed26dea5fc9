#include "net/connection_gate.hpp"

namespace switchyard {

namespace ip = boost::asio::ip;

ip::address counted_address(const ip::address& peer) {
    if (peer.is_v6() && peer.to_v6().is_v4_mapped())
        return ip::make_address_v4(ip::v4_mapped, peer.to_v6());
    return peer;
}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
    if (this != &other) {
        reset();
        gate_ = std::move(other.gate_);
        address_ = std::exchange(other.address_, nullptr);
    }
    return *this;
}

void ConnectionSlot::reset() noexcept {
    if (!gate_) return;
    gate_->release(std::exchange(address_, nullptr));
    gate_.reset();
}

ConnectionGate::ConnectionGate(std::string name, ConnectionGatePtr parent, size_t workers)
    : name_(std::move(name)), parent_(std::move(parent)), traffic_(workers) {}

void ConnectionGate::set_caps(uint32_t max_connections, uint32_t max_per_address) noexcept {
    max_.store(max_connections, std::memory_order_relaxed);
    max_per_address_.store(max_per_address, std::memory_order_relaxed);
}

bool ConnectionGate::take() noexcept {
    const uint32_t cap = max_.load(std::memory_order_relaxed);
    uint32_t open = open_.load(std::memory_order_relaxed);
    do {
        if (cap != 0 && open >= cap) return false;
    } while (!open_.compare_exchange_weak(open, open + 1, std::memory_order_relaxed));
    return true;
}

ConnectionSlot::AddressEntry* ConnectionGate::take_address(const ip::address& peer, uint32_t cap) {
    std::lock_guard lock(address_mutex_);
    auto [it, inserted] = per_address_.try_emplace(counted_address(peer), 0);
    if (it->second >= cap) return nullptr; // never a fresh entry: cap is at least 1
    ++it->second;
    return &*it;
}

void ConnectionGate::give_back_address(ConnectionSlot::AddressEntry* entry) noexcept {
    std::lock_guard lock(address_mutex_);
    if (--entry->second == 0) per_address_.erase(entry->first);
}

ConnectionGate::Admission ConnectionGate::admit(const ip::address& peer) {
    Admission answer = admit_or_refuse(peer);
    if (answer.refused_by != GateCap::none)
        refused_[static_cast<size_t>(answer.refused_by)].fetch_add(1, std::memory_order_relaxed);
    return answer;
}

ConnectionGate::Admission ConnectionGate::admit_or_refuse(const ip::address& peer) {
    Admission answer;
    if (!take()) {
        answer.refused_by = GateCap::endpoint;
        answer.cap = max_connections();
        return answer;
    }
    ConnectionSlot::AddressEntry* entry = nullptr;
    if (const uint32_t cap = max_per_address(); cap != 0) {
        entry = take_address(peer, cap);
        if (entry == nullptr) {
            give_back();
            answer.refused_by = GateCap::address;
            answer.cap = cap;
            return answer;
        }
    }
    if (parent_ && !parent_->take()) {
        if (entry != nullptr) give_back_address(entry);
        give_back();
        answer.refused_by = GateCap::kernel;
        answer.cap = parent_->max_connections();
        return answer;
    }
    answer.slot = ConnectionSlot(ConnectionGatePtr(this), entry);
    admitted_.fetch_add(1, std::memory_order_relaxed);
    return answer;
}

void ConnectionGate::release(ConnectionSlot::AddressEntry* entry) noexcept {
    if (entry != nullptr) give_back_address(entry);
    give_back();
    if (parent_) parent_->give_back();
}

} // namespace switchyard
