#include "net/node_tag.hpp"

#include <random>

namespace switchyard {

uint32_t random_node_tag() {
    std::random_device source; // getrandom(2) on Linux
    return std::uniform_int_distribution<uint32_t>(1, kMaxNodeTag)(source);
}

} // namespace switchyard
