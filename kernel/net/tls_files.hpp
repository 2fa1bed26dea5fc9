// The files of a `tls = { cert = "...", key = "..." }` setting ([control] or a
// [plugins.<name>] table): what a TLS listener serves (tls_identity.hpp).
#pragma once

#include <string>

namespace switchyard {

struct TlsFiles {
    std::string cert; // PEM: the server certificate, then any intermediates
    std::string key;  // PEM: its private key (not encrypted)
    bool operator==(const TlsFiles&) const = default;
};

} // namespace switchyard
