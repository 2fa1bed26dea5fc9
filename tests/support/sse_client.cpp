#include "sse_client.hpp"

#include "ascii_lower.hpp"
#include "io_deadline.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <stdexcept>

namespace switchyard::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using detail::Clock;
using error_code = boost::system::error_code;

namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// "field: value" → value without the one optional space after the colon.
std::string_view field_value(std::string_view line, std::size_t colon) {
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    return value;
}

} // namespace

struct SseClient::Impl {
    asio::io_context io;
    tcp::socket socket{io};
    std::string request;
    std::array<char, 16384> chunk{};
    bool reading = false;
    bool ended = false;
    std::string end_reason;

    // The response head, then the body: raw bytes until the head is complete.
    std::string raw;
    bool head_done = false;
    unsigned status = 0;
    std::map<std::string, std::string> headers;

    // Chunked transfer decoding, when the response uses it.
    bool chunked = false;
    std::string chunk_raw;
    std::size_t chunk_left = 0;
    bool in_chunk_data = false;

    // The decoded body not yet parsed into lines, and the event being assembled.
    // `scanned`: how much of `body` is known to hold no line end, so an event of many
    // megabytes arriving in small reads is scanned once, not once per read.
    std::string body;
    std::size_t scanned = 0;
    SseEvent current;
    bool current_has_fields = false;
    bool current_has_data = false;
    std::deque<SseEvent> events;
    std::vector<std::string> comments;

    ~Impl() {
        drop();
        io.restart();
        io.poll();
    }

    void drop() {
        error_code ignored;
        socket.close(ignored);
    }

    void finish(std::string reason) {
        if (ended) return;
        ended = true;
        end_reason = std::move(reason);
        parse_lines();
    }

    void start_read() {
        if (reading || ended) return;
        reading = true;
        socket.async_read_some(asio::buffer(chunk), [this](error_code ec, std::size_t n) {
            reading = false;
            if (n > 0) take(std::string_view(chunk.data(), n));
            if (ec) {
                finish(ec.message());
                return;
            }
            start_read();
        });
    }

    void take(std::string_view bytes) {
        if (!head_done) {
            raw.append(bytes);
            const auto end = raw.find("\r\n\r\n");
            if (end == std::string::npos) return;
            parse_head(std::string_view(raw).substr(0, end));
            head_done = true;
            const std::string rest = raw.substr(end + 4);
            raw.clear();
            take_body(rest);
            return;
        }
        take_body(bytes);
    }

    void parse_head(std::string_view head) {
        const auto line_end = head.find("\r\n");
        const std::string_view status_line = head.substr(0, line_end);
        const auto space = status_line.find(' ');
        if (space != std::string_view::npos)
            status = unsigned(std::atoi(std::string(status_line.substr(space + 1, 3)).c_str()));
        std::string_view rest =
            line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
        while (!rest.empty()) {
            const auto next = rest.find("\r\n");
            const std::string_view line = rest.substr(0, next);
            rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 2);
            const auto colon = line.find(':');
            if (colon == std::string_view::npos) continue;
            auto& value = headers[detail::ascii_lower(trim(line.substr(0, colon)))];
            if (!value.empty()) value += ", ";
            value += trim(line.substr(colon + 1));
        }
        chunked =
            detail::ascii_lower(headers["transfer-encoding"]).find("chunked") != std::string::npos;
    }

    void take_body(std::string_view bytes) {
        if (!chunked) {
            body.append(bytes);
        } else {
            chunk_raw.append(bytes);
            decode_chunks();
        }
        parse_lines();
    }

    void decode_chunks() {
        for (;;) {
            if (in_chunk_data) {
                const std::size_t n = std::min(chunk_left, chunk_raw.size());
                body.append(chunk_raw, 0, n);
                chunk_raw.erase(0, n);
                chunk_left -= n;
                if (chunk_left > 0 || chunk_raw.size() < 2) return;
                chunk_raw.erase(0, 2); // the CRLF after the data
                in_chunk_data = false;
            }
            const auto line_end = chunk_raw.find("\r\n");
            if (line_end == std::string::npos) return;
            chunk_left = std::strtoull(chunk_raw.substr(0, line_end).c_str(), nullptr, 16);
            chunk_raw.erase(0, line_end + 2);
            if (chunk_left == 0) {
                drop(); // the last chunk: the stream is over
                finish("the server ended the chunked body");
                return;
            }
            in_chunk_data = true;
        }
    }

    // Splits the body into lines (LF, CRLF or CR) and feeds them to the event parser.
    // Only a 200 response is an event stream; any other body is kept whole.
    void parse_lines() {
        if (status != 200) return;
        for (;;) {
            const auto end = body.find_first_of("\r\n", scanned);
            if (end == std::string::npos) {
                scanned = body.size();
                return;
            }
            // A CR at the end of what arrived may be the first half of a CRLF.
            if (body[end] == '\r' && end + 1 == body.size() && !ended) {
                scanned = end;
                return;
            }
            std::size_t next = end + 1;
            if (body[end] == '\r' && next < body.size() && body[next] == '\n') ++next;
            const std::string line = body.substr(0, end);
            body.erase(0, next);
            scanned = 0;
            parse_line(line);
        }
    }

    void parse_line(std::string_view line) {
        if (line.empty()) {
            if (current_has_fields) events.push_back(std::move(current));
            current = SseEvent{};
            current_has_fields = false;
            current_has_data = false;
            return;
        }
        if (line.front() == ':') {
            comments.push_back(std::string(field_value(line, 0)));
            return;
        }
        const auto colon = line.find(':');
        const std::string_view field = line.substr(0, colon);
        const std::string_view value =
            colon == std::string_view::npos ? std::string_view() : field_value(line, colon);
        if (field == "data") {
            if (current_has_data) current.data += '\n';
            current.data += value;
            current_has_data = true;
        } else if (field == "id") {
            current.id = std::string(value);
        } else if (field == "event") {
            current.event = std::string(value);
        } else {
            return; // retry and unknown fields carry no event content
        }
        current_has_fields = true;
    }
};

