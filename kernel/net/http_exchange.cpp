#include "net/http_exchange.hpp"

#include "log/rate_limited_log.hpp"
#include "net/header_field.hpp"
#include "net/http_session.hpp"
#include "net/sse_connection.hpp"
#include "net/websocket_connection.hpp"
#include "net/websocket_handshake.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <spdlog/spdlog.h>

namespace switchyard {

namespace http = boost::beast::http;

namespace {
sy_str view(std::string_view s) {
    return sy_str{s.data(), s.size()};
}

RateLimitedLog bad_headers_log("response headers dropped");

// The headers of `headers` that are valid fields. The heads of WebSocket and SSE answers
// are written as raw bytes, and Beast does not check a field's value either: a plugin's
// header with a CR or LF in it would split the response. It is dropped and logged.
template <class Headers>
Headers valid_fields(const Headers& headers) {
    Headers kept;
    kept.reserve(headers.size());
    for (const auto& header : headers) {
        if (is_valid_header_field(header.first, header.second)) {
            kept.push_back(header);
        } else {
            bad_headers_log.warn("dropped a response header that is not a valid field (\"{}\")",
                                 std::string_view(header.first).substr(0, 64));
        }
    }
    return kept;
}
} // namespace

std::string error_json(std::string_view code, std::string_view message) {
    std::string out = R"({"error":)";
    out += boost::json::serialize(boost::json::string(code));
    out += R"(,"message":)";
    out += boost::json::serialize(boost::json::string(message));
    out += '}';
    return out;
}

void HttpService::reject(HttpExchange& exchange, unsigned status, std::string_view code,
                         std::string_view message) {
    exchange.respond(status, "application/json", error_json(code, message));
}

void HttpService::screen_upstream(const HttpExchangePtr& exchange,
                                  std::function<void(UpstreamPass)> pass) {
    (void)pass;
    exchange->respond(404, "application/json", error_json("NOT_FOUND", "no such route"));
}

HttpExchange::HttpExchange(std::shared_ptr<HttpSession> session, HttpRequest request,
                           std::string peer_address, uint16_t peer_port, uint16_t local_port,
                           std::string endpoint)
    : session_(std::move(session)),
      request_(std::move(request)),
      peer_address_(std::move(peer_address)),
      peer_port_(peer_port),
      local_port_(local_port),
      endpoint_(std::move(endpoint)) {
    const std::string_view target(request_.target().data(), request_.target().size());
    const auto q = target.find('?');
    path_ = target.substr(0, q);
    query_ = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    build_abi_request();
}

void HttpExchange::build_abi_request() {
    headers_.clear();
    for (const auto& field : request_)
        headers_.push_back({view(field.name_string()), view(field.value())});
    abi_.struct_size = sizeof(sy_request_v1);
    abi_.method = view(request_.method_string());
    abi_.target = view(request_.target());
    abi_.path = view(path_);
    abi_.query = view(query_);
    abi_.headers = headers_.data();
    abi_.header_count = headers_.size();
    abi_.body = view(std::string_view(request_.body()));
    abi_.peer_address = view(peer_address_);
    abi_.peer_port = peer_port_;
    abi_.local_port = local_port_;
    abi_.endpoint = view(endpoint_);
    abi_.route_kind = 0;
    abi_.route_index = 0;
}

bool HttpExchange::client_gone() const noexcept {
    return session_->peer_gone();
}

void HttpExchange::await_later_answer() {
    auto session = session_;
    session->on_worker([session] { session->watch_peer(); });
}

void HttpExchange::respond_file(FileAnswer answer) {
    switch (answer.status) {
        case 200:
        case 206: break;
        case 304: respond(304, {}, {}, answer.headers); return;
        case 416:
            respond(416, "application/json",
                    error_json("RANGE_NOT_SATISFIABLE", "the range is outside the file"),
                    answer.headers);
            return;
        case 404: respond(404, "application/json", error_json("NOT_FOUND", "no such file")); return;
        default:
            respond(500, "application/json", error_json("INTERNAL", "the file cannot be read"));
            return;
    }
    auto head = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(answer.status), request_.version());
    head->set(http::field::server, "switchyard");
    for (const auto& [name, value] : valid_fields(answer.headers)) head->insert(name, value);
    // The body is sent from the file after this head, so the length is set by hand.
    head->content_length(answer.content_length);
    const bool send_bytes = request_.method() != http::verb::head && answer.file;
    auto body = std::make_shared<HttpSession::FileBody>();
    if (send_bytes) {
        body->file = std::move(answer.file);
        body->offset = answer.offset;
        body->remaining = answer.length;
    }
    auto session = session_;
    session->on_worker(
        [session, head, body] { session->write_file_response(head, std::move(*body)); });
}

