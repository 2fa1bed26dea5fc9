// A plugin that makes transient groups on command (ABI 1.3 group_transient), for the
// tests of their life: a WebSocket client sends one command per text message and gets
// back "<command> <result>":
//   join <name>        group_transient(<name>), then group_add of this connection: the id
//   leave <id>         group_remove of this connection: the status
//   name <name>        group_transient(<name>) without a member: the id
//   pin <name>         group(<name>): the id
//   add <id>           group_add of this connection: the status
//   size <id>          group_size
//   say <id> <text>    broadcast <text> to the group: the status
//   cycle <n> <prefix> n groups <prefix>0.. each made, joined and left in this hook;
//                      then named again in later hooks they are new groups: "cycle <n>"
#include <switchyard/plugin.hpp>

#include <charconv>
#include <string>
#include <string_view>

namespace {

namespace sdk = switchyard::sdk;

uint64_t number(std::string_view digits) {
    uint64_t value = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return value;
}

class TransientGroups final : public sdk::Plugin {
  public:
    static constexpr const char* kName = "transient_groups";
    static constexpr const char* kVersion = "0.0.1";
    static constexpr sy_route_v1 kRoutes[] = {sdk::websocket_route("/ws")};
    static constexpr sy_endpoint_v1 kEndpoints[] = {
        sdk::endpoint("default", "127.0.0.1:0", kRoutes)};

    TransientGroups(sdk::Host host, const sdk::Config&) : Plugin(host) {}

    sy_status on_message(sy_conn_id conn, sy_frame_kind, std::string_view payload) override {
        const size_t space = payload.find(' ');
        const std::string_view command = payload.substr(0, space);
        const std::string_view arg =
            space == std::string_view::npos ? std::string_view() : payload.substr(space + 1);
        return host().send_text(conn, std::string(command) + " " + run(conn, command, arg));
    }

  private:
    std::string run(sy_conn_id conn, std::string_view command, std::string_view arg) {
        if (command == "join") {
            const sy_group_id group = host().group_transient(arg);
            const sy_status added = host().group_add(group, conn);
            return added == SY_OK ? std::to_string(group) : "failed " + std::to_string(added);
        }
        if (command == "leave") return std::to_string(host().group_remove(number(arg), conn));
        if (command == "name") return std::to_string(host().group_transient(arg));
        if (command == "pin") return std::to_string(host().group(arg));
        if (command == "add") return std::to_string(host().group_add(number(arg), conn));
        if (command == "size") return std::to_string(host().group_size(number(arg)));
        if (command == "say") {
            const size_t space = arg.find(' ');
            const sdk::Frame frame = host().frame(SY_FRAME_TEXT, arg.substr(space + 1));
            return std::to_string(host().broadcast(number(arg.substr(0, space)), frame));
        }
        if (command == "cycle") {
            const size_t space = arg.find(' ');
            const uint64_t count = number(arg.substr(0, space));
            const std::string prefix(arg.substr(space + 1));
            for (uint64_t i = 0; i < count; ++i) {
                const sy_group_id group = host().group_transient(prefix + std::to_string(i));
                if (host().group_add(group, conn) != SY_OK) return "failed at " + std::to_string(i);
                if (host().group_remove(group, conn) != SY_OK)
                    return "failed at " + std::to_string(i);
            }
            return std::to_string(count);
        }
        return "unknown";
    }
};

} // namespace

SWITCHYARD_PLUGIN(TransientGroups)
