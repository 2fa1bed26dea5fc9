// A bus event as the ABI hands it to a plugin.
#pragma once

#include "bus/event.hpp"

#include <switchyard/plugin.h>

namespace switchyard {

// The ABI view of `event`; its strings point into `event`, which must outlive it.
inline sy_event_v1 abi_event(const Event& event) noexcept {
    auto view = [](const std::string& s) { return sy_str{s.data(), s.size()}; };
    sy_event_v1 e{};
    e.struct_size = sizeof e;
    e.stream = view(event.stream);
    e.topic = view(event.topic);
    e.type = view(event.type);
    e.data = view(event.data);
    e.id = view(event.id);
    e.priority = view(event.priority);
    e.scope = view(event.scope);
    e.internal = event.visibility == Visibility::Internal ? 1 : 0;
    e.seq = event.seq;
    e.ts = event.ts;
    return e;
}

} // namespace switchyard
