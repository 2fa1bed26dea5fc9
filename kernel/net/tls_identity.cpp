#include "net/tls_identity.hpp"

#include <boost/asio/ssl/context.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace switchyard {

namespace ssl = boost::asio::ssl;

namespace {

// A certificate or a key is at most a few KiB; a chain a few dozen. Anything far larger is
// not what the setting means (a mistyped path to a log, a disk image).
constexpr std::streamsize kMaxPemBytes = 1 << 20;

std::string read_pem(const std::string& path, const char* what) {
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw TlsError("cannot read the " + std::string(what) + " file '" + path +
                       "': " + std::strerror(errno != 0 ? errno : ENOENT));
    }
    std::string text;
    text.resize(static_cast<size_t>(kMaxPemBytes) + 1);
    in.read(text.data(), kMaxPemBytes + 1);
    text.resize(static_cast<size_t>(in.gcount()));
    if (in.bad()) {
        throw TlsError("cannot read the " + std::string(what) + " file '" + path + "'");
    }
    if (static_cast<std::streamsize>(text.size()) > kMaxPemBytes) {
        throw TlsError("the " + std::string(what) + " file '" + path +
                       "' is larger than 1 MiB: not a PEM " + what);
    }
    return text;
}

// OpenSSL's reason for the last failure (its queue, else what Asio reported).
std::string openssl_reason(const boost::system::error_code& ec) {
    const unsigned long error = ::ERR_peek_last_error();
    std::string reason;
    if (error != 0) {
        char text[256];
        ::ERR_error_string_n(error, text, sizeof text);
        reason = text;
    } else {
        reason = ec.message();
    }
    ::ERR_clear_error();
    return reason;
}

std::shared_ptr<ssl::context> load_context(const TlsFiles& files) {
    const std::string cert = read_pem(files.cert, "certificate");
    const std::string key = read_pem(files.key, "key");
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    ::SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    boost::system::error_code ec;
    ::ERR_clear_error();
    context->use_certificate_chain(boost::asio::buffer(cert), ec);
    if (ec) {
        throw TlsError("the certificate file '" + files.cert +
                       "' holds no usable PEM certificate: " + openssl_reason(ec));
    }
    context->use_private_key(boost::asio::buffer(key), ssl::context::pem, ec);
    // OpenSSL checks the key against the certificate as it takes it.
    const auto mismatch = [](unsigned long error) {
        return error != 0 && ERR_GET_REASON(error) == X509_R_KEY_VALUES_MISMATCH;
    };
    if (ec && (mismatch(::ERR_peek_last_error()) ||
               (ec.category() == boost::asio::error::get_ssl_category() &&
                mismatch(static_cast<unsigned long>(ec.value()))))) {
        throw TlsError("the key in '" + files.key + "' does not belong to the certificate in '" +
                       files.cert + "': " + openssl_reason(ec));
    }
    if (ec) {
        throw TlsError("the key file '" + files.key +
                       "' holds no usable PEM private key (an encrypted key is not supported): " +
                       openssl_reason(ec));
    }
    if (::SSL_CTX_check_private_key(context->native_handle()) != 1) {
        throw TlsError("the key in '" + files.key + "' does not belong to the certificate in '" +
                       files.cert + "': " + openssl_reason({}));
    }
    return context;
}

} // namespace

TlsIdentity::TlsIdentity(TlsFiles files)
    : files_(std::move(files)), context_(load_context(files_)) {}

TlsIdentity::~TlsIdentity() = default;

std::shared_ptr<ssl::context> TlsIdentity::current() const {
    std::lock_guard lock(mutex_);
    return context_;
}

TlsFiles TlsIdentity::files() const {
    std::lock_guard lock(mutex_);
    return files_;
}

void TlsIdentity::reload(const TlsFiles& files) {
    auto context = load_context(files); // throws: the current one stays
    std::lock_guard lock(mutex_);
    files_ = files;
    context_ = std::move(context);
}

void check_tls_files(const TlsFiles& files) {
    load_context(files);
}

std::shared_ptr<TlsIdentity> make_tls_identity(const std::optional<TlsFiles>& files,
                                               const std::string& key) {
    if (!files) return nullptr;
    try {
        return std::make_shared<TlsIdentity>(*files);
    } catch (const TlsError& e) {
        throw TlsError(key + ": " + e.what());
    }
}

void reload_tls_identity(TlsIdentity* identity, const std::optional<TlsFiles>& next,
                         const std::string& key) {
    if (identity == nullptr) {
        if (next) {
            spdlog::warn("SIGHUP: {} added; that takes a restart, the listener stays plain", key);
        }
        return;
    }
    if (!next) {
        spdlog::warn(
            "SIGHUP: {} removed; that takes a restart, the listener keeps serving TLS "
            "(its files are re-read)",
            key);
    }
    const TlsFiles files = next ? *next : identity->files();
    try {
        identity->reload(files);
        spdlog::info("SIGHUP: {}: certificate {} loaded; new connections use it", key, files.cert);
    } catch (const TlsError& e) {
        spdlog::error("SIGHUP: {}: the certificate and key stay as they were: {}", key, e.what());
    }
}

} // namespace switchyard
