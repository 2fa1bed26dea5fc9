#include "clijaw_stream.hpp"

#include "publish.hpp"
#include "test_json.hpp"
#include "toml_text.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace switchyard::test {

namespace json = boost::json;

KernelProcess start_clijaw(std::string_view plugin_lines, std::string_view bus_lines) {
    std::string toml;
    if (!bus_lines.empty()) toml += "[bus]\n" + std::string(bus_lines) + "\n";
    toml += enabled_plugin_table("clijaw", plugin_lines);
    return KernelProcess::start(toml);
}

std::string clijaw_event_json(std::string_view topic, std::string_view type, std::string_view data,
                              bool internal) {
    const std::string full = topic.empty() ? "clijaw" : "clijaw/" + std::string(topic);
    std::string text = R"({"topic":)" + json::serialize(json::string(full)) + R"(,"type":)" +
                       json::serialize(json::string(type)) + R"(,"data":)" + std::string(data);
    if (internal) text += R"(,"visibility":"internal")";
    return text + "}";
}

uint64_t publish_clijaw(const KernelProcess& kernel, std::string_view topic, std::string_view type,
                        std::string_view data, bool internal) {
    return publish(kernel, clijaw_event_json(topic, type, data, internal));
}

std::vector<uint64_t> publish_all(const KernelProcess& kernel,
                                  const std::vector<std::string>& events_json) {
    std::string body = "[";
    for (size_t i = 0; i < events_json.size(); ++i) {
        if (i > 0) body += ',';
        body += events_json[i];
    }
    body += "]";
    const HttpResponse response = kernel.control().post("/api/v1/publish", body);
    std::vector<uint64_t> seqs;
    if (response.status == 200) {
        const json::value answer = parse_json(response.body);
        if (const auto* object = answer.if_object()) {
            if (const auto* list = object->if_contains("seqs"); list && list->is_array()) {
                for (const auto& seq : list->as_array()) seqs.push_back(seq.to_number<uint64_t>());
            }
        }
    }
    if (seqs.size() != events_json.size())
        throw std::runtime_error("publishing " + std::to_string(events_json.size()) +
                                 " events answered " + std::to_string(response.status) + ": " +
                                 response.body.substr(0, 2000));
    return seqs;
}

ClijawStream ClijawStream::open(uint16_t port, std::string_view target, const HttpHeaders& headers,
                                std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    ClijawStream stream(SseClient::connect(port, target, headers, timeout));
    SseClient& client = stream.client_;
    if (client.status() != 200) {
        client.wait_ended(std::chrono::seconds(2));
        throw std::runtime_error("GET " + std::string(target) + " answered " +
                                 std::to_string(client.status()) + ": " + client.unparsed());
    }
    auto connected = [&] {
        const auto& comments = client.comments();
        return std::find(comments.begin(), comments.end(), "connected") != comments.end();
    };
    while (!connected() && !client.ended() && std::chrono::steady_clock::now() < deadline) {
        if (auto event = client.next(std::chrono::milliseconds(20)))
            stream.early_.push_back(std::move(*event));
    }
    if (!connected())
        throw std::runtime_error("GET " + std::string(target) +
                                 ": no \": connected\" comment arrived");
    return stream;
}

std::optional<SseEvent> ClijawStream::next(std::chrono::milliseconds timeout) {
    if (!early_.empty()) {
        SseEvent event = std::move(early_.front());
        early_.pop_front();
        return event;
    }
    return client_.next(timeout);
}

json::object data_object(const SseEvent& event) {
    const json::value value = parse_json(event.data);
    if (!value.is_object()) throw std::runtime_error("event data is not an object: " + event.data);
    return value.as_object();
}

std::string event_name(const SseEvent& event) {
    try {
        return string_field(parse_json(event.data), "event");
    } catch (const std::exception&) {
        return "";
    }
}

std::optional<uint64_t> event_seq(const SseEvent& event) {
    if (!event.id) return std::nullopt;
    uint64_t seq = 0;
    const auto* begin = event.id->data();
    const auto* end = begin + event.id->size();
    const auto [ptr, ec] = std::from_chars(begin, end, seq);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return seq;
}

std::vector<uint64_t> seqs_of(const std::vector<SseEvent>& events) {
    std::vector<uint64_t> seqs;
    for (const auto& event : events) seqs.push_back(event_seq(event).value_or(0));
    return seqs;
}

std::string describe(const std::vector<SseEvent>& events) {
    std::string text;
    for (const auto& event : events) {
        text += "id=" + event.id.value_or("<none>") + " data=" + event.data.substr(0, 200) + "\n";
    }
    return text;
}

std::vector<SseEvent> parse_sse_events(std::string_view body) {
    std::vector<SseEvent> events;
    SseEvent current;
    bool has_fields = false;
    bool has_data = false;
    while (!body.empty()) {
        const auto end = body.find('\n');
        if (end == std::string_view::npos) break; // an unfinished line
        std::string_view line = body.substr(0, end);
        body.remove_prefix(end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) {
            if (has_fields) events.push_back(std::move(current));
            current = SseEvent{};
            has_fields = has_data = false;
            continue;
        }
        if (line.front() == ':') continue;
        const auto colon = line.find(':');
        const std::string_view field = line.substr(0, colon);
        std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (field == "data") {
            if (has_data) current.data += '\n';
            current.data += value;
            has_data = true;
        } else if (field == "id") {
            current.id = std::string(value);
        } else if (field == "event") {
            current.event = std::string(value);
        } else {
            continue;
        }
        has_fields = true;
    }
    return events;
}

std::string RawResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key == name) return value;
    }
    return "";
}

size_t RawResponse::header_count(std::string_view name) const {
    return size_t(std::count_if(headers.begin(), headers.end(),
                                [&](const auto& header) { return header.first == name; }));
}

RawResponse split_response(const std::string& received) {
    RawResponse response;
    const auto head_end = received.find("\r\n\r\n");
    if (head_end == std::string::npos) return response;
    std::string_view head(received.data(), head_end);
    const auto line_end = head.find("\r\n");
    const std::string_view status_line = head.substr(0, line_end);
    const auto space = status_line.find(' ');
    if (space != std::string_view::npos && status_line.size() >= space + 4)
        std::from_chars(status_line.data() + space + 1, status_line.data() + space + 4,
                        response.status);
    head = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
    while (!head.empty()) {
        const auto next = head.find("\r\n");
        std::string_view line = head.substr(0, next);
        head = next == std::string_view::npos ? std::string_view() : head.substr(next + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string name(line.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return char(std::tolower(c)); });
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
            value.remove_prefix(1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
            value.remove_suffix(1);
        response.headers.emplace_back(std::move(name), std::string(value));
    }
    response.body = received.substr(head_end + 4);
    return response;
}

bool response_complete(const std::string& received) {
    const RawResponse response = split_response(received);
    if (response.status == 0) return false;
    const std::string length = response.header("content-length");
    if (length.empty()) return true;
    return response.body.size() >= std::stoull(length);
}

} // namespace switchyard::test
