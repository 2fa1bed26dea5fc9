#include "test_ca.hpp"

#include "child_process.hpp"

#include <stdexcept>
#include <vector>

namespace switchyard::test {

namespace {

constexpr auto kOpensslTimeout = std::chrono::seconds(30);

void openssl(const std::vector<std::string>& args, const std::string& what) {
    std::vector<std::string> argv{"/usr/bin/openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    const RunResult result = run_to_end(argv, kOpensslTimeout);
    if (result.exit_code != 0) {
        throw std::runtime_error("openssl could not " + what + ": " + result.out + result.err);
    }
}

} // namespace

TestCa::TestCa(const TempDir& dir)
    : dir_(dir.path()), certificate_(dir_ / "ca.pem"), key_(dir_ / "ca.key") {
    openssl(
        {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "2", "-subj", "/CN=Switchyard test CA", "-addext",
         "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
         "-keyout", key_.string(), "-out", certificate_.string()},
        "make the test CA");
}

TestCa::Issued TestCa::issue(const std::string& name, const std::string& common_name,
                             uint64_t serial) const {
    Issued issued{dir_ / (name + ".pem"), dir_ / (name + ".key")};
    const auto request = dir_ / (name + ".csr");
    const auto extensions = dir_ / (name + ".ext");
    write_file(extensions,
               "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
               "basicConstraints=CA:FALSE\n"
               "keyUsage=critical,digitalSignature\n"
               "extendedKeyUsage=serverAuth\n");
    openssl(
        {"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-subj", "/CN=" + common_name, "-keyout", issued.key.string(), "-out", request.string()},
        "make a key and request for " + name);
    openssl({"x509", "-req", "-in", request.string(), "-CA", certificate_.string(), "-CAkey",
             key_.string(), "-set_serial", std::to_string(serial), "-days", "2", "-extfile",
             extensions.string(), "-out", issued.cert.string()},
            "sign the certificate " + name);
    return issued;
}

} // namespace switchyard::test
