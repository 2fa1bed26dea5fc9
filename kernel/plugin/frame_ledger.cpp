#include "plugin/frame_ledger.hpp"

#include "net/wire_frame.hpp"

namespace switchyard {

sy_frame* FrameLedger::create(sy_frame_kind kind, std::string_view payload) {
    sy_frame* frame = make_wire_frame(kind, payload);
    ++refs_[frame];
    return frame;
}

bool FrameLedger::owns(const sy_frame* frame) const {
    return frame != nullptr && refs_.count(frame) != 0;
}

bool FrameLedger::release(sy_frame* frame) {
    auto it = refs_.find(frame);
    if (it == refs_.end()) return false;
    if (--it->second == 0) refs_.erase(it);
    switchyard::release(frame);
    return true;
}

size_t FrameLedger::release_all() {
    const size_t frames = refs_.size();
    for (auto& [frame, refs] : refs_) {
        for (uint32_t i = 0; i < refs; ++i) switchyard::release(const_cast<sy_frame*>(frame));
    }
    refs_.clear();
    return frames;
}

} // namespace switchyard
