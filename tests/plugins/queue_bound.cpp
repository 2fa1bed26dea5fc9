// A relay for the outbound byte bound tests: every message a client sends is broadcast
// to every client of the same endpoint, sender included. Endpoint "declared" (/declared)
// states its own bound (ABI 1.1 sy_endpoint_v1.max_queued_bytes, 64 KiB); endpoint
// "defaulted" (/defaulted) states none, so the kernel's default applies (twice the
// largest message, at least 1 MiB). Both allow many frames, so only bytes bind.
#include <switchyard/plugin.hpp>

#include <string_view>
#include <unordered_map>

namespace {

namespace sdk = switchyard::sdk;

constexpr uint64_t kMaxMessage = 4096;
constexpr uint32_t kMaxFrames = 65536;

class QueueBound final : public sdk::Plugin {
  public:
    static constexpr const char* kName = "queue_bound";
    static constexpr const char* kVersion = "0.0.1";
    static constexpr sy_route_v1 kDeclaredRoutes[] = {sdk::websocket_route("/declared")};
    static constexpr sy_route_v1 kDefaultedRoutes[] = {sdk::websocket_route("/defaulted")};
    static constexpr sy_endpoint_v1 kEndpoints[] = {
        sdk::endpoint("declared", "127.0.0.1:0", kDeclaredRoutes, kMaxMessage, kMaxFrames,
                      64 * 1024),
        sdk::endpoint("defaulted", "127.0.0.1:0", kDefaultedRoutes, kMaxMessage, kMaxFrames),
    };

    QueueBound(sdk::Host host, const sdk::Config&)
        : Plugin(host), declared_(host.group("declared")), defaulted_(host.group("defaulted")) {}

    sy_status on_open(sy_conn_id conn, const sdk::Request& request) override {
        const sy_group_id group = request.path() == "/declared" ? declared_ : defaulted_;
        group_of_[conn] = group;
        return host().group_add(group, conn);
    }

    sy_status on_message(sy_conn_id conn, sy_frame_kind kind, std::string_view payload) override {
        const auto it = group_of_.find(conn);
        if (it == group_of_.end()) return SY_OK;
        return host().broadcast(it->second, host().frame(kind, payload));
    }

    void on_close(sy_conn_id conn, uint16_t, std::string_view) override { group_of_.erase(conn); }

  private:
    sy_group_id declared_;
    sy_group_id defaulted_;
    std::unordered_map<sy_conn_id, sy_group_id> group_of_;
};

} // namespace

SWITCHYARD_PLUGIN(QueueBound)
