// One plugin library loaded through the kernel's loader and one instance of it created
// against a RecordingHost, for tests that drive a plugin through its C descriptor the way
// the kernel does, without a running kernel.
#pragma once

#include "plugin/plugin_library.hpp"
#include "recording_host.hpp"

#include <switchyard/plugin.h>

#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

namespace switchyard::testing {

class PluginUnderTest {
  public:
    // Loads `library` and creates an instance with `config` (JSON) as generation 1;
    // create_status says whether create() succeeded.
    explicit PluginUnderTest(const std::filesystem::path& library, std::string_view config = "{}")
        : library_(PluginLibrary::load(library)), d_(library_->descriptor()) {
        sy_create_args_v1 args{sizeof(sy_create_args_v1), str(config), str(""), 1};
        create_status = d_.create(host.table(), &args, &instance_);
    }
    ~PluginUnderTest() {
        if (instance_ != nullptr) d_.destroy(instance_);
    }
    PluginUnderTest(const PluginUnderTest&) = delete;
    PluginUnderTest& operator=(const PluginUnderTest&) = delete;

    // The plugin's descriptor.
    const sy_plugin_v1& descriptor() const { return d_; }
    // The instance create() returned (null when it failed).
    void* instance() const { return instance_; }

    // A GET request for `path` on `kind` of route, with these headers (kept by the caller).
    static sy_request_v1 request(sy_route_kind kind, std::string_view path,
                                 const std::vector<sy_header>& headers = {}) {
        sy_request_v1 r{};
        r.struct_size = sizeof(sy_request_v1);
        r.method = str("GET");
        r.target = r.path = str(path);
        r.headers = headers.data();
        r.header_count = headers.size();
        r.peer_address = str("127.0.0.1");
        r.endpoint = str("default");
        r.route_kind = kind;
        return r;
    }

    // Delivers a bus event of `stream` to on_event.
    sy_status event(std::string_view stream, std::string_view type, std::string_view data,
                    bool internal = false) {
        sy_event_v1 e{};
        e.struct_size = sizeof(sy_event_v1);
        e.stream = e.topic = str(stream);
        e.type = str(type);
        e.data = str(data);
        e.internal = internal ? 1 : 0;
        e.seq = 1;
        return d_.on_event(instance_, &e);
    }

    // What the instance asked of the kernel. Declared before the library, so it outlives
    // the instance.
    RecordingHost host;
    // What create() returned.
    sy_status create_status = SY_ERR_FAILED;

  private:
    std::unique_ptr<PluginLibrary> library_;
    const sy_plugin_v1& d_;
    void* instance_ = nullptr;
};

} // namespace switchyard::testing
