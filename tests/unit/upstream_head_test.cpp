// The heads of the upstream pass-through (kernel/net/upstream_head): what the backend
// and the client see of each other's headers.
#include "net/upstream_head.hpp"

#include <catch2/catch.hpp>

using namespace switchyard;

namespace {

bool has_line(const std::string& head, const std::string& line) {
    return head.find("\r\n" + line + "\r\n") != std::string::npos;
}

} // namespace

TEST_CASE(
    "upstream head: hop-by-hop headers, those Connection names included, stop at the "
    "kernel",
    "[unit][upstream]") {
    CHECK(is_hop_by_hop("Connection", ""));
    CHECK(is_hop_by_hop("keep-alive", ""));
    CHECK(is_hop_by_hop("Transfer-Encoding", ""));
    CHECK(is_hop_by_hop("TE", ""));
    CHECK(is_hop_by_hop("Trailer", ""));
    CHECK(is_hop_by_hop("Upgrade", ""));
    CHECK(is_hop_by_hop("Proxy-Connection", ""));
    CHECK(is_hop_by_hop("X-Secret", "keep-alive, x-secret"));
    CHECK(is_hop_by_hop("X-Other", " close ,X-Other "));
    CHECK_FALSE(is_hop_by_hop("X-Secret", "keep-alive"));
    CHECK_FALSE(is_hop_by_hop("Content-Type", "close"));
    CHECK_FALSE(is_hop_by_hop("X-Sec", "x-secret"));
}

TEST_CASE("upstream head: the request the backend gets", "[unit][upstream]") {
    const HeadFields fields = {{"Host", "sy.example:3457"},
                               {"Connection", "keep-alive, X-Secret"},
                               {"X-Secret", "hop"},
                               {"Content-Length", "12"},
                               {"Expect", "100-continue"},
                               {"X-Forwarded-For", "203.0.113.7"},
                               {"X-Forwarded-Proto", "https"},
                               {"Accept", "application/json"}};
    ForwardedRequest request;
    request.method = "POST";
    request.target = "/api/message?x=1";
    request.fields = &fields;
    request.client_address = "127.0.0.1";
    request.framing = BodyFraming::content_length;
    request.content_length = 12;
    const std::string head = upstream_request_head(request, "127.0.0.1:8080");
    CHECK(head.rfind("POST /api/message?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n", 0) == 0);
    CHECK(head.size() >= 4);
    CHECK(head.substr(head.size() - 4) == "\r\n\r\n");
    CHECK(has_line(head, "Accept: application/json"));
    CHECK(has_line(head, "X-Forwarded-For: 203.0.113.7, 127.0.0.1"));
    CHECK(has_line(head, "X-Forwarded-Proto: http"));
    CHECK(has_line(head, "X-Forwarded-Host: sy.example:3457"));
    CHECK(has_line(head, "Content-Length: 12"));
    CHECK(has_line(head, "Connection: close"));
    CHECK(head.find("X-Secret") == std::string::npos);
    CHECK(head.find("Expect") == std::string::npos);
    CHECK(head.find("keep-alive") == std::string::npos);
    CHECK(head.find("https") == std::string::npos);

    request.framing = BodyFraming::chunked;
    const std::string chunked = upstream_request_head(request, "backend");
    CHECK(has_line(chunked, "Transfer-Encoding: chunked"));
    CHECK(chunked.find("Content-Length") == std::string::npos);
}

TEST_CASE("upstream head: the answer the client gets", "[unit][upstream]") {
    const HeadFields fields = {{"Content-Type", "text/plain"},
                               {"Connection", "close, X-Hop"},
                               {"X-Hop", "gone"},
                               {"Transfer-Encoding", "chunked"},
                               {"Access-Control-Allow-Origin", "*"},
                               {"Set-Cookie", "a=1"},
                               {"Set-Cookie", "b=2"}};
    const std::vector<std::pair<std::string, std::string>> extra = {
        {"Access-Control-Allow-Origin", "http://ui.example"}, {"Vary", "Origin"}};
    ForwardedResponse response;
    response.status = 201;
    response.reason = "Created";
    response.fields = &fields;
    response.extra = &extra;
    response.framing = BodyFraming::chunked;
    response.keep_alive = true;
    const std::string head = client_response_head(response);
    CHECK(head.rfind("HTTP/1.1 201 Created\r\n", 0) == 0);
    CHECK(has_line(head, "Content-Type: text/plain"));
    CHECK(has_line(head, "Set-Cookie: a=1"));
    CHECK(has_line(head, "Set-Cookie: b=2"));
    CHECK(has_line(head, "Access-Control-Allow-Origin: http://ui.example"));
    CHECK(head.find("Access-Control-Allow-Origin: *") == std::string::npos);
    CHECK(has_line(head, "Vary: Origin"));
    CHECK(has_line(head, "Transfer-Encoding: chunked"));
    CHECK(head.find("X-Hop") == std::string::npos);
    CHECK(head.find("Connection") == std::string::npos); // HTTP/1.1 keeps it open by default

    response.keep_alive = false;
    response.framing = BodyFraming::content_length;
    response.content_length = 7;
    const std::string closing = client_response_head(response);
    CHECK(has_line(closing, "Content-Length: 7"));
    CHECK(has_line(closing, "Connection: close"));
    CHECK(closing.find("Transfer-Encoding") == std::string::npos);

    response.http10 = true;
    response.keep_alive = true;
    const std::string old = client_response_head(response);
    CHECK(old.rfind("HTTP/1.0 201 Created\r\n", 0) == 0);
    CHECK(has_line(old, "Connection: keep-alive"));
}
