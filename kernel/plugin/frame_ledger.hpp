// The references a plugin holds to frames it made with frame_create: what lets the host
// table refuse a frame released twice, or a pointer it never handed out, before either
// reaches a connection.
//
// Dispatcher thread only (the host functions that use it are [hooks]).
#pragma once

#include <switchyard/plugin.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_map>

namespace switchyard {

class FrameLedger {
  public:
    FrameLedger() = default;
    FrameLedger(const FrameLedger&) = delete;
    FrameLedger& operator=(const FrameLedger&) = delete;

    // Makes a frame of `kind` holding `payload`; the plugin owns one reference to it.
    sy_frame* create(sy_frame_kind kind, std::string_view payload);
    // True when the plugin holds a reference to `frame`.
    bool owns(const sy_frame* frame) const;
    // Drops one of the plugin's references to `frame`; false (nothing done) when it holds
    // none.
    bool release(sy_frame* frame);
    // Drops every reference the plugin still holds; returns how many frames it held.
    size_t release_all();

  private:
    std::unordered_map<const sy_frame*, uint32_t> refs_;
};

} // namespace switchyard
