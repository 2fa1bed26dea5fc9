// A plugin that answers later (ABI 1.1), for the deferred-answer and file-service tests:
//   GET /defer           held (SY_DEFERRED); answered by a bus event or GET /answer
//   GET /now             answered at once with the request's id
//   GET /held            how many requests it holds
//   GET /answer          answers every held request ("answered <n>"); the body lists the
//                        status each respond() returned, in order: [0,-4]
//   GET /respond/<id>    respond(<id>) from this later hook; the body is its status
//   GET /files/<path>    respond_file(<path> under ?root=) from inside on_http (HEAD too)
//   GET /ws              WebSocket echo
// A bus event on stream "deferred_answers" answers every held request with its data.
#include <switchyard/plugin.hpp>

#include <charconv>
#include <string>
#include <vector>

namespace {

namespace sdk = switchyard::sdk;

class DeferredAnswers final : public sdk::Plugin {
  public:
    static constexpr const char* kName = "deferred_answers";
    static constexpr const char* kVersion = "0.0.1";
    static constexpr sy_route_v1 kRoutes[] = {sdk::websocket_route("/ws"),
                                              sdk::http_route("*", "*")};
    static constexpr sy_endpoint_v1 kEndpoints[] = {
        sdk::endpoint("default", "127.0.0.1:0", kRoutes)};
    static constexpr const char* kStreams[] = {"deferred_answers"};

    DeferredAnswers(sdk::Host host, const sdk::Config&) : Plugin(host) {}

    sy_status on_http(const sdk::Request& request, sdk::Response& response) override {
        const std::string_view path = request.path();
        if (path == "/defer") {
            held_.push_back(request.id());
            return SY_DEFERRED;
        }
        if (path == "/now") {
            response.status = 200;
            response.content_type = "text/plain";
            response.body = std::to_string(request.id());
            return SY_OK;
        }
        if (path == "/held") {
            response.status = 200;
            response.body = std::to_string(held_.size());
            return SY_OK;
        }
        if (path == "/answer") {
            response.status = 200;
            response.body = answer_all("answered");
            return SY_OK;
        }
        if (path.starts_with("/respond/")) {
            const std::string_view digits = path.substr(9);
            sy_request_id id = 0;
            std::from_chars(digits.data(), digits.data() + digits.size(), id);
            sdk::Response late;
            late.status = 200;
            late.body = "late";
            response.status = 200;
            response.body = std::to_string(host().respond(id, late));
            return SY_OK;
        }
        if (path.starts_with("/files/")) {
            sdk::FileResponse file;
            file.root = request.query_param("root").value_or("");
            file.path = std::string(path.substr(6));
            file.headers = {{"Cache-Control", "no-cache"}};
            if (auto max = request.query_param("max")) file.max_bytes = std::stoull(*max);
            const sy_status status = host().respond_file(request.id(), file);
            if (status != SY_OK) host().error("respond_file: " + std::to_string(status));
            return SY_DEFERRED;
        }
        response.status = 404;
        return SY_OK;
    }

    sy_status on_message(sy_conn_id conn, sy_frame_kind, std::string_view payload) override {
        return host().send_text(conn, payload);
    }

    sy_status on_event(const sdk::Event& event) override {
        answer_all(std::string(event.data()));
        return SY_OK;
    }

  private:
    // Answers every held request with `body`; the statuses respond() returned, as JSON.
    std::string answer_all(const std::string& body) {
        std::string statuses = "[";
        for (sy_request_id id : held_) {
            sdk::Response answer;
            answer.status = 200;
            answer.content_type = "text/plain";
            answer.body = body;
            if (statuses.size() > 1) statuses += ',';
            statuses += std::to_string(host().respond(id, answer));
        }
        held_.clear();
        return statuses + "]";
    }

    std::vector<sy_request_id> held_;
};

} // namespace

SWITCHYARD_PLUGIN(DeferredAnswers)
