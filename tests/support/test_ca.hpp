// A certificate authority of a test's own, made with Debian's openssl in a TempDir, and
// server certificates it signs for 127.0.0.1 and localhost: what a TLS client (or
// Chromium, given the CA) verifies a kernel's TLS listener against.
#pragma once

#include "temp_dir.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

namespace switchyard::test {

class TestCa {
  public:
    // Makes the CA's key and self-signed certificate in `dir` (ca.key, ca.pem). Throws
    // std::runtime_error with openssl's output when that fails.
    explicit TestCa(const TempDir& dir);

    // The CA's certificate: the file a client trusts.
    const std::filesystem::path& certificate() const { return certificate_; }

    // A server certificate the CA signs. Its files in the CA's dir.
    struct Issued {
        std::filesystem::path cert; // <name>.pem
        std::filesystem::path key;  // <name>.key
    };
    // Issues <name>.pem and <name>.key with subject CN=`common_name`, serial `serial`,
    // subjectAltName IP:127.0.0.1 and DNS:localhost, valid for two days. Throws
    // std::runtime_error.
    Issued issue(const std::string& name, const std::string& common_name, uint64_t serial) const;

  private:
    std::filesystem::path dir_;
    std::filesystem::path certificate_;
    std::filesystem::path key_;
};

} // namespace switchyard::test
