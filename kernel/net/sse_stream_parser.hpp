// Parsing a text/event-stream body as it arrives (WHATWG HTML, "Server-sent events",
// the event stream interpretation), for the streams the kernel follows for a plugin.
//
// Pure: bytes in, events out, no I/O, so every rule is unit-tested on any chunking.
// Rules kept: lines end with LF, CRLF or CR (a CR that ends one chunk and the LF that
// starts the next are one line end); a leading BOM is skipped; "field: value" loses one
// space after the colon, a line without a colon is a field with an empty value; a line
// starting with ':' is a comment; data lines are joined with '\n'; id persists until the
// next id line, and an id holding NUL is ignored; retry and unknown fields are ignored;
// a blank line dispatches the event, unless it had no data line (its id still counts).
//
// Bounds: a line longer than max_event_bytes plus a field name's worth, or an event
// whose data grows past max_event_bytes, stops the parser ("event too large"): nothing
// a server sends grows memory past about twice the bound.
//
// Bytes are passed through as they are: invalid UTF-8 is not replaced with U+FFFD (the
// spec's decoder would), because the plugin validates what it reads (JSON) anyway and
// rewriting would cost a pass over every event.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace switchyard {

// One dispatched event. Views into the parser: valid during the sink's call.
struct SseEventView {
    std::string_view id;    // the last id seen on the stream; empty when none
    std::string_view event; // the event field; empty when absent
    std::string_view data;  // the data lines joined with '\n'
};

class SseStreamParser {
  public:
    // Called once per dispatched event, in stream order.
    using Sink = std::function<void(const SseEventView&)>;

    // Room a line may take beyond max_event_bytes: its field name and separator.
    static constexpr size_t kFieldSlack = 16;

    SseStreamParser(size_t max_event_bytes, Sink sink);

    // Parses `bytes`, calling the sink for each event completed in them. False once the
    // stream broke a bound (then error() says why and later calls do nothing).
    bool feed(std::string_view bytes);
    // Why the parser stopped; empty while it runs.
    const std::string& error() const noexcept { return error_; }
    // The last event id seen (what a reconnect would send as Last-Event-ID).
    const std::string& last_id() const noexcept { return last_id_; }

  private:
    bool take_line_byte(char c);
    bool end_line();
    void process_field(std::string_view field, std::string_view value);
    void dispatch();
    bool fail(std::string why);

    size_t max_event_bytes_;
    Sink sink_;
    std::string line_;
    std::string data_;
    std::string event_;
    std::string last_id_;
    std::string error_;
    bool has_data_ = false;
    bool after_cr_ = false;  // the last byte was a CR that ended a line
    size_t bom_matched_ = 0; // bytes of a leading BOM matched so far
    bool started_ = false;   // past the place a BOM may be
};

} // namespace switchyard
