// One HTTP request and its answer. The session hands it to the endpoint's service,
// which answers exactly once, from any thread: a response, or the hand-over of the
// socket to a WebSocket or SSE connection.
#pragma once

#include "files/file_answer.hpp"
#include "net/connection.hpp"
#include "net/upstream_target.hpp"

#include <switchyard/plugin.h>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace switchyard {

class HttpSession;

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HeaderList = std::vector<std::pair<std::string, std::string>>;

class HttpExchange {
  public:
    HttpExchange(std::shared_ptr<HttpSession> session, HttpRequest request,
                 std::string peer_address, uint16_t peer_port, uint16_t local_port,
                 std::string endpoint);
    HttpExchange(const HttpExchange&) = delete;
    HttpExchange& operator=(const HttpExchange&) = delete;

    const HttpRequest& request() const noexcept { return request_; }
    // Moves the body out of the request (afterwards request().body() and the ABI view of
    // it are empty): a handler that keeps a parsed copy of a large body (a 32 MiB
    // publish) frees the original as soon as it is read, not when the answer is written.
    std::string take_body() noexcept;
    // The request as the ABI presents it; its views point into request().
    const sy_request_v1& abi_request() const noexcept { return abi_; }
    std::string_view path() const noexcept { return path_; }
    std::string_view query() const noexcept { return query_; }
    const std::string& peer_address() const noexcept { return peer_address_; }
    bool peer_is_loopback() const noexcept;
    bool is_websocket_upgrade() const;

    // Sets which route of which endpoint matched (reported to the plugin in
    // abi_request()). `endpoint` is the name the plugin declared; it must outlive this.
    void set_route(sy_route_kind kind, uint32_t index, std::string_view endpoint) noexcept;
    // Names the request for a deferred answer (abi_request().request_id).
    void set_request_id(sy_request_id id) noexcept { abi_.request_id = id; }
    // True once the client has gone (it closed, or the connection failed): an answer now
    // reaches no one. Any thread.
    bool client_gone() const noexcept;
    // The answer will come later: watch the connection meanwhile, so client_gone() learns
    // of a client that leaves before it.
    void await_later_answer();

    // Tells `observer` the answer's status once it is given (a response, 101 for a
    // WebSocket upgrade, 200 for an event stream), on the answering thread (the control
    // API's request metrics). Set before answering; called at most once.
    void observe_answer(std::function<void(unsigned status)> observer) {
        answer_observer_ = std::move(observer);
    }

    // Answers with a complete response.
    void respond(unsigned status, std::string_view content_type, std::string body,
                 const HeaderList& headers = {});
    // Answers with a file (the file service's answer): its head, then its bytes sent
    // from the open file by the session's worker. 404 and 416 get the kernel's JSON error.
    void respond_file(FileAnswer answer);
    // Answers 101 and turns the socket into a WebSocket connection. `opened` runs on
    // the connection's worker before it reads its first byte. A handshake that is not
    // valid WebSocket is answered 400 (or 426 for a wrong version) instead.
    void accept_websocket(ConnectionObserver& observer, const ConnectionLimits& limits,
                          std::function<void(Connection&)> opened, const HeaderList& headers = {});
    // Answers with the SSE response head, `headers` appended (the plugin's CORS headers,
    // ...), and turns the socket into an event stream.
    void accept_sse(ConnectionObserver& observer, const ConnectionLimits& limits,
                    std::function<void(Connection&)> opened, const HeaderList& headers = {});

  private:
    void build_abi_request();
    // Calls the answer observer, if any, once.
    void answered(unsigned status);

    std::shared_ptr<HttpSession> session_;
    HttpRequest request_;
    std::string peer_address_;
    uint16_t peer_port_;
    uint16_t local_port_;
    std::string endpoint_;
    std::string_view path_;
    std::string_view query_;
    std::vector<sy_header> headers_;
    sy_request_v1 abi_{};
    std::function<void(unsigned)> answer_observer_;
};

using HttpExchangePtr = std::shared_ptr<HttpExchange>;

// What an endpoint does with its requests: a plugin's routes, or the control API.
class HttpService {
  public:
    virtual ~HttpService() = default;
    // A complete request. Must answer through the exchange, now or later.
    virtual void handle(const HttpExchangePtr& exchange) = 0;
    // The largest request body accepted (413 above it).
    virtual uint64_t max_body_bytes() const = 0;
    // Answers a request the session refused before handle() (bad request, too large).
    virtual void reject(HttpExchange& exchange, unsigned status, std::string_view code,
                        std::string_view message);

    // -- the upstream pass-through (a plugin's requests for the product's own backend) --

    // True when some requests may go to an upstream server: the session then looks at
    // each request's head before it reads the body. Network threads; cheap.
    virtual bool has_upstream() const { return false; }
    // True when this request, whose head has just arrived, goes to the upstream (its
    // body is then streamed there, never read whole). Network threads.
    virtual bool goes_upstream(std::string_view method, std::string_view path) const {
        (void)method;
        (void)path;
        return false;
    }
    // What a request that may pass needs: where it goes, and the headers added to the
    // upstream's answer.
    struct UpstreamPass {
        std::shared_ptr<const UpstreamTarget> target;
        HeaderList response_headers;
    };
    // Screens a request that goes upstream; its exchange holds the head alone. Either
    // answers the exchange (refused: the connection then closes, the body unread) or
    // calls `pass` once, from any thread.
    virtual void screen_upstream(const HttpExchangePtr& exchange,
                                 std::function<void(UpstreamPass)> pass);
};

// The error body every kernel-made error response uses: {"error": code, "message": ...}.
std::string error_json(std::string_view code, std::string_view message);

} // namespace switchyard
