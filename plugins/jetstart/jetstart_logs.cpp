#include "jetstart_logs.hpp"

#include "jetstart_protocol.hpp"

#include <algorithm>

namespace switchyard::jetstart {
namespace {

template <size_t N>
std::optional<uint8_t> index_of(const std::array<std::string_view, N>& names, std::string_view v) {
    for (size_t i = 0; i < N; ++i) {
        if (names[i] == v) return static_cast<uint8_t>(i);
    }
    return std::nullopt;
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

bool contains_lower(std::string_view haystack, std::string_view needle_lower) {
    if (needle_lower.size() > haystack.size()) return false;
    const auto it = std::search(haystack.begin(), haystack.end(), needle_lower.begin(),
                                needle_lower.end(), [](char a, char b) {
                                    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
                                    return a == b;
                                });
    return it != haystack.end();
}

// An array of strings, each mapped by `map` (nullopt entries dropped: they match nothing).
template <class Map>
bool read_list(const json::Value& filter, std::string_view key, std::string* problem, Map map) {
    const json::Value* list = filter.find(key);
    if (list == nullptr || list->is_null()) return true;
    if (!list->is_array()) {
        *problem = "filter." + std::string(key) + " must be an array of strings";
        return false;
    }
    for (const json::Value& item : list->as_array()) {
        if (!item.is_string()) {
            *problem = "filter." + std::string(key) + " must be an array of strings";
            return false;
        }
        map(item.as_string());
    }
    return true;
}

bool read_time(const json::Value& filter, std::string_view key, std::optional<double>& out,
               std::string* problem) {
    const json::Value* value = filter.find(key);
    if (value == nullptr || value->is_null()) return true;
    if (!value->is_number()) {
        *problem = "filter." + std::string(key) + " must be a number";
        return false;
    }
    // As the shipping server: 0 means no bound (`if (filter.startTime)`).
    if (value->as_number().value != 0) out = value->as_number().value;
    return true;
}

void append_counts(std::string& out, const auto& names, const auto& counts) {
    out += '{';
    for (size_t i = 0; i < names.size(); ++i) {
        if (i != 0) out += ',';
        json::append_escaped(out, names[i]);
        out += ':';
        out += std::to_string(counts[i]);
    }
    out += '}';
}

} // namespace

std::optional<LogEntry> make_log_entry(const json::Value& value, std::string* problem) {
    std::string found = check_log_entry(value, "log.");
    if (!found.empty()) {
        if (problem != nullptr) *problem = std::move(found);
        return std::nullopt;
    }
    LogEntry entry;
    entry.json = json::serialize(value);
    const json::Number& timestamp = value.find("timestamp")->as_number();
    entry.timestamp = timestamp.value;
    json::append_number(entry.timestamp_text, timestamp);
    entry.level = *index_of(kLogLevels, value.find("level")->as_string());
    entry.source = *index_of(kLogSources, value.find("source")->as_string());
    entry.tag = value.find("tag")->as_string();
    entry.message = value.find("message")->as_string();
    if (const json::Value* metadata = value.find("metadata"))
        entry.metadata_json = json::serialize(*metadata);
    return entry;
}

bool LogFilter::matches(const LogEntry& entry) const {
    if (!levels.empty() && std::find(levels.begin(), levels.end(), entry.level) == levels.end())
        return false;
    if (!sources.empty() &&
        std::find(sources.begin(), sources.end(), entry.source) == sources.end())
        return false;
    if (!tags.empty() && std::find(tags.begin(), tags.end(), entry.tag) == tags.end()) return false;
    if (!search_lower.empty() && !contains_lower(entry.message, search_lower) &&
        !contains_lower(entry.tag, search_lower) &&
        !contains_lower(entry.metadata_json, search_lower))
        return false;
    if (start_time && entry.timestamp < *start_time) return false;
    if (end_time && entry.timestamp > *end_time) return false;
    return true;
}

std::optional<LogFilter> read_log_filter(const json::Value* filter, std::string* problem) {
    LogFilter out;
    if (filter == nullptr || filter->is_null()) return out;
    if (!filter->is_object()) {
        *problem = "filter must be an object";
        return std::nullopt;
    }
    // A listed level or source that does not exist matches nothing: keep a value no entry
    // has, so the list is not empty (empty means "any").
    constexpr uint8_t kNone = 0xFF;
    const bool ok =
        read_list(*filter, "levels", problem,
                  [&](const std::string& v) {
                      out.levels.push_back(index_of(kLogLevels, v).value_or(kNone));
                  }) &&
        read_list(*filter, "sources", problem,
                  [&](const std::string& v) {
                      out.sources.push_back(index_of(kLogSources, v).value_or(kNone));
                  }) &&
        read_list(*filter, "tags", problem, [&](const std::string& v) { out.tags.push_back(v); }) &&
        read_time(*filter, "startTime", out.start_time, problem) &&
        read_time(*filter, "endTime", out.end_time, problem);
    if (!ok) return std::nullopt;
    if (const json::Value* query = filter->find("searchQuery");
        query != nullptr && !query->is_null()) {
        if (!query->is_string()) {
            *problem = "filter.searchQuery must be a string";
            return std::nullopt;
        }
        out.search_lower = lowercase(query->as_string());
    }
    return out;
}

void LogStore::count(const LogEntry& entry, int64_t sign) {
    const auto step = static_cast<uint64_t>(sign);
    stats_.total += step;
    stats_.by_level[entry.level] += step;
    stats_.by_source[entry.source] += step;
}

size_t LogStore::add(LogEntry entry) {
    bytes_ += entry.json.size();
    count(entry, 1);
    entries_.push_back(std::move(entry));
    size_t evicted = 0;
    // The newest entry always stays, however large (the caller bounds one entry's size).
    while (entries_.size() > 1 && (entries_.size() > max_entries_ || bytes_ > max_bytes_)) {
        bytes_ -= entries_.front().json.size();
        count(entries_.front(), -1);
        entries_.pop_front();
        ++evicted;
    }
    return evicted;
}

void LogStore::clear() {
    entries_.clear();
    bytes_ = 0;
    stats_ = LogStats{};
}

std::vector<size_t> LogStore::select(const LogFilter& filter,
                                     std::optional<uint64_t> max_lines) const {
    std::vector<size_t> picked;
    if (max_lines && *max_lines == 0) return picked;
    // Newest first, so a maxLines replay stops as soon as it has enough.
    for (size_t i = entries_.size(); i-- > 0;) {
        if (!filter.matches(entries_[i])) continue;
        picked.push_back(i);
        if (max_lines && picked.size() >= *max_lines) break;
    }
    std::reverse(picked.begin(), picked.end());
    return picked;
}

std::string LogStore::stats_message() const {
    std::string out = "{\"type\":\"stats\",\"stats\":{\"totalLogs\":";
    out += std::to_string(stats_.total);
    out += ",\"errorCount\":";
    out += std::to_string(stats_.by_level[4] + stats_.by_level[5]);
    out += ",\"warningCount\":";
    out += std::to_string(stats_.by_level[3]);
    out += ",\"lastLogTime\":";
    out += entries_.empty() ? std::string("0") : entries_.back().timestamp_text;
    out += ",\"logsByLevel\":";
    append_counts(out, kLogLevels, stats_.by_level);
    out += ",\"logsBySource\":";
    append_counts(out, kLogSources, stats_.by_source);
    out += "}}";
    return out;
}

} // namespace switchyard::jetstart
