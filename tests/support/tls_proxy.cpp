#include "tls_proxy.hpp"

#include "free_port.hpp"
#include "wait_until.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace switchyard::test {

namespace asio = boost::asio;

namespace {

bool accepts_connections(uint16_t port) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    return !ec;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void make_certificate(const TempDir& dir) {
    const std::string log = (dir.path() / "openssl.log").string();
    auto openssl = ChildProcess::spawn(
        {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout",
         (dir.path() / "key.pem").string(), "-out", (dir.path() / "cert.pem").string()},
        log);
    const auto status = openssl.wait_exit(std::chrono::seconds(20));
    if (status != 0)
        throw std::runtime_error("openssl could not make a certificate: " +
                                 read_file(dir.path() / "openssl.log"));
}

std::string nginx_config(const TempDir& dir, uint16_t port, uint16_t upstream_port) {
    const std::string d = dir.path().string();
    std::string c;
    c += "daemon off;\nmaster_process off;\nworker_processes 1;\n";
    c += "pid " + d + "/nginx.pid;\nerror_log " + d + "/error.log info;\n";
    c += "events { worker_connections 128; }\n";
    c += "http {\n";
    c += "  access_log " + d + "/access.log;\n";
    for (const char* kind : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
        c += "  " + std::string(kind) + "_temp_path " + d + "/" + kind + ";\n";
    // What seed 000 asks of a proxy: forward /ws keeping Upgrade and Connection, keep the
    // browser's Host so that its Origin matches, and (nginx's default) pass Set-Cookie on.
    // X-Forwarded-Proto tells the upstream the browser spoke https, as every TLS proxy
    // should: jarvis marks the token cookie Secure then.
    const std::string upstream = "http://127.0.0.1:" + std::to_string(upstream_port);
    c += "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n";
    c += "  server {\n";
    c += "    listen 127.0.0.1:" + std::to_string(port) + " ssl;\n";
    c += "    ssl_certificate " + d + "/cert.pem;\n";
    c += "    ssl_certificate_key " + d + "/key.pem;\n";
    c += "    proxy_http_version 1.1;\n";
    c += "    proxy_set_header Host $http_host;\n";
    c += "    proxy_set_header X-Forwarded-Proto $scheme;\n";
    c += "    location /ws {\n";
    c += "      proxy_pass " + upstream + ";\n";
    // proxy_set_header in a location replaces the server's list, so it is repeated whole.
    c += "      proxy_set_header Host $http_host;\n";
    c += "      proxy_set_header X-Forwarded-Proto $scheme;\n";
    c += "      proxy_set_header Upgrade $http_upgrade;\n";
    c += "      proxy_set_header Connection $connection_upgrade;\n";
    c += "      proxy_read_timeout 120s;\n";
    c += "    }\n";
    c += "    location / {\n";
    c += "      proxy_pass " + upstream + ";\n";
    c += "    }\n  }\n}\n";
    return c;
}

} // namespace

TlsProxy TlsProxy::start(uint16_t upstream_port, std::chrono::milliseconds timeout) {
    TempDir dir("nginx");
    make_certificate(dir);
    std::string failures;
    for (int attempt = 0; attempt < 5; ++attempt) {
        const uint16_t port = free_port();
        const auto config = dir.write("nginx.conf", nginx_config(dir, port, upstream_port));
        auto nginx =
            ChildProcess::spawn({"/usr/sbin/nginx", "-p", dir.path().string(), "-e",
                                 (dir.path() / "error.log").string(), "-c", config.string()},
                                (dir.path() / "stderr.log").string());
        const bool up = wait_until([&] { return !nginx.running() || accepts_connections(port); },
                                   timeout, std::chrono::milliseconds(20));
        if (up && nginx.running()) return TlsProxy(std::move(dir), std::move(nginx), port);
        failures += "port " + std::to_string(port) + ": " + read_file(dir.path() / "error.log") +
                    read_file(dir.path() / "stderr.log") + "\n";
        nginx.kill();
    }
    throw std::runtime_error("nginx did not start:\n" + failures);
}

std::filesystem::path TlsProxy::certificate() const {
    return dir_.path() / "cert.pem";
}

std::string TlsProxy::log() const {
    return read_file(dir_.path() / "error.log");
}

} // namespace switchyard::test
