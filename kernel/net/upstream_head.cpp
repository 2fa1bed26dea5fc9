#include "net/upstream_head.hpp"

#include "auth/http_fields.hpp"

#include <array>

namespace switchyard {

namespace {

using auth::iequals;

constexpr std::array<std::string_view, 8> kHopByHop = {
    "connection", "keep-alive", "proxy-connection", "transfer-encoding",
    "te",         "trailer",    "upgrade",          "proxy-authorization"};

std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// True when the comma-separated list `tokens` names `name`.
bool lists(std::string_view tokens, std::string_view name) noexcept {
    while (!tokens.empty()) {
        const size_t comma = tokens.find(',');
        if (iequals(trim(tokens.substr(0, comma)), name)) return true;
        if (comma == std::string_view::npos) break;
        tokens.remove_prefix(comma + 1);
    }
    return false;
}

std::string_view field(const HeadFields& fields, std::string_view name) noexcept {
    for (const auto& [field_name, value] : fields) {
        if (iequals(field_name, name)) return value;
    }
    return {};
}

// Every Connection header's tokens, joined: a message may carry several.
std::string connection_tokens(const HeadFields& fields) {
    std::string tokens;
    for (const auto& [name, value] : fields) {
        if (!iequals(name, "connection")) continue;
        if (!tokens.empty()) tokens += ',';
        tokens += value;
    }
    return tokens;
}

void append_field(std::string& head, std::string_view name, std::string_view value) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
}

void append_framing(std::string& head, BodyFraming framing, uint64_t content_length) {
    if (framing == BodyFraming::content_length) {
        append_field(head, "Content-Length", std::to_string(content_length));
    } else if (framing == BodyFraming::chunked) {
        append_field(head, "Transfer-Encoding", "chunked");
    }
}

} // namespace

bool is_hop_by_hop(std::string_view name, std::string_view connection) noexcept {
    for (const auto hop : kHopByHop) {
        if (iequals(name, hop)) return true;
    }
    return lists(connection, name);
}

std::string upstream_request_head(const ForwardedRequest& request, std::string_view upstream_host) {
    const HeadFields& fields = *request.fields;
    const std::string connection = connection_tokens(fields);
    std::string head;
    head.reserve(512);
    head += request.method;
    head += ' ';
    head += request.target;
    head += " HTTP/1.1\r\n";
    append_field(head, "Host", upstream_host);
    std::string forwarded_for;
    for (const auto& [name, value] : fields) {
        if (is_hop_by_hop(name, connection) || iequals(name, "host") ||
            iequals(name, "content-length") || iequals(name, "expect")) {
            continue;
        }
        // The client's own X-Forwarded-* are kept only as nginx keeps them: the list of
        // addresses grows; Proto and Host say what this hop saw.
        if (iequals(name, "x-forwarded-for")) {
            if (!forwarded_for.empty()) forwarded_for += ", ";
            forwarded_for += trim(value);
            continue;
        }
        if (iequals(name, "x-forwarded-proto") || iequals(name, "x-forwarded-host")) continue;
        append_field(head, name, value);
    }
    if (!forwarded_for.empty()) forwarded_for += ", ";
    forwarded_for += request.client_address;
    append_field(head, "X-Forwarded-For", forwarded_for);
    append_field(head, "X-Forwarded-Proto", request.scheme);
    const std::string_view client_host = field(fields, "host");
    if (!client_host.empty()) append_field(head, "X-Forwarded-Host", client_host);
    append_framing(head, request.framing, request.content_length);
    append_field(head, "Connection", "close");
    head += "\r\n";
    return head;
}

std::string client_response_head(const ForwardedResponse& response) {
    const HeadFields& fields = *response.fields;
    const std::string connection = connection_tokens(fields);
    std::string head;
    head.reserve(512);
    head += response.http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    head += std::to_string(response.status);
    head += ' ';
    head += response.reason;
    head += "\r\n";
    const auto replaced_by_plugin = [&](std::string_view name) {
        if (response.extra == nullptr) return false;
        for (const auto& [extra_name, value] : *response.extra) {
            if (iequals(extra_name, name)) return true;
        }
        return false;
    };
    for (const auto& [name, value] : fields) {
        if (is_hop_by_hop(name, connection) || iequals(name, "content-length") ||
            replaced_by_plugin(name)) {
            continue;
        }
        append_field(head, name, value);
    }
    if (response.extra != nullptr) {
        for (const auto& [name, value] : *response.extra) append_field(head, name, value);
    }
    append_framing(head, response.framing, response.content_length);
    if (response.keep_alive) {
        if (response.http10) append_field(head, "Connection", "keep-alive");
    } else {
        append_field(head, "Connection", "close");
    }
    head += "\r\n";
    return head;
}

} // namespace switchyard
