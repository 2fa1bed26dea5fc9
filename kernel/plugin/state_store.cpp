#include "plugin/state_store.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <iterator>
#include <system_error>

namespace switchyard {

namespace {

bool is_key_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

// The whole of `file`, or nothing (logged) when it cannot be read or is too large.
std::optional<std::string> read_value(const std::filesystem::path& file,
                                      const std::string& plugin) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (ec) {
        spdlog::error("plugin {}: state file {} is unreadable ({}); skipped", plugin, file.string(),
                      ec.message());
        return std::nullopt;
    }
    if (size > StateStore::kMaxValueBytes) {
        spdlog::error("plugin {}: state file {} is larger than {} bytes; skipped", plugin,
                      file.string(), StateStore::kMaxValueBytes);
        return std::nullopt;
    }
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
        spdlog::error("plugin {}: state file {} is unreadable; skipped", plugin, file.string());
        return std::nullopt;
    }
    return bytes;
}

} // namespace

bool StateStore::is_valid_key(std::string_view key) noexcept {
    if (key.empty() || key.size() > kMaxKeyBytes || key.front() == '.') return false;
    for (const char c : key) {
        if (!is_key_char(c)) return false;
    }
    return true;
}

void StateStore::open(std::filesystem::path folder, StateWriter::Done saved) {
    std::error_code ec;
    std::filesystem::directory_iterator entries(folder, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
        spdlog::error(
            "plugin {}: its state folder {} is unreadable ({}); it starts without "
            "saved state",
            plugin_, folder.string(), ec.message());
    }
    for (; !ec && entries != std::filesystem::directory_iterator(); entries.increment(ec)) {
        const auto& entry = *entries;
        const std::string name = entry.path().filename().string();
        // Temporary files of a write a crash interrupted: the old value is the real one.
        if (name.starts_with('.')) continue;
        if (!is_valid_key(name) || !entry.is_regular_file()) {
            spdlog::warn("plugin {}: {} in its state folder is not a state file; skipped", plugin_,
                         entry.path().string());
            continue;
        }
        auto value = read_value(entry.path(), plugin_);
        if (!value) continue;
        if (values_.size() >= kMaxKeys || bytes_ + value->size() > kMaxTotalBytes) {
            spdlog::error(
                "plugin {}: state file {} is past the bound of {} keys or {} bytes; "
                "skipped",
                plugin_, entry.path().string(), kMaxKeys, kMaxTotalBytes);
            continue;
        }
        bytes_ += value->size();
        values_[name] = std::make_shared<const std::string>(std::move(*value));
    }
    if (!values_.empty()) {
        spdlog::info("plugin {}: {} state keys read from {}", plugin_, values_.size(),
                     folder.string());
    }
    saved_ = saved;
    writer_ = std::make_unique<StateWriter>(std::move(folder), plugin_, std::move(saved));
}

const std::string* StateStore::load(std::string_view key) const {
    auto it = values_.find(std::string(key));
    return it == values_.end() ? nullptr : it->second.get();
}

sy_status StateStore::save(std::string_view key, std::string_view value, uint64_t tag) {
    if (!writer_) return SY_ERR_UNSUPPORTED;
    if (!is_valid_key(key) || value.size() > kMaxValueBytes) return SY_ERR_INVALID;
    std::string name(key);
    auto it = values_.find(name);
    const size_t replaced = it == values_.end() ? 0 : it->second->size();
    const size_t keys = values_.size() + (it == values_.end() ? 1 : 0);
    if (keys > kMaxKeys || bytes_ - replaced + value.size() > kMaxTotalBytes) return SY_ERR_FULL;
    auto stored = std::make_shared<const std::string>(value);
    const sy_status queued = queue(name, stored, tag);
    if (queued == SY_OK) put(name, std::move(stored));
    return queued;
}

sy_status StateStore::remove(std::string_view key, uint64_t tag) {
    if (!writer_) return SY_ERR_UNSUPPORTED;
    if (!is_valid_key(key)) return SY_ERR_INVALID;
    std::string name(key);
    const sy_status queued = queue(name, nullptr, tag);
    if (queued == SY_OK) put(name, nullptr);
    return queued;
}

void StateStore::put(const std::string& key, Value value) {
    auto it = values_.find(key);
    Value previous = it == values_.end() ? nullptr : it->second;
    if (previous) bytes_ -= previous->size();
    if (value) {
        bytes_ += value->size();
        values_[key] = value;
    } else if (it != values_.end()) {
        values_.erase(it);
    }
    if (!journal_.is_open()) return;
    journal_.on_failure([this, key, value, previous] {
        if (value) bytes_ -= value->size();
        if (previous) {
            bytes_ += previous->size();
            values_[key] = previous;
        } else {
            values_.erase(key);
        }
    });
}

sy_status StateStore::queue(std::string key, Value value, uint64_t tag) {
    if (!journal_.is_open())
        return writer_->submit(std::move(key), std::move(value), tag) ? SY_OK : SY_ERR_FULL;
    // Reaches the disk: only once the create() asking for it has succeeded. Should the
    // writer's queue be full by then, the plugin hears that the write failed.
    journal_.hold([this, key = std::move(key), value = std::move(value), tag]() mutable {
        if (writer_->submit(key, value, tag)) return;
        spdlog::error(
            "plugin {}: state write of '{}' from create() refused: the writer's "
            "queue is full",
            plugin_, key);
        if (saved_) saved_(key, tag, SY_ERR_FAILED);
    });
    return SY_OK;
}

void StateStore::flush() {
    if (writer_) writer_->flush();
}

} // namespace switchyard
