#include "simulator/server/certificate.hpp"

#include <array>
#include <climits>
#include <memory>
#include <stdexcept>

#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace vsrd::simulator::server {
namespace {

// OpenSSL objects owned by unique_ptr, each freed by its own free function.
template <auto kFree>
struct Free {
  template <class T>
  void operator()(T* pointer) const {
    kFree(pointer);
  }
};
using BioPtr = std::unique_ptr<BIO, Free<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, Free<BN_free>>;
using KeyContextPtr = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Free<X509_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Free<X509_EXTENSION_free>>;

// Throws with `what` and the reason at the top of OpenSSL's error queue (then clears it).
[[noreturn]] void Fail(std::string_view what) {
  std::array<char, 256> reason{};
  const unsigned long code = ERR_get_error();
  if (code != 0) ERR_error_string_n(code, reason.data(), reason.size());
  ERR_clear_error();
  throw std::runtime_error(code == 0 ? std::string(what)
                                     : fmt::format("{}: {}", what, reason.data()));
}

void Check(int result, std::string_view what) {
  if (result <= 0) Fail(what);
}

BioPtr ReadBio(std::string_view text) {
  if (text.size() > static_cast<std::size_t>(INT_MAX)) throw std::runtime_error("PEM too large");
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) Fail("BIO_new_mem_buf");
  return bio;
}

// Everything written to a memory BIO, as a string.
std::string Drain(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  if (!out.empty() && BIO_read(bio, out.data(), static_cast<int>(out.size())) <= 0) {
    Fail("BIO_read");
  }
  return out;
}

X509Ptr ParseCertificate(std::string_view pem) {
  const BioPtr bio = ReadBio(pem);
  X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!certificate) Fail("no PEM certificate");
  return certificate;
}

KeyPtr MakeP256Key() {
  const KeyContextPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!context) Fail("EVP_PKEY_CTX_new_from_name(EC)");
  Check(EVP_PKEY_keygen_init(context.get()), "EVP_PKEY_keygen_init");
  Check(EVP_PKEY_CTX_set_group_name(context.get(), "P-256"), "EVP_PKEY_CTX_set_group_name");
  EVP_PKEY* key = nullptr;
  Check(EVP_PKEY_keygen(context.get(), &key), "EVP_PKEY_keygen");
  return KeyPtr(key);
}

void AddExtension(X509* certificate, X509V3_CTX& context, int nid, const std::string& value) {
  const ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  if (!extension) Fail(fmt::format("certificate extension {}", value));
  Check(X509_add_ext(certificate, extension.get(), -1), "X509_add_ext");
}

void AddName(X509_NAME* name, const char* field, std::string_view value) {
  Check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0),
        "X509_NAME_add_entry_by_txt");
}

std::string FormatThumbprint(const unsigned char* digest, unsigned int size) {
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    if (i != 0) out += ':';
    out += fmt::format("{:02X}", digest[i]);
  }
  return out;
}

}  // namespace

CertificateAndKey MakeSelfSignedCertificate(const std::vector<std::string>& extra_names,
                                            std::chrono::hours validity) {
  std::string alt_names = "IP:127.0.0.1,IP:::1,DNS:localhost";
  for (const auto& name : extra_names) {
    if (name.empty() || name.find_first_of(", \t") != std::string::npos) {
      throw std::runtime_error(fmt::format("\"{}\" is not a host name or IP address", name));
    }
    boost::system::error_code error;
    boost::asio::ip::make_address(name, error);
    alt_names += fmt::format(",{}:{}", error ? "DNS" : "IP", name);
  }

  const KeyPtr key = MakeP256Key();
  const X509Ptr certificate(X509_new());
  if (!certificate) Fail("X509_new");
  Check(X509_set_version(certificate.get(), X509_VERSION_3), "X509_set_version");

  // A random positive 127-bit serial: clients that cached an earlier run's certificate must not
  // see the same issuer and serial for a different key.
  const BignumPtr serial(BN_new());
  if (!serial) Fail("BN_new");
  Check(BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY), "BN_rand");
  if (BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate.get())) == nullptr) {
    Fail("BN_to_ASN1_INTEGER");
  }
  // Valid from an hour ago, so that a client whose clock is slightly behind accepts it.
  if (X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(certificate.get()),
                      std::chrono::duration_cast<std::chrono::seconds>(validity).count()) ==
          nullptr) {
    Fail("X509_gmtime_adj");
  }
  Check(X509_set_pubkey(certificate.get(), key.get()), "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(certificate.get());
  AddName(name, "O", "vsrd-sim");
  AddName(name, "CN", "vsrd-sim");
  Check(X509_set_issuer_name(certificate.get(), name), "X509_set_issuer_name");

  // A plain server leaf (CA:FALSE): OpenSSL, Go and curl accept a self-signed leaf that is
  // itself in the trust store, and no client can mistake it for a CA that could vouch for others.
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate.get(), certificate.get(), nullptr, nullptr, 0);
  AddExtension(certificate.get(), context, NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(certificate.get(), context, NID_key_usage, "critical,digitalSignature");
  AddExtension(certificate.get(), context, NID_ext_key_usage, "serverAuth");
  AddExtension(certificate.get(), context, NID_subject_key_identifier, "hash");
  AddExtension(certificate.get(), context, NID_subject_alt_name, alt_names);
  if (X509_sign(certificate.get(), key.get(), EVP_sha256()) <= 0) Fail("X509_sign");

  CertificateAndKey out;
  const BioPtr certificate_bio(BIO_new(BIO_s_mem()));
  const BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (!certificate_bio || !key_bio) Fail("BIO_new");
  Check(PEM_write_bio_X509(certificate_bio.get(), certificate.get()), "PEM_write_bio_X509");
  Check(PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr),
        "PEM_write_bio_PrivateKey");
  out.certificate_pem = Drain(certificate_bio.get());
  out.private_key_pem = Drain(key_bio.get());
  return out;
}

std::string Sha256Thumbprint(std::string_view certificate_pem) {
  const X509Ptr certificate = ParseCertificate(certificate_pem);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  Check(X509_digest(certificate.get(), EVP_sha256(), digest.data(), &size), "X509_digest");
  return FormatThumbprint(digest.data(), size);
}

std::string Sha256ThumbprintOfDer(std::string_view der) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  Check(EVP_Digest(der.data(), der.size(), digest.data(), &size, EVP_sha256(), nullptr),
        "EVP_Digest");
  return FormatThumbprint(digest.data(), size);
}

void CheckKeyMatchesCertificate(std::string_view certificate_pem,
                                std::string_view private_key_pem) {
  const X509Ptr certificate = ParseCertificate(certificate_pem);
  const BioPtr bio = ReadBio(private_key_pem);
  // A callback that gives no passphrase: OpenSSL's default would prompt on the terminal.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return 0; };
  const KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) Fail("no PEM private key (an encrypted key is not supported)");
  if (X509_check_private_key(certificate.get(), key.get()) != 1) {
    ERR_clear_error();
    throw std::runtime_error("the private key does not belong to the certificate");
  }
}

}  // namespace vsrd::simulator::server