SseClient::SseClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SseClient::SseClient(SseClient&&) noexcept = default;
SseClient& SseClient::operator=(SseClient&&) noexcept = default;
SseClient::~SseClient() = default;

SseClient SseClient::connect(uint16_t port, std::string_view target, const HttpHeaders& headers,
                             std::chrono::milliseconds timeout) {
    const std::string where = "GET http://127.0.0.1:" + std::to_string(port) + std::string(target);
    auto impl = std::make_unique<Impl>();
    const auto deadline = Clock::now() + timeout;
    auto cancel = [&] { impl->drop(); };

    detail::connect_or_throw(impl->io, impl->socket, "127.0.0.1", port, deadline, cancel, where);

    impl->request = "GET " + std::string(target) +
                    " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nAccept: text/event-stream\r\n";
    for (const auto& [name, value] : headers) impl->request += name + ": " + value + "\r\n";
    impl->request += "\r\n";
    const detail::Outcome written = detail::run_operation(
        impl->io,
        [&](auto handler) {
            asio::async_write(impl->socket, asio::buffer(impl->request), std::move(handler));
        },
        deadline, cancel);
    if (!written.ok())
        throw std::runtime_error(where + ": cannot send the request: " + written.error.message());

    impl->start_read();
    Impl& state = *impl;
    if (!detail::run_until(
            state.io, [&] { return state.head_done || state.ended; }, deadline) ||
        !state.head_done)
        throw std::runtime_error(where + ": no response head" +
                                 (state.ended ? ": " + state.end_reason : " (timed out)"));
    return SseClient(std::move(impl));
}

unsigned SseClient::status() const {
    return impl_->status;
}

std::string SseClient::header(std::string_view name) const {
    auto it = impl_->headers.find(detail::ascii_lower(name));
    return it == impl_->headers.end() ? std::string() : it->second;
}

std::optional<SseEvent> SseClient::next(std::chrono::milliseconds timeout) {
    Impl& impl = *impl_;
    return detail::take_next(
        impl.io, impl.events, impl.ended, [&] { impl.start_read(); }, timeout);
}

const std::vector<std::string>& SseClient::comments() const {
    return impl_->comments;
}

std::string SseClient::unparsed() const {
    return impl_->body;
}

bool SseClient::wait_ended(std::chrono::milliseconds timeout) {
    Impl& impl = *impl_;
    impl.start_read();
    return detail::run_until(
        impl.io, [&] { return impl.ended; }, Clock::now() + timeout);
}

bool SseClient::ended() const {
    return impl_->ended;
}

} // namespace switchyard::test
