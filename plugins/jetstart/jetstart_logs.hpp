// The logs service's store (PROTOCOLS.md "jetstart", the logs WebSocket): a bounded ring of
// LogEntry objects kept as the JSON text they go out as, their filter and their stats.
// Pure code; the plugin keeps one shared frame per stored entry beside it.
#pragma once

#include <switchyard/json.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::jetstart {

// The seed's enums, in their order (LogLevel, LogSource).
inline constexpr std::array<std::string_view, 6> kLogLevels = {"verbose", "debug", "info",
                                                               "warn",    "error", "fatal"};
inline constexpr std::array<std::string_view, 6> kLogSources = {"cli",   "core",    "client",
                                                                "build", "network", "system"};

// One stored entry: what the filter reads, and its JSON text.
struct LogEntry {
    std::string json; // compact LogEntry JSON, sent as it is
    double timestamp = 0;
    std::string timestamp_text; // as it reads in json (lastLogTime repeats it exactly)
    uint8_t level = 0;          // index in kLogLevels
    uint8_t source = 0;         // index in kLogSources
    std::string tag;
    std::string message;
    std::string metadata_json; // empty when absent
};

// Reads a LogEntry (a JSON object, already parsed) into a stored entry; nullopt with
// `problem` set when it is not a valid one (check_log_entry's rules).
std::optional<LogEntry> make_log_entry(const json::Value& entry, std::string* problem);

// A logs socket's filter: every present criterion must match (as the shipping logs
// server: levels, sources, tags exact; searchQuery case-insensitive in message, tag or
// metadata; startTime <= timestamp <= endTime).
struct LogFilter {
    std::vector<uint8_t> levels;
    std::vector<uint8_t> sources;
    std::vector<std::string> tags;
    std::string search_lower; // lowercased; empty: none
    std::optional<double> start_time;
    std::optional<double> end_time;

    bool matches(const LogEntry& entry) const;
};

// Reads a subscribe's `filter` (absent or null: everything). Unknown levels and sources
// match nothing; nullopt with `problem` for a wrong type.
std::optional<LogFilter> read_log_filter(const json::Value* filter, std::string* problem);

// The counters `stats` answers with.
struct LogStats {
    uint64_t total = 0;
    std::array<uint64_t, kLogLevels.size()> by_level{};
    std::array<uint64_t, kLogSources.size()> by_source{};
};

// At most max_entries entries and max_bytes of JSON text, oldest evicted first.
class LogStore {
  public:
    LogStore(size_t max_entries, size_t max_bytes)
        : max_entries_(max_entries), max_bytes_(max_bytes) {}

    // Appends `entry`; returns how many of the oldest entries it evicted.
    size_t add(LogEntry entry);
    // Forgets every entry.
    void clear();
    // The indices (oldest first) of the last `max_lines` entries matching `filter`
    // (every match when max_lines is nullopt).
    std::vector<size_t> select(const LogFilter& filter, std::optional<uint64_t> max_lines) const;

    const std::deque<LogEntry>& entries() const noexcept { return entries_; }
    size_t bytes() const noexcept { return bytes_; }
    const LogStats& stats() const noexcept { return stats_; }
    // `{"type":"stats","stats":{totalLogs, errorCount, warningCount, lastLogTime,
    // logsByLevel, logsBySource}}`.
    std::string stats_message() const;

  private:
    void count(const LogEntry& entry, int64_t sign);

    size_t max_entries_;
    size_t max_bytes_;
    size_t bytes_ = 0;
    std::deque<LogEntry> entries_;
    LogStats stats_;
};

} // namespace switchyard::jetstart
