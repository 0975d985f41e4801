#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

// The TLS identity of vsrd-sim: by default a fresh self-signed certificate made at start, which
// clients trust by its PEM file (vsrd's `tls.ca_file`) or pin by its SHA-256 thumbprint
// (`tls.thumbprint_sha256`), exactly as they would a vCenter's own self-signed certificate.

namespace vsrd::simulator::server {

struct CertificateAndKey {
  std::string certificate_pem;  ///< one certificate, or a chain with the leaf first
  std::string private_key_pem;  ///< PKCS#8, unencrypted
};

/// Makes an EC P-256 key and a self-signed X.509 v3 leaf for it, valid from an hour ago for
/// `validity`, with subject CN=vsrd-sim and subjectAltName IP:127.0.0.1, IP:::1, DNS:localhost
/// plus `extra_names` (each an IP address, which becomes an IP entry, or a DNS name).
/// Throws std::runtime_error with OpenSSL's reason on failure or on a name with a comma.
CertificateAndKey MakeSelfSignedCertificate(const std::vector<std::string>& extra_names,
                                            std::chrono::hours validity = std::chrono::hours(24 *
                                                                                             365));

/// "AB:CD:...": the SHA-256 of the DER form of the first certificate in `certificate_pem`, as
/// browsers and vSphere show it. Throws std::runtime_error when there is no certificate.
std::string Sha256Thumbprint(std::string_view certificate_pem);

/// The SHA-256 thumbprint of a DER certificate (what a TLS client sees as the peer's leaf).
std::string Sha256ThumbprintOfDer(std::string_view der);

/// Throws std::runtime_error unless `private_key_pem` is the key of the first certificate in
/// `certificate_pem` (both must parse).
void CheckKeyMatchesCertificate(std::string_view certificate_pem, std::string_view private_key_pem);

}  // namespace vsrd::simulator::server