void HttpExchange::set_route(sy_route_kind kind, uint32_t index,
                             std::string_view endpoint) noexcept {
    abi_.route_kind = kind;
    abi_.route_index = index;
    abi_.endpoint = view(endpoint);
}

std::string HttpExchange::take_body() noexcept {
    std::string body = std::move(request_.body());
    request_.body().clear();
    abi_.body = {};
    return body;
}

void HttpExchange::answered(unsigned status) {
    if (answer_observer_) std::exchange(answer_observer_, nullptr)(status);
}

bool HttpExchange::peer_is_loopback() const noexcept {
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(peer_address_, ec);
    if (ec) return false;
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
            .is_loopback();
    }
    return address.is_loopback();
}

bool HttpExchange::is_websocket_upgrade() const {
    return boost::beast::websocket::is_upgrade(request_);
}

void HttpExchange::respond(unsigned status, std::string_view content_type, std::string body,
                           const HeaderList& headers) {
    // Interim answers are not ours to give here, and 204/304 carry no body (Beast would
    // refuse to frame one).
    if (status < 200 || status > 599) status = 500;
    answered(status);
    const bool bodiless = status == 204 || status == 304;
    if (bodiless) body.clear();
    auto response = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(status), request_.version());
    response->set(http::field::server, "switchyard");
    if (!bodiless && (!body.empty() || !content_type.empty())) {
        response->set(http::field::content_type,
                      content_type.empty() ? std::string_view("application/json") : content_type);
    }
    for (const auto& [name, value] : valid_fields(headers)) response->insert(name, value);
    response->body() = std::move(body);
    response->prepare_payload();
    if (request_.method() == http::verb::head) {
        // The answer to HEAD says how long the body would be, and sends none (RFC 9110
        // section 9.3.2): a body here would be read as the start of the next response.
        response->body().clear();
    }
    auto session = session_;
    session->on_worker([session, response] { session->write_response(response); });
}

void HttpExchange::accept_websocket(ConnectionObserver& observer, const ConnectionLimits& limits,
                                    std::function<void(Connection&)> opened,
                                    const HeaderList& headers) {
    if (auto problem = websocket_handshake_error(request_)) {
        const bool wrong_version =
            request_[http::field::sec_websocket_version] != "13" && is_websocket_upgrade();
        respond(wrong_version ? 426 : 400, "application/json",
                error_json(wrong_version ? "UPGRADE_REQUIRED" : "BAD_HANDSHAKE", *problem),
                wrong_version ? HeaderList{{"Sec-WebSocket-Version", "13"}} : HeaderList{});
        return;
    }
    std::string head =
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Accept: ";
    const auto key = request_[http::field::sec_websocket_key];
    head += websocket_accept_key(std::string_view(key.data(), key.size()));
    head += "\r\n";
    for (const auto& [name, value] : valid_fields(headers)) head += name + ": " + value + "\r\n";
    head += "\r\n";
    answered(101);
    auto session = session_;
    session->on_worker(
        [session, head = std::move(head), &observer, limits, opened = std::move(opened)]() mutable {
            session->upgrade(
                std::move(head),
                [&](boost::asio::ip::tcp::socket socket) -> std::shared_ptr<Connection> {
                    return std::make_shared<WebSocketConnection>(
                        session->worker_, std::move(socket), observer, limits);
                },
                opened);
        });
}

void HttpExchange::accept_sse(ConnectionObserver& observer, const ConnectionLimits& limits,
                              std::function<void(Connection&)> opened, const HeaderList& headers) {
    answered(200);
    auto session = session_;
    session->on_worker([session, &observer, limits, opened = std::move(opened),
                        head = sse_response_head(valid_fields(headers))]() mutable {
        session->upgrade(
            std::move(head),
            [&](boost::asio::ip::tcp::socket socket) -> std::shared_ptr<Connection> {
                return std::make_shared<SseConnection>(session->worker_, std::move(socket),
                                                       observer, limits);
            },
            opened);
    });
}

} // namespace switchyard
