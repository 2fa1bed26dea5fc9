// The descriptor's arrays of versioned structs, walked the way the ABI says: by each
// element's own struct_size, never by the kernel's sizeof. A plugin built against an
// older minor has smaller elements (a 1.0 sy_endpoint_v1 lacks max_queued_bytes), so
// `endpoints[1]` computed with this kernel's sizeof would land inside element 0.
//
// The loader (find_descriptor_problem) checks first that every element of an array has
// the same struct_size, at least the 1.0 size and at most this kernel's; after that the
// stride of an array is its first element's struct_size. Fields newer than 1.0 are read
// only behind SY_HAS_FIELD.
#pragma once

#include <switchyard/plugin.h>

#include <cstddef>

namespace switchyard {

// The element at `index` of an array of versioned structs starting at `first`.
template <class T>
const T& versioned_at(const T* first, size_t index) noexcept {
    const auto* base = reinterpret_cast<const unsigned char*>(first);
    return *reinterpret_cast<const T*>(base + index * size_t{first->struct_size});
}

// Endpoint `index` of a plugin's descriptor.
inline const sy_endpoint_v1& endpoint_at(const sy_plugin_v1& plugin, size_t index) noexcept {
    return versioned_at(plugin.endpoints, index);
}

// Route `index` of an endpoint.
inline const sy_route_v1& route_at(const sy_endpoint_v1& endpoint, size_t index) noexcept {
    return versioned_at(endpoint.routes, index);
}

} // namespace switchyard
