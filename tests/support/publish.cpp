#include "publish.hpp"

#include "test_json.hpp"

#include <stdexcept>

namespace switchyard::test {

uint64_t publish(const KernelProcess& kernel, std::string_view event_json) {
    const HttpResponse response = kernel.control().post("/api/v1/publish", event_json);
    if (response.status == 200) {
        const boost::json::value answer = parse_json(response.body);
        if (const auto* object = answer.if_object()) {
            if (const auto* seq = object->if_contains("seq"); seq && seq->is_number())
                return seq->to_number<uint64_t>();
        }
    }
    throw std::runtime_error("publish " + std::string(event_json) + " answered " +
                             std::to_string(response.status) + ": " + response.body);
}

} // namespace switchyard::test
