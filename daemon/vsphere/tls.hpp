#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <openssl/x509.h>

#include "daemon/config.hpp"

// The TLS policy of the vSphere client: how a target's certificate is trusted (TlsConfig), the
// SHA-256 thumbprints operators pin, and the per-connection verification that combines the
// chain, the host name and the pin. Used by HttpsTransport; nothing here does I/O except
// reading the CA file.

namespace vsrd::daemon::vsphere {

/// A client TLS context: TLS 1.2 or later, verify_peer, trusting the PEM certificates of
/// tls.ca_file when set, else the system trust store. Throws std::runtime_error naming the CA
/// file when it cannot be read or holds no certificate.
boost::asio::ssl::context MakeClientContext(const TlsConfig& tls);

/// "AB:CD:...": the SHA-256 of the certificate's DER form, upper-case, colon-separated, as
/// vSphere and browsers show it. "" when the certificate cannot be encoded (never in practice).
std::string Sha256Thumbprint(X509* certificate);

/// A pin in canonical form: 64 upper-case hex digits without colons. Accepts upper or lower
/// case, with or without colons; nullopt when the text is not a SHA-256 thumbprint.
std::optional<std::string> NormalizeThumbprint(std::string_view text);

/// True when both are SHA-256 thumbprints of the same certificate (case and colons ignored).
/// False when either is not a thumbprint.
bool ThumbprintMatches(std::string_view pin, std::string_view thumbprint);

/// What the verification of one handshake saw; filled in by PeerVerifier, read afterwards.
struct PeerVerification {
  std::string leaf_thumbprint;  ///< the presented leaf's thumbprint; "" until it was seen
  std::string failure;          ///< why verification failed; "" when it did not
};

/// The verify callback of one connection (ssl::stream::set_verify_callback). Normally it
/// accepts the peer only if OpenSSL verified the chain against the trust store, the leaf is
/// valid for `host` (ssl::host_name_verification: DNS names against DNS SANs, IP literals
/// against IP SANs) and, when `pin` is set, the leaf's thumbprint matches it. With
/// `skip_chain` (insecure_skip_verify) only the pin is checked, and without a pin anything is
/// accepted. Records the leaf thumbprint and the first failure in `record`. Runs on the
/// connection's I/O thread during the handshake.
class PeerVerifier {
 public:
  /// `pin`: a NormalizeThumbprint result, or nullopt for no pin.
  PeerVerifier(std::string host, std::optional<std::string> pin, bool skip_chain,
               std::shared_ptr<PeerVerification> record);

  /// OpenSSL's verdict for the certificate at the current depth in, ours out.
  bool operator()(bool preverified, boost::asio::ssl::verify_context& context) const;

 private:
  std::string host_;
  std::optional<std::string> pin_;
  bool skip_chain_ = false;
  std::shared_ptr<PeerVerification> record_;
};

}  // namespace vsrd::daemon::vsphere
