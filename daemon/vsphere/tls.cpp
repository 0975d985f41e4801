#include "daemon/vsphere/tls.hpp"

#include <array>
#include <cctype>
#include <fstream>
#include <stdexcept>
#include <utility>

#include <boost/asio/ssl/host_name_verification.hpp>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>

namespace vsrd::daemon::vsphere {
namespace {

namespace ssl = boost::asio::ssl;

constexpr std::size_t kSha256Size = 32;
constexpr std::string_view kHexDigits = "0123456789ABCDEF";

}  // namespace

ssl::context MakeClientContext(const TlsConfig& tls) {
  ssl::context context(ssl::context::tls_client);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  // Always on; insecure_skip_verify works through the verify callback (PeerVerifier), so that
  // the peer's certificate is still seen and a pin still checked.
  context.set_verify_mode(ssl::verify_peer);
  if (tls.ca_file) {
    const std::string& file = *tls.ca_file;
    // Checked first for a message that names the problem; OpenSSL's says only "system lib".
    if (!std::ifstream(file).good()) {
      throw std::runtime_error("tls.ca_file \"" + file + "\" cannot be read");
    }
    boost::system::error_code error;
    context.load_verify_file(file, error);
    if (error) {
      throw std::runtime_error("tls.ca_file \"" + file +
                               "\" holds no usable PEM certificate: " + error.message());
    }
  } else {
    boost::system::error_code error;
    context.set_default_verify_paths(error);
    if (error) {
      throw std::runtime_error("cannot use the system trust store: " + error.message());
    }
  }
  return context;
}

std::string Sha256Thumbprint(X509* certificate) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (certificate == nullptr || X509_digest(certificate, EVP_sha256(), digest.data(), &size) != 1) {
    return "";
  }
  std::string out;
  out.reserve(std::size_t{size} * 3);
  for (unsigned int i = 0; i < size; ++i) {
    if (i != 0) out += ':';
    out += kHexDigits[digest[i] >> 4U];
    out += kHexDigits[digest[i] & 0x0FU];
  }
  return out;
}

std::optional<std::string> NormalizeThumbprint(std::string_view text) {
  std::string out;
  out.reserve(2 * kSha256Size);
  for (const char c : text) {
    if (c == ':') continue;
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) return std::nullopt;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (out.size() != 2 * kSha256Size) return std::nullopt;
  return out;
}

bool ThumbprintMatches(std::string_view pin, std::string_view thumbprint) {
  const auto normal_pin = NormalizeThumbprint(pin);
  const auto normal_thumbprint = NormalizeThumbprint(thumbprint);
  return normal_pin && normal_thumbprint && *normal_pin == *normal_thumbprint;
}

PeerVerifier::PeerVerifier(std::string host, std::optional<std::string> pin, bool skip_chain,
                           std::shared_ptr<PeerVerification> record)
    : host_(std::move(host)),
      pin_(std::move(pin)),
      skip_chain_(skip_chain),
      record_(std::move(record)) {}

bool PeerVerifier::operator()(bool preverified, ssl::verify_context& context) const {
  X509_STORE_CTX* store = context.native_handle();
  // The leaf is the certificate being verified at every depth: remember it for the error
  // message (an operator pins it from there) and for the pin.
  if (record_->leaf_thumbprint.empty()) {
    record_->leaf_thumbprint = Sha256Thumbprint(X509_STORE_CTX_get0_cert(store));
  }
  const int depth = X509_STORE_CTX_get_error_depth(store);
  const auto fail = [this](std::string reason) {
    if (record_->failure.empty()) record_->failure = std::move(reason);
    return false;
  };

  if (skip_chain_) {
    // insecure_skip_verify: OpenSSL's verdict on the chain and the name is ignored.
    if (depth == 0 && pin_ && !ThumbprintMatches(*pin_, record_->leaf_thumbprint)) {
      return fail("the certificate does not match the pinned thumbprint");
    }
    return true;
  }
  if (!preverified) {
    const int error = X509_STORE_CTX_get_error(store);
    std::string reason = X509_verify_cert_error_string(error);
    if (depth > 0) reason += " (certificate at depth " + std::to_string(depth) + ")";
    return fail(std::move(reason));
  }
  if (depth > 0) return true;  // a CA of the chain; the checks below are about the leaf
  if (!ssl::host_name_verification(host_)(preverified, context)) {
    return fail("the certificate is not valid for " + host_);
  }
  if (pin_ && !ThumbprintMatches(*pin_, record_->leaf_thumbprint)) {
    return fail("the certificate does not match the pinned thumbprint");
  }
  return true;
}

}  // namespace vsrd::daemon::vsphere
