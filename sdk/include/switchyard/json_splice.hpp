// switchyard/json_splice.hpp — an event's data spliced into a message, without a DOM.
//
// Most protocols send a bus event as one JSON object: a head of their own ("type", a
// timestamp, a session, a workspace) followed by the members of the event's data. The
// data can be megabytes (a JetStart dex); parsing it into a json::Value to write it out
// again would copy it twice more and allocate per member. splice_data copies the data's
// members as they are written, in one pass, leaving out the keys the head owns.
//
// The data comes from the kernel (the control API checked it as JSON), so a malformed
// one is a plugin's or a backend's bug: splice_data then says so and leaves `out` alone.
#pragma once

#include <switchyard/json.hpp>
#include <switchyard/json_scan.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::json {

namespace splice_detail {

// A key token's name, unescaped (for a key written with escapes).
inline std::optional<std::string> key_name(std::string_view token) {
    std::optional<Value> key = parse(token);
    if (!key || !key->is_string()) return std::nullopt;
    return key->as_string();
}

// Appends the members of the object whose '{' is at data[i], but those `drop` names,
// each after a ','; then '}'. False when it is not one well-formed object ending `data`.
template <class Drop>
bool splice_members(std::string& out, std::string_view data, size_t i, Drop&& drop) {
    i = skip_space(data, i + 1);
    if (i < data.size() && data[i] == '}') {
        out += '}';
        return skip_space(data, i + 1) == data.size();
    }
    while (i < data.size() && data[i] == '"') {
        const size_t key_end = skip_string(data, i);
        if (key_end == std::string_view::npos) return false;
        const std::string_view key = data.substr(i, key_end - i);
        size_t j = skip_space(data, key_end);
        if (j >= data.size() || data[j] != ':') return false;
        j = skip_space(data, j + 1);
        const size_t value_end = skip_value(data, j);
        if (value_end == std::string_view::npos || value_end == j) return false;
        // A key without escapes is compared where it lies (no allocation per member).
        const std::string_view inner = key.substr(1, key.size() - 2);
        bool dropped = false;
        if (inner.find('\\') == std::string_view::npos) {
            dropped = drop(inner);
        } else {
            const std::optional<std::string> name = key_name(key);
            if (!name) return false;
            dropped = drop(std::string_view(*name));
        }
        if (!dropped) {
            out += ',';
            out.append(key);
            out += ':';
            out.append(data.substr(j, value_end - j));
        }
        i = skip_space(data, value_end);
        if (i < data.size() && data[i] == ',') {
            i = skip_space(data, i + 1);
            continue;
        }
        if (i < data.size() && data[i] == '}' && skip_space(data, i + 1) == data.size()) {
            out += '}';
            return true;
        }
        return false;
    }
    return false;
}

} // namespace splice_detail

// Finishes the message `out` holds (an object opened with '{' and at least one member of
// the head): an object `data` adds its members but those `drop(name)` is true for (the
// keys the head owns: the head wins), as written; any other value is added as the member
// "data". Then the closing '}'. False, with `out` as it was, when `data` is not one
// well-formed JSON value.
template <class Drop>
bool splice_data(std::string& out, std::string_view data, Drop&& drop) {
    const size_t start = out.size();
    const size_t i = skip_space(data, 0);
    bool ok = false;
    if (i < data.size() && data[i] == '{') {
        ok = splice_detail::splice_members(out, data, i, drop);
    } else if (i < data.size()) {
        const size_t end = skip_value(data, i);
        if (end != std::string_view::npos && end != i && skip_space(data, end) == data.size()) {
            out += ",\"data\":";
            out.append(data.substr(i, end - i));
            out += '}';
            ok = true;
        }
    }
    if (!ok) out.resize(start);
    return ok;
}

} // namespace switchyard::json
