#include "scripted_sse_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace switchyard::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using error_code = boost::system::error_code;

struct ScriptedSseServer::Impl {
    // One accepted connection: read the head, answer, then close or read until the end.
    struct Session : std::enable_shared_from_this<Session> {
        Impl& server;
        tcp::socket socket;
        std::string head;
        std::string answer;
        bool close_after;
        std::array<char, 4096> sink{};

        Session(Impl& owner, tcp::socket s, ScriptedAnswer script)
            : server(owner),
              socket(std::move(s)),
              answer(std::move(script.bytes)),
              close_after(script.close_after) {}

        void start() {
            auto self = shared_from_this();
            asio::async_read_until(socket, asio::dynamic_buffer(head), "\r\n\r\n",
                                   [self](error_code ec, std::size_t n) {
                                       if (ec) return self->ended();
                                       self->server.record(self->head.substr(0, n));
                                       self->reply();
                                   });
        }

        void reply() {
            auto self = shared_from_this();
            asio::async_write(socket, asio::buffer(answer), [self](error_code ec, std::size_t) {
                if (ec) return self->ended();
                if (self->close_after) {
                    error_code ignored;
                    self->socket.shutdown(tcp::socket::shutdown_send, ignored);
                    self->socket.close(ignored);
                    return;
                }
                self->drain();
            });
        }

        // Keeps reading (and discarding) so a client that leaves is noticed.
        void drain() {
            auto self = shared_from_this();
            socket.async_read_some(asio::buffer(sink), [self](error_code ec, std::size_t) {
                if (ec) return self->ended();
                self->drain();
            });
        }

        void ended() {
            if (!socket.is_open()) return;
            error_code ignored;
            socket.close(ignored);
            server.note_client_closed();
        }
    };

    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::vector<ScriptedAnswer> answers;
    std::vector<std::weak_ptr<Session>> sessions;
    mutable std::mutex mutex;
    std::vector<std::string> heads;
    size_t accepted = 0;
    size_t client_closed = 0;
    std::thread thread;
    uint16_t port = 0;

    void record(std::string head) {
        std::lock_guard lock(mutex);
        heads.push_back(std::move(head));
    }

    void note_client_closed() {
        std::lock_guard lock(mutex);
        ++client_closed;
    }

    void accept() {
        acceptor.async_accept([this](error_code ec, tcp::socket socket) {
            if (ec) return; // stopped
            size_t index = 0;
            {
                std::lock_guard lock(mutex);
                index = accepted++;
            }
            const ScriptedAnswer& script = answers[std::min(index, answers.size() - 1)];
            auto session = std::make_shared<Session>(*this, std::move(socket), script);
            sessions.push_back(session);
            session->start();
            accept();
        });
    }
};

ScriptedSseServer::ScriptedSseServer(std::vector<ScriptedAnswer> answers)
    : impl_(std::make_unique<Impl>()) {
    if (answers.empty()) throw std::runtime_error("ScriptedSseServer: no answer scripted");
    impl_->answers = std::move(answers);
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen();
    impl_->port = impl_->acceptor.local_endpoint().port();
    impl_->accept();
    impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

ScriptedSseServer::~ScriptedSseServer() {
    asio::post(impl_->io, [impl = impl_.get()] {
        error_code ignored;
        impl->acceptor.close(ignored);
        for (auto& weak : impl->sessions) {
            if (auto session = weak.lock()) session->socket.close(ignored);
        }
    });
    impl_->thread.join();
}

uint16_t ScriptedSseServer::port() const {
    return impl_->port;
}

size_t ScriptedSseServer::connections() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->accepted;
}

std::vector<std::string> ScriptedSseServer::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->heads;
}

size_t ScriptedSseServer::closed_by_client() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->client_closed;
}

std::string sse_answer(std::string_view body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
           "Connection: keep-alive\r\n\r\n" +
           std::string(body);
}

} // namespace switchyard::test
