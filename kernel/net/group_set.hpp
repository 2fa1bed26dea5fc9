// The groups one connection is in, so that a closing connection leaves every one.
//
// Almost every connection is in no group or in one, so the first group is kept inline
// and only a connection in several holds a vector on the heap: an idle connection in its
// one group costs no allocation for it. Group ids are never 0 (the host numbers them from
// 1), so 0 marks the inline place empty.
#pragma once

#include <switchyard/plugin.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace switchyard {

class GroupSet {
  public:
    bool empty() const noexcept { return size() == 0; }
    size_t size() const noexcept { return more_ ? more_->size() : (one_ != 0 ? 1 : 0); }
    bool contains(sy_group_id group) const noexcept {
        if (more_) return std::find(more_->begin(), more_->end(), group) != more_->end();
        return group != 0 && one_ == group;
    }
    // Adds `group`; false when it was there already.
    bool insert(sy_group_id group) {
        if (contains(group)) return false;
        if (more_) {
            more_->push_back(group);
        } else if (one_ != 0 || group == 0) {
            more_ = std::make_unique<std::vector<sy_group_id>>();
            if (one_ != 0) more_->push_back(std::exchange(one_, 0));
            more_->push_back(group);
        } else {
            one_ = group;
        }
        return true;
    }
    void erase(sy_group_id group) noexcept {
        if (more_) {
            more_->erase(std::remove(more_->begin(), more_->end(), group), more_->end());
            if (more_->empty()) more_.reset();
        } else if (group != 0 && one_ == group) {
            one_ = 0;
        }
    }
    // Empties the set, calling `fn(group)` for each group it held.
    template <typename Fn>
    void drain(Fn&& fn) {
        if (more_) {
            auto groups = std::move(more_);
            for (sy_group_id group : *groups) fn(group);
        } else if (one_ != 0) {
            fn(std::exchange(one_, 0));
        }
    }

  private:
    std::unique_ptr<std::vector<sy_group_id>> more_; // all the groups, when in several
    sy_group_id one_ = 0;                            // the group, when in exactly one
};

} // namespace switchyard
