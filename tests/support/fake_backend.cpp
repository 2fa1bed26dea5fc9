#include "fake_backend.hpp"

#include "ascii_lower.hpp"
#include "wait_until.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <sys/socket.h>

#include <mutex>
#include <thread>

namespace switchyard::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

std::optional<std::string> BackendRequest::header(std::string_view name) const {
    const std::string wanted = detail::ascii_lower(name);
    for (const auto& [field, value] : headers) {
        if (detail::ascii_lower(field) == wanted) return value;
    }
    return std::nullopt;
}

size_t BackendRequest::header_count(std::string_view name) const {
    const std::string wanted = detail::ascii_lower(name);
    size_t count = 0;
    for (const auto& [field, value] : headers)
        count += detail::ascii_lower(field) == wanted ? 1 : 0;
    return count;
}

struct FakeBackend::Impl {
    struct Route {
        std::string method;
        std::string path;
        BackendHandler handler;
    };

    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::thread accept_thread;
    mutable std::mutex mutex;
    std::vector<Route> routes;
    std::vector<BackendRequest> received;
    std::vector<std::shared_ptr<tcp::socket>> sockets;
    std::vector<std::thread> session_threads;
    bool stopping = false;

    BackendResponse answer(const BackendRequest& request) {
        const std::string_view target = request.target;
        const std::string path(target.substr(0, target.find('?')));
        BackendHandler handler;
        {
            std::lock_guard lock(mutex);
            for (auto it = routes.rbegin(); it != routes.rend(); ++it) {
                if ((it->method == "*" || it->method == request.method) && it->path == path) {
                    handler = it->handler;
                    break;
                }
            }
        }
        if (!handler)
            return BackendResponse{404, "application/json", {}, R"({"error":"Not found"})"};
        return handler(request);
    }

    void serve(const std::shared_ptr<tcp::socket>& socket) {
        beast::flat_buffer buffer;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(512ull * 1024 * 1024);
            beast::error_code ec;
            http::read(*socket, buffer, parser, ec);
            if (ec) return;
            const auto& message = parser.get();
            BackendRequest request;
            request.method = std::string(message.method_string());
            request.target = std::string(message.target());
            for (const auto& field : message) {
                request.headers.emplace_back(std::string(field.name_string()),
                                             std::string(field.value()));
            }
            request.body = message.body();
            {
                std::lock_guard lock(mutex);
                received.push_back(request);
            }
            const BackendResponse reply = answer(request);
            http::response<http::string_body> response{static_cast<http::status>(reply.status), 11};
            response.set(http::field::content_type, reply.content_type);
            for (const auto& [name, value] : reply.headers) response.insert(name, value);
            response.body() = reply.body;
            response.keep_alive(message.keep_alive());
            response.prepare_payload();
            if (message.method() == http::verb::head) {
                // The length the body would have, without the body.
                http::response_serializer<http::string_body> head(response);
                http::write_header(*socket, head, ec);
            } else {
                http::write(*socket, response, ec);
            }
            if (ec || !message.keep_alive()) return;
        }
    }

    void accept_loop() {
        for (;;) {
            auto socket = std::make_shared<tcp::socket>(io);
            beast::error_code ec;
            acceptor.accept(*socket, ec);
            std::lock_guard lock(mutex);
            if (stopping || ec) return;
            sockets.push_back(socket);
            session_threads.emplace_back([this, socket] { serve(socket); });
        }
    }
};

FakeBackend::FakeBackend() : impl_(std::make_unique<Impl>()) {
    const tcp::endpoint local(asio::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(local.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(local);
    impl_->acceptor.listen();
    impl_->accept_thread = std::thread([impl = impl_.get()] { impl->accept_loop(); });
}

FakeBackend::~FakeBackend() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
        beast::error_code ignored;
        // shutdown() wakes a thread blocked in accept() or read(); close() alone may not.
        ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
        for (auto& socket : impl_->sockets) socket->shutdown(tcp::socket::shutdown_both, ignored);
    }
    impl_->accept_thread.join();
    for (auto& thread : impl_->session_threads) thread.join();
}

void FakeBackend::route(std::string method, std::string path, BackendHandler handler) {
    std::lock_guard lock(impl_->mutex);
    impl_->routes.push_back({std::move(method), std::move(path), std::move(handler)});
}

void FakeBackend::route_json(std::string method, std::string path, std::string json_body,
                             unsigned status) {
    route(std::move(method), std::move(path),
          [body = std::move(json_body), status](const BackendRequest&) {
              return BackendResponse{status, "application/json", {}, body};
          });
}

uint16_t FakeBackend::port() const {
    return impl_->acceptor.local_endpoint().port();
}

std::string FakeBackend::url() const {
    return "http://127.0.0.1:" + std::to_string(port());
}

std::vector<BackendRequest> FakeBackend::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->received;
}

std::optional<BackendRequest> FakeBackend::wait_for(std::string_view path,
                                                    std::chrono::milliseconds timeout) const {
    std::optional<BackendRequest> found;
    wait_until(
        [&] {
            std::lock_guard lock(impl_->mutex);
            for (const auto& request : impl_->received) {
                const std::string_view target = request.target;
                if (target.substr(0, target.find('?')) == path) {
                    found = request;
                    return true;
                }
            }
            return false;
        },
        timeout);
    return found;
}

} // namespace switchyard::test
