// Where a plugin may publish (DESIGN.md "Lanes"): its own streams ("<name>",
// "<name>/..."), its inbound topic ("inbound/<name>", "inbound/<name>/..."), and what the
// deployment's config grants it with `publish_to` in its [plugins.<name>] table. A
// plugin that could publish anywhere could feed another plugin's clients, or pose as
// another plugin's clients to that plugin's backend.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace switchyard {

class PublishLanes {
  public:
    // `grants` are topics or streams from the config's publish_to: "groove" grants the
    // stream groove and its subtopics, "inbound/jarvis" that topic and its subtopics.
    PublishLanes(std::string plugin, std::vector<std::string> grants);

    // True when the plugin may publish to `topic`.
    bool allows(std::string_view topic) const noexcept;

  private:
    std::string plugin_;
    std::string inbound_; // "inbound/<plugin>"
    std::vector<std::string> grants_;
};

// The publish_to grants of a plugin's settings (its table as JSON): an array of topic
// strings, none empty. Absent: none. Throws std::runtime_error naming what is wrong.
std::vector<std::string> publish_grants_of(std::string_view settings_json);

} // namespace switchyard
