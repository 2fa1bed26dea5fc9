// `switchyard plugin-info`: what a plugin library declares, or why the kernel would refuse
// it, told without a config, a port or a server.
//
// The library goes through the loader itself (PluginLibrary::load, and with it
// find_descriptor_problem and the ELF checks), so plugin-info and the kernel can never
// disagree on whether a library loads and why not. A library that loads is described from
// its descriptor: name, version, ABI, the hooks it implements, its streams, and each
// endpoint's limits and routes, walked by each element's struct_size (abi_arrays.hpp).
#pragma once

#include <filesystem>
#include <iosfwd>

namespace switchyard {

// How plugin-info writes its answer: lines for people, or one JSON object for tools.
enum class PluginInfoFormat { text, json };

// Loads `library` as the kernel does at start and writes to `out` what it declares, or
// the loader's reason for refusing it. Returns true when the kernel would load it.
// Nothing else is written to `out`.
bool write_plugin_info(const std::filesystem::path& library, PluginInfoFormat format,
                       std::ostream& out);

} // namespace switchyard
