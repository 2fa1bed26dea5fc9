// A TLS listener's identity: its certificate chain and private key, loaded into an
// OpenSSL context that every handshake of the listener uses. SIGHUP re-reads the files:
// new handshakes take the new identity, open connections keep the one they began with
// (each holds its context), and a new pair that fails to load leaves the old one in use.
#pragma once

#include "net/tls_files.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace switchyard {

// A certificate or key that cannot be used: the message names the file and OpenSSL's
// reason.
class TlsError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class TlsIdentity {
  public:
    // Loads `files` (TLS 1.2 and later; the key must match the certificate). Throws
    // TlsError.
    explicit TlsIdentity(TlsFiles files);
    ~TlsIdentity();

    // The context new handshakes use. Any thread.
    std::shared_ptr<boost::asio::ssl::context> current() const;
    // The files the identity was last loaded from.
    TlsFiles files() const;
    // Loads `files` again (or new ones) and, when that works, makes them current. Throws
    // TlsError and keeps the current identity when they do not load. Any thread.
    void reload(const TlsFiles& files);

  private:
    mutable std::mutex mutex_;
    TlsFiles files_;
    std::shared_ptr<boost::asio::ssl::context> context_;
};

// Throws TlsError unless `files` load (for --check-config).
void check_tls_files(const TlsFiles& files);

// The identity for a `tls` setting (null without one). Throws TlsError, its message
// prefixed with `key` ("control.tls", "plugins.<name>.tls").
std::shared_ptr<TlsIdentity> make_tls_identity(const std::optional<TlsFiles>& files,
                                               const std::string& key);

// SIGHUP: re-reads the files of `identity` (those `next` names, or its own when the new
// config dropped the setting, which takes a restart, as adding one does), and logs what
// happened under `key`. A pair that does not load is logged as an error; the old
// identity stays. Never throws.
void reload_tls_identity(TlsIdentity* identity, const std::optional<TlsFiles>& next,
                         const std::string& key);

} // namespace switchyard
