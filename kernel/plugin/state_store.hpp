// A plugin's state kept on disk (ABI 1.3: state_load, state_save, state_remove): one
// file per key in the plugin's folder of [kernel] state_dir, and a copy of every value in
// memory, so state_load never touches the disk. The store belongs to the runtime, not to
// an instance: what one generation saved, the next loads.
//
// The folder is read once, before the plugin's first create(). A save or a remove
// changes memory at once and queues the write on the plugin's StateWriter (its own
// thread, in call order); when the write is done, `saved` hears of it (on the writer's
// thread: the runtime posts it to the plugin as on_state_saved).
//
// While a new generation's create() runs (the journal is open), its saves change memory
// with an undo step and their writes are held until the create() has succeeded
// (create_journal.hpp): a generation that never served leaves nothing on disk.
//
// Dispatcher thread only, but for open() (before the first create) and flush().
#pragma once

#include "files/state_writer.hpp"
#include "plugin/create_journal.hpp"

#include <switchyard/plugin.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace switchyard {

class StateStore {
  public:
    static constexpr size_t kMaxKeyBytes = 64;
    static constexpr size_t kMaxValueBytes = size_t{1} << 20;
    // What one plugin may keep: past either, a save is refused with SY_ERR_FULL.
    static constexpr size_t kMaxKeys = 1024;
    static constexpr size_t kMaxTotalBytes = size_t{64} << 20;

    StateStore(CreateJournal& journal, std::string plugin)
        : journal_(journal), plugin_(std::move(plugin)) {}
    StateStore(const StateStore&) = delete;
    StateStore& operator=(const StateStore&) = delete;

    // True when `key` is 1 to 64 characters of [A-Za-z0-9._-], not starting with '.'.
    static bool is_valid_key(std::string_view key) noexcept;

    // Reads `folder` (a missing one is empty; temporary files are skipped; unreadable or
    // misnamed ones are logged and skipped) and keeps writing there; `saved` hears of
    // each write. Without open(), the store is off: saves are SY_ERR_UNSUPPORTED.
    void open(std::filesystem::path folder, StateWriter::Done saved);
    bool is_open() const noexcept { return writer_ != nullptr; }

    // The value saved under `key`, or nullptr.
    const std::string* load(std::string_view key) const;
    // state_save and state_remove: SY_OK (the write is queued), SY_ERR_INVALID,
    // SY_ERR_FULL or SY_ERR_UNSUPPORTED.
    sy_status save(std::string_view key, std::string_view value, uint64_t tag);
    sy_status remove(std::string_view key, uint64_t tag);

    // Waits until every write queued so far is on disk (or failed).
    void flush();
    // Keys kept now.
    size_t keys() const noexcept { return values_.size(); }

  private:
    using Value = std::shared_ptr<const std::string>;
    // Puts `value` (null: none) under `key` in memory, with an undo step while the
    // journal is open.
    void put(const std::string& key, Value value);
    // Queues the write now, or once the create() running has succeeded.
    sy_status queue(std::string key, Value value, uint64_t tag);

    CreateJournal& journal_;
    const std::string plugin_;
    std::unordered_map<std::string, Value> values_;
    size_t bytes_ = 0; // the values' bytes
    StateWriter::Done saved_;
    std::unique_ptr<StateWriter> writer_;
};

} // namespace switchyard
