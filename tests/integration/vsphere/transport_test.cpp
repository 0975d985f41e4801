// HttpsTransport against vsrd-sim over real TLS on loopback: trust and pins, keep-alive and the
// pool, every transport failure the simulator can inject, deadlines, the rate limit and
// shutdown. Also the TLS helpers (thumbprints, pins) that need no server.

#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include "daemon/vsphere/https_transport.hpp"
#include "daemon/vsphere/pass_budget.hpp"
#include "daemon/vsphere/tls.hpp"
#include "simulator/base64.hpp"
#include "tests/integration/vsphere/sim_https_server.hpp"

namespace vsrd::daemon::vsphere {
namespace {

using integration::LabScenario;
using integration::SimHttpsServer;
using ports::ErrorKind;
using simulator::Disposition;
using simulator::FaultRule;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kTimeout{5000};

std::string KindName(ErrorKind kind) { return std::string(ports::ErrorKindName(kind)); }

// "kind: detail" of a failed result, or "status N" of a response, for assertion messages.
std::string Describe(const Result<HttpResponse>& result) {
  if (result) return "status " + std::to_string(result->status);
  return KindName(result.Error().kind) + ": " + result.Error().detail;
}

HttpRequest Get(std::string target) {
  HttpRequest request;
  request.method = "GET";
  request.target = std::move(target);
  return request;
}

// POST /api/session with the lab's Basic credentials: 201 and a session token.
HttpRequest Login() {
  HttpRequest request;
  request.method = "POST";
  request.target = "/api/session";
  request.headers.emplace_back(
      "Authorization",
      "Basic " + simulator::Base64Encode("administrator@vsphere.local:demo-only-password"));
  return request;
}

// GET /api/session without a token: the simulator answers 401 with a std-error body, a normal
// response for the transport. Used as the cheapest request there is.
HttpRequest Probe() { return Get("/api/session"); }

FaultRule Fault(Disposition disposition, int nth = 1, int times = 1) {
  FaultRule rule;
  rule.persona = "vc01";
  rule.method = "GET";
  rule.path = "/api/session";
  rule.disposition = disposition;
  rule.nth = nth;
  rule.times = times;
  return rule;
}

FaultRule Delay(milliseconds delay, int nth = 1, int times = 1) {
  FaultRule rule = Fault(Disposition::kRespond, nth, times);
  rule.delay = delay;
  return rule;
}

std::size_t CountProbes(const SimHttpsServer& server) {
  std::size_t count = 0;
  for (const auto& entry : server.Requests()) {
    if (entry.method == "GET" && entry.path == "/api/session") ++count;
  }
  return count;
}

std::string TempPath(const std::string& stem) {
  static std::atomic<int> next{0};
  return (std::filesystem::temp_directory_path() /
          (stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(++next) + ".pem"))
      .string();
}

// A PEM file removed at the end of the test.
class TempFile {
 public:
  TempFile(const std::string& stem, const std::string& content) : path_(TempPath(stem)) {
    std::ofstream(path_) << content;
  }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& Path() const { return path_; }

 private:
  std::string path_;
};

// A self-signed leaf whose only subjectAltName is DNS:`dns_name` (MakeSelfSignedCertificate
// always adds 127.0.0.1, ::1 and localhost), for the host-name mismatch test.
simulator::server::CertificateAndKey MakeCertificateOnlyFor(const std::string& dns_name) {
  const auto check = [](bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test certificate: ") + what);
  };
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), &EVP_PKEY_free);
  check(key != nullptr, "EVP_PKEY_Q_keygen");
  std::unique_ptr<X509, decltype(&X509_free)> certificate(X509_new(), &X509_free);
  check(certificate != nullptr, "X509_new");
  X509* cert = certificate.get();
  check(X509_set_version(cert, X509_VERSION_3) == 1, "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert), 4242) == 1, "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert), 86400) != nullptr, "notAfter");
  check(X509_set_pubkey(cert, key.get()) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert);
  const std::string common_name = "elsewhere";
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.data()),
                                   static_cast<int>(common_name.size()), -1, 0) == 1,
        "CN");
  check(X509_set_issuer_name(cert, name) == 1, "issuer");
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] :
       std::vector<std::pair<int, std::string>>{{NID_basic_constraints, "critical,CA:FALSE"},
                                                {NID_subject_alt_name, "DNS:" + dns_name}}) {
    std::unique_ptr<X509_EXTENSION, decltype(&X509_EXTENSION_free)> extension(
        X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()), &X509_EXTENSION_free);
    check(extension != nullptr && X509_add_ext(cert, extension.get(), -1) == 1, "extension");
  }
  check(X509_sign(cert, key.get(), EVP_sha256()) > 0, "X509_sign");

  const auto pem = [&check](const std::function<int(BIO*)>& write) {
    std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(BIO_new(BIO_s_mem()), &BIO_free_all);
    check(bio != nullptr && write(bio.get()) == 1, "PEM write");
    std::string out(BIO_ctrl_pending(bio.get()), '\0');
    check(BIO_read(bio.get(), out.data(), static_cast<int>(out.size())) > 0, "BIO_read");
    return out;
  };
  simulator::server::CertificateAndKey identity;
  identity.certificate_pem = pem([cert](BIO* bio) { return PEM_write_bio_X509(bio, cert); });
  identity.private_key_pem = pem([&key](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return identity;
}

// vsrd-sim's Server like SimHttpsServer, but with a chosen certificate and idle timeout (the
// fixture always makes its own certificate and keeps idle connections for a minute). Serves
// the lab scenario on 127.0.0.1 with kernel-chosen ports.
class CustomSimServer {
 public:
  CustomSimServer(const simulator::server::CertificateAndKey& identity, milliseconds idle_timeout)
      : ca_file_("vsrd-transport-test-custom-ca", identity.certificate_pem) {
    auto loaded = simulator::DecodeScenario(LabScenario(), "lab.yaml");
    if (!loaded.scenario) throw std::runtime_error("lab scenario does not load");
    simulator::Scenario scenario = *loaded.scenario;
    simulator::server::ServerOptions options;
    options.certificate_pem = identity.certificate_pem;
    options.private_key_pem = identity.private_key_pem;
    options.threads = 2;
    options.idle_timeout = idle_timeout;
    options.stop_grace = milliseconds(500);
    std::vector<simulator::server::ListenerSpec> specs;
    for (auto& persona : scenario.personas) {
      persona.listen = "127.0.0.1:0";
      specs.push_back({persona.name, persona.listen});
    }
    server_ = std::make_unique<simulator::server::Server>(std::move(options), specs);
    for (std::size_t i = 0; i < scenario.personas.size(); ++i) {
      scenario.personas[i].listen =
          simulator::server::FormatAddress(server_->Listeners()[i].endpoint);
      if (scenario.personas[i].name == "vc01") port_ = server_->Listeners()[i].endpoint.port();
    }
    simulator_ = std::make_unique<simulator::Simulator>(scenario);
    thread_ = std::thread([this] { server_->Run(*simulator_); });
  }
  ~CustomSimServer() {
    server_->Stop();
    if (thread_.joinable()) thread_.join();
  }
  CustomSimServer(const CustomSimServer&) = delete;
  CustomSimServer& operator=(const CustomSimServer&) = delete;

  std::string Url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  const std::string& CaFile() const { return ca_file_.Path(); }
  simulator::Simulator& Sim() { return *simulator_; }

 private:
  TempFile ca_file_;
  std::unique_ptr<simulator::server::Server> server_;
  std::unique_ptr<simulator::Simulator> simulator_;
  unsigned short port_ = 0;
  std::thread thread_;
};

class TransportTest : public testing::Test {
 protected:
  // Trusting the simulator's certificate by its file, no rate limit.
  TransportOptions Options() const {
    TransportOptions options;
    options.url = server_.Url("vc01");
    options.tls.ca_file = server_.CaFile();
    options.requests_per_second = 0;
    return options;
  }

  SimHttpsServer server_{LabScenario()};
};

// --- basics -------------------------------------------------------------------------------

TEST_F(TransportTest, GetAndPostOverTlsWithCaFile) {
  HttpsTransport transport(Options());
  const auto probe = transport.Send(Probe(), kTimeout);
  ASSERT_TRUE(probe) << Describe(probe);
  EXPECT_EQ(probe->status, 401);  // an error status is a response, not a transport error
  EXPECT_NE(probe->body.find("UNAUTHENTICATED"), std::string::npos) << probe->body;
  const auto content_type = probe->FindHeader("content-type");  // names are lower-case
  ASSERT_TRUE(content_type.has_value());
  EXPECT_NE(content_type->find("application/json"), std::string::npos);
  for (const auto& field : probe->headers) {
    EXPECT_EQ(field.first.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), std::string::npos)
        << field.first;
  }

  const auto login = transport.Send(Login(), kTimeout);
  ASSERT_TRUE(login) << Describe(login);
  EXPECT_EQ(login->status, 201) << login->body;
  EXPECT_FALSE(login->body.empty());
}

TEST_F(TransportTest, JsonBodyIsSent) {
  HttpsTransport transport(Options());
  const auto login = transport.Send(Login(), kTimeout);
  ASSERT_TRUE(login) << Describe(login);
  ASSERT_EQ(login->status, 201);
  const std::string token = nlohmann::json::parse(login->body).get<std::string>();
  HttpRequest check;
  check.method = "POST";
  check.target = "/api/vcenter/vcha/cluster/passive?action=check";
  check.headers.emplace_back("vmware-api-session-id", token);
  check.body = R"({"placement": {"management_network": {"network_type": "STANDARD_PORTGROUP"}}})";
  const auto answer = transport.Send(check, kTimeout);
  ASSERT_TRUE(answer) << Describe(answer);
  // Whatever the verdict, the simulator parsed our JSON: a body it could not read as JSON
  // would be 400 INVALID_ARGUMENT naming the body, and an unauthenticated call 401.
  EXPECT_NE(answer->status, 401) << answer->body;
  const auto requests = server_.Requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_TRUE(requests.back().body.is_object()) << requests.back().body.dump();
}

TEST_F(TransportTest, LocalhostHostNameVerifies) {
  // A DNS name from the certificate's SANs: resolved, sent as SNI, matched as a DNS name.
  TransportOptions options = Options();
  options.url = "https://localhost:" + std::to_string(server_.Port("vc01"));
  HttpsTransport transport(options);
  const auto probe = transport.Send(Probe(), kTimeout);
  ASSERT_TRUE(probe) << Describe(probe);
  EXPECT_EQ(probe->status, 401);
}

// --- keep-alive and the pool ---------------------------------------------------------------

TEST_F(TransportTest, KeepAliveReusesOneConnection) {
  HttpsTransport transport(Options());
  for (int i = 0; i < 10; ++i) {
    const auto probe = transport.Send(Probe(), kTimeout);
    ASSERT_TRUE(probe) << i << ": " << Describe(probe);
    EXPECT_EQ(probe->status, 401);
  }
  EXPECT_EQ(transport.Stats().connections_opened, 1U);
  EXPECT_EQ(transport.Stats().requests_sent, 10U);
  EXPECT_EQ(CountProbes(server_), 10U);
}

TEST_F(TransportTest, ConnectionCloseIsHonoured) {
  // A request asking for Connection: close gets an answer saying so; that connection is not
  // kept, so every request opens its own.
  HttpsTransport transport(Options());
  HttpRequest request = Probe();
  request.headers.emplace_back("Connection", "close");
  for (int i = 0; i < 3; ++i) {
    const auto probe = transport.Send(request, kTimeout);
    ASSERT_TRUE(probe) << Describe(probe);
    EXPECT_EQ(probe->FindHeader("connection"), "close");
  }
  EXPECT_EQ(transport.Stats().connections_opened, 3U);
  EXPECT_EQ(CountProbes(server_), 3U);
}

TEST_F(TransportTest, ConcurrentCallersShareThePool) {
  // Every answer 30 ms late, so that the 8 callers overlap and queue for the 2 connections.
  server_.Sim().AddFault(Delay(milliseconds(30), 1, 0));
  TransportOptions options = Options();
  options.max_connections = 2;
  HttpsTransport transport(options);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::vector<std::string> failures(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const auto probe = transport.Send(Probe(), kTimeout);
        if (probe && probe->status == 401) {
          ++ok;
        } else {
          failures[static_cast<std::size_t>(t)] = Describe(probe);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  for (const auto& failure : failures) EXPECT_EQ(failure, "");
  EXPECT_LE(transport.Stats().connections_opened, 2U);
  EXPECT_GE(transport.Stats().connections_opened, 1U);
  EXPECT_EQ(CountProbes(server_), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST_F(TransportTest, WaitingForAFreeConnectionCountsAgainstTheTimeout) {
  server_.Sim().AddFault(Delay(milliseconds(1500)));
  TransportOptions options = Options();
  options.max_connections = 1;
  HttpsTransport transport(options);
  auto slow = std::async(std::launch::async, [&] { return transport.Send(Probe(), kTimeout); });
  std::this_thread::sleep_for(milliseconds(200));  // the slow request holds the connection
  const auto start = Clock::now();
  const auto waiting = transport.Send(Probe(), milliseconds(300));
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(waiting);
  EXPECT_EQ(waiting.Error().kind, ErrorKind::kTimeout) << Describe(waiting);
  EXPECT_NE(waiting.Error().detail.find("waiting for a free connection"), std::string::npos)
      << waiting.Error().detail;
  EXPECT_LT(elapsed, milliseconds(900));
  const auto slow_result = slow.get();
  ASSERT_TRUE(slow_result) << Describe(slow_result);
  EXPECT_EQ(CountProbes(server_), 1U);
}

TEST(TransportIdleTest, ReopensAfterTheServerClosedAnIdleConnection) {
  // The server closes connections idle for 200 ms (TLS close_notify, then FIN). The next
  // request notices before writing and opens a new connection: no error, no duplicate.
  CustomSimServer server(simulator::server::MakeSelfSignedCertificate({}), milliseconds(200));
  TransportOptions options;
  options.url = server.Url();
  options.tls.ca_file = server.CaFile();
  options.requests_per_second = 0;
  HttpsTransport transport(options);
  const auto first = transport.Send(Probe(), kTimeout);
  ASSERT_TRUE(first) << Describe(first);
  std::this_thread::sleep_for(milliseconds(700));
  const auto second = transport.Send(Probe(), kTimeout);
  ASSERT_TRUE(second) << Describe(second);
  EXPECT_EQ(second->status, 401);
  EXPECT_EQ(transport.Stats().connections_opened, 2U);
  EXPECT_EQ(transport.Stats().requests_sent, 2U);
  EXPECT_EQ(server.Sim().Requests().size(), 2U);
}

TEST_F(TransportTest, CloseWithoutAnswerOnAReusedConnectionIsRetriedOnce) {
  // The second request goes to the kept-alive connection and the server closes it without a
  // word: to the client that is a connection the server had closed, so it is sent once more
  // on a new connection. (The simulator did see the first try: that is the price of the
  // retry the contract allows, and why it is limited to reused connections.)
  server_.Sim().AddFault(Fault(Disposition::kClose, 2));
  HttpsTransport transport(Options());
  ASSERT_TRUE(transport.Send(Probe(), kTimeout));
  const auto second = transport.Send(Probe(), kTimeout);
  ASSERT_TRUE(second) << Describe(second);
  EXPECT_EQ(second->status, 401);
  EXPECT_EQ(transport.Stats().connections_opened, 2U);
  EXPECT_EQ(transport.Stats().requests_sent, 3U);
  EXPECT_EQ(CountProbes(server_), 3U);
}

TEST_F(TransportTest, APostClosedWithoutAnswerIsNeverSentAgain) {
  // The server may have run the POST before it closed the connection: repeating it could
  // start a second task, so the caller gets kReset and decides from live state.
  FaultRule rule = Fault(Disposition::kClose, 2);
  rule.method = "POST";
  server_.Sim().AddFault(rule);
  HttpsTransport transport(Options());
  ASSERT_TRUE(transport.Send(Login(), kTimeout));
  const auto second = transport.Send(Login(), kTimeout);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.Error().kind, ErrorKind::kReset) << Describe(second);
  std::size_t posts = 0;
  for (const auto& entry : server_.Requests()) posts += entry.method == "POST" ? 1U : 0U;
  EXPECT_EQ(posts, 2U);
  EXPECT_EQ(transport.Stats().requests_sent, 2U);
}

TEST_F(TransportTest, RetryIsOnlyOnce) {
  server_.Sim().AddFault(Fault(Disposition::kReset, 2, 2));
  HttpsTransport transport(Options());
  ASSERT_TRUE(transport.Send(Probe(), kTimeout));
  const auto second = transport.Send(Probe(), kTimeout);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.Error().kind, ErrorKind::kReset) << Describe(second);
  EXPECT_EQ(CountProbes(server_), 3U);  // the first try and exactly one retry
  // The pool recovers: the next request opens a new connection and succeeds.
  const auto third = transport.Send(Probe(), kTimeout);
  ASSERT_TRUE(third) << Describe(third);
  EXPECT_EQ(transport.Stats().connections_opened, 3U);
}

TEST_F(TransportTest, NoRetryOnceTheAnswerStarted) {
  // A truncated answer on a reused connection: response bytes arrived, so no retry.
  server_.Sim().AddFault(Fault(Disposition::kTruncate, 2));
  HttpsTransport transport(Options());
  ASSERT_TRUE(transport.Send(Probe(), kTimeout));
  const auto second = transport.Send(Probe(), kTimeout);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.Error().kind, ErrorKind::kTruncated) << Describe(second);
  EXPECT_EQ(CountProbes(server_), 2U);
}

// --- trust, pins and names -----------------------------------------------------------------

TEST_F(TransportTest, WrongCaFailsVerificationNamingTheThumbprint) {
  const auto other = simulator::server::MakeSelfSignedCertificate({});
  const TempFile other_ca("vsrd-transport-test-other-ca", other.certificate_pem);
  TransportOptions options = Options();
  options.tls.ca_file = other_ca.Path();
  HttpsTransport transport(options);
  const auto result = transport.Send(Probe(), kTimeout);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.Error().kind, ErrorKind::kTlsVerification) << Describe(result);
  EXPECT_NE(result.Error().detail.find(server_.Thumbprint()), std::string::npos)
      << result.Error().detail;
  EXPECT_NE(result.Error().detail.find("127.0.0.1:" + std::to_string(server_.Port("vc01"))),
            std::string::npos)
      << result.Error().detail;
  EXPECT_TRUE(result.Error().operation.empty());
  EXPECT_EQ(CountProbes(server_), 0U);
}

TEST_F(TransportTest, SystemStoreDoesNotTrustTheSelfSignedSimulator) {
  TransportOptions options = Options();
  options.tls.ca_file.reset();
  HttpsTransport transport(options);
  const auto result = transport.Send(Probe(), kTimeout);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.Error().kind, ErrorKind::kTlsVerification) << Describe(result);
  EXPECT_NE(result.Error().detail.find(server_.Thumbprint()), std::string::npos)
      << result.Error().detail;
}

TEST_F(TransportTest, CorrectPinWithCorrectCa) {
  TransportOptions options = Options();
  options.tls.thumbprint_sha256 = server_.Thumbprint();
  HttpsTransport transport(options);
  const auto result = transport.Send(Probe(), kTimeout);
  ASSERT_TRUE(result) << Describe(result);
  EXPECT_EQ(result->status, 401);
}

TEST_F(TransportTest, PinIsComparedWithoutCaseOrColons) {
  std::string pin;
  for (const char c : server_.Thumbprint()) {
    if (c != ':') pin += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  TransportOptions options = Options();
  options.tls.thumbprint_sha256 = pin;
  HttpsTransport transport(options);
  const auto result = transport.Send(Probe(), kTimeout);
  ASSERT_TRUE(result) << Describe(result);
}

TEST_F(TransportTest, WrongPinFailsEvenWithCorrectCa) {
  TransportOptions options = Options();
  options.tls.thumbprint_sha256 = std::string(95, 'A');  // 32 x "AA:" minus the last colon
  for (std::size_t i = 2; i < options.tls.thumbprint_sha256->size(); i += 3) {
    (*options.tls.thumbprint_sha256)[i] = ':';
  }
  HttpsTransport transport(options);
  const auto result = transport.Send(Probe(), kTimeout);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.Error().kind, ErrorKind::kTlsVerification) << Describe(result);
  EXPECT_NE(result.Error().detail.find("pinned"), std::string::npos) << result.Error().detail;
  EXPECT_NE(result.Error().detail.find(server_.Thumbprint()), std::string::npos)
      << result.Error().detail;
  EXPECT_EQ(CountProbes(server_), 0U);
}

TEST_F(TransportTest, PinWithInsecureSkipVerifyAndNoCa) {
  TransportOptions options = Options();
  options.tls.ca_file.reset();
  options.tls.insecure_skip_verify = true;
  options.tls.thumbprint_sha256 = server_.Thumbprint();
  HttpsTransport transport(options);
  const auto result = transport.Send(Probe(), kTimeout);
  ASSERT_TRUE(result) << Describe(result);
}

TEST_F(TransportTest, InsecureSkipVerifyWithoutPinAcceptsAnyCertificate) {
  TransportOptions options = Options();
  options.tls.ca_file.reset();
  options.tls.insecure_skip_verify = true;
  HttpsTransport transport(options);
  const auto result = transport.Send(Probe(), kTimeout);
  ASSERT_TRUE(result) << Describe(result);
}

TEST_F(TransportTest, InsecureSkipVerifyStillChecksThePin) {
  const auto other = simulator::server::MakeSelfSignedCertificate({});
  TransportOptions options = Options();
  options.tls.ca_file.reset();
  options.tls.insecure_skip_verify = true;
  options.tls.thumbprint_sha256 = simulator::server::Sha256Thumbprint(other.certificate_pem);
  HttpsTransport transport(options);
  const auto result = transport.Send(Probe(), kTimeout);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.Error().kind, ErrorKind::kTlsVerification) << Describe(result);
  EXPECT_NE(result.Error().detail.find(server_.Thumbprint()), std::string::npos)
      << result.Error().detail;
}

TEST(TransportHostNameTest, CertificateForAnotherHostFailsVerification) {
  // A trusted certificate (its own CA file) whose only name is elsewhere.test: connecting to
  // 127.0.0.1 must fail on the IP SAN check, and pinning it does not help.
  CustomSimServer server(MakeCertificateOnlyFor("elsewhere.test"), std::chrono::seconds(60));
  TransportOptions options;
  options.url = server.Url();
  options.tls.ca_file = server.CaFile();
  options.requests_per_second = 0;
  {
    HttpsTransport transport(options);
    const auto result = transport.Send(Probe(), kTimeout);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.Error().kind, ErrorKind::kTlsVerification) << Describe(result);
    EXPECT_NE(result.Error().detail.find("not valid for 127.0.0.1"), std::string::npos)
        << result.Error().detail;
  }
  // Control: insecure_skip_verify (no name check) gets through to the same server.
  options.tls.insecure_skip_verify = true;
  HttpsTransport insecure(options);
  const auto result = insecure.Send(Probe(), kTimeout);
  ASSERT_TRUE(result) << Describe(result);
  EXPECT_EQ(server.Sim().Requests().size(), 1U);
}

TEST(TransportConstructionTest, RejectsBadOptions) {
  const auto make = [](const std::string& url, const TlsConfig& tls) {
    TransportOptions options;
    options.url = url;
    options.tls = tls;
    return std::make_unique<HttpsTransport>(options);
  };
  for (const std::string url : {"http://vc01.lab", "https://", "https://vc01.lab/api",
                                "https://vc01.lab:0", "https://vc01.lab:70000", "https://::1:443",
                                "https://[vc01.lab]:443", "https://user@vc01.lab"}) {
    EXPECT_THROW(make(url, {}), std::runtime_error) << url;
  }
  for (const std::string url : {"https://vc01.lab", "https://vc01.lab:8443", "https://vc01.lab/",
                                "HTTPS://127.0.0.1:9", "https://[::1]:8443", "https://[::1]"}) {
    EXPECT_NO_THROW(make(url, {})) << url;
  }
  TlsConfig missing_ca;
  missing_ca.ca_file = "/nonexistent/vsrd-ca.pem";
  try {
    make("https://vc01.lab", missing_ca);
    ADD_FAILURE() << "no exception for a missing CA file";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/vsrd-ca.pem"), std::string::npos)
        << error.what();
  }
  const TempFile not_pem("vsrd-transport-test-not-pem", "this is not a certificate\n");
  TlsConfig bad_ca;
  bad_ca.ca_file = not_pem.Path();
  EXPECT_THROW(make("https://vc01.lab", bad_ca), std::runtime_error);
  TlsConfig bad_pin;
  bad_pin.thumbprint_sha256 = "AB:CD";
  EXPECT_THROW(make("https://vc01.lab", bad_pin), std::runtime_error);
}

// --- HTTP error statuses and transport failures --------------------------------------------

TEST_F(TransportTest, ErrorStatusesAreResponses) {
  for (const int status : {500, 503}) {
    FaultRule rule = Fault(Disposition::kRespond);
    rule.status = status;
    rule.error_type = status == 503 ? "SERVICE_UNAVAILABLE" : "ERROR";
    server_.Sim().AddFault(rule);
    HttpsTransport transport(Options());
    const auto result = transport.Send(Probe(), kTimeout);
    ASSERT_TRUE(result) << Describe(result);
    EXPECT_EQ(result->status, status);
    server_.Sim().Reset();
  }
}

struct FailureCase {
  Disposition disposition;
  ErrorKind kind;
  std::string detail;  ///< a part of the detail
};

TEST_F(TransportTest, FailuresOnAFreshConnectionAreTypedAndNotRetried) {
  const std::string where = "127.0.0.1:" + std::to_string(server_.Port("vc01"));
  const std::vector<FailureCase> cases{
      {Disposition::kReset, ErrorKind::kReset, where},
      {Disposition::kClose, ErrorKind::kReset, where},
      {Disposition::kTruncate, ErrorKind::kTruncated, where},
      {Disposition::kGarbage, ErrorKind::kProtocol, "invalid HTTP response from " + where},
  };
  for (const auto& c : cases) {
    server_.Sim().Reset();
    server_.Sim().AddFault(Fault(c.disposition));
    HttpsTransport transport(Options());
    const auto result = transport.Send(Probe(), kTimeout);
    ASSERT_FALSE(result) << static_cast<int>(c.disposition);
    EXPECT_EQ(KindName(result.Error().kind), KindName(c.kind)) << Describe(result);
    EXPECT_NE(result.Error().detail.find(c.detail), std::string::npos) << Describe(result);
    EXPECT_TRUE(result.Error().operation.empty());
    EXPECT_EQ(result.Error().http_status, 0);
    EXPECT_EQ(CountProbes(server_), 1U) << Describe(result);  // a fresh connection: no retry
    EXPECT_EQ(transport.Stats().connections_opened, 1U);
    // The connection is dropped, the transport is not: the next request works.
    const auto next = transport.Send(Probe(), kTimeout);
    ASSERT_TRUE(next) << Describe(next);
  }
}

TEST_F(TransportTest, SlowServerTimesOut) {
  server_.Sim().AddFault(Delay(milliseconds(3000)));
  HttpsTransport transport(Options());
  const milliseconds timeout(300);
  const auto start = Clock::now();
  const auto result = transport.Send(Probe(), timeout);
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(result);
  EXPECT_EQ(result.Error().kind, ErrorKind::kTimeout) << Describe(result);
  EXPECT_NE(result.Error().detail.find("300 ms"), std::string::npos) << result.Error().detail;
  EXPECT_GE(elapsed, timeout);
  EXPECT_LT(elapsed, 3 * timeout);
}

TEST(TransportNetworkTest, RefusedWhenNothingListens) {
  unsigned short port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    port = acceptor.local_endpoint().port();
  }  // closed: nothing listens on the port now
  TransportOptions options;
  options.url = "https://127.0.0.1:" + std::to_string(port);
  options.requests_per_second = 0;
  HttpsTransport transport(options);
  const auto result = transport.Send(Probe(), kTimeout);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.Error().kind, ErrorKind::kRefused) << Describe(result);
  EXPECT_NE(result.Error().detail.find("connect to 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << result.Error().detail;
  EXPECT_TRUE(result.Error().IsUnreachable());
  EXPECT_EQ(transport.Stats().connections_opened, 0U);
}

TEST(TransportNetworkTest, DnsFailure) {
  TransportOptions options;
  options.url = "https://does-not-exist.invalid";
  options.requests_per_second = 0;
  HttpsTransport transport(options);
  const auto result = transport.Send(Probe(), std::chrono::seconds(20));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.Error().kind, ErrorKind::kDns) << Describe(result);
  EXPECT_NE(result.Error().detail.find("does-not-exist.invalid"), std::string::npos)
      << result.Error().detail;
}

TEST_F(TransportTest, BodyOverTheLimitIsAProtocolError) {
  TransportOptions options = Options();
  options.body_limit = 16;  // the 401 body is a std-error of a few hundred bytes
  HttpsTransport transport(options);
  const auto result = transport.Send(Probe(), kTimeout);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.Error().kind, ErrorKind::kProtocol) << Describe(result);
  EXPECT_NE(result.Error().detail.find("body exceeds limit 16"), std::string::npos)
      << result.Error().detail;
}

// --- rate limit ------------------------------------------------------------------------------

TEST_F(TransportTest, RateLimitSpacesRequests) {
  // rate 5, burst 5: 5 requests at once, the 6 others 200 ms apart, the last at 1.2 s.
  TransportOptions options = Options();
  options.requests_per_second = 5;
  HttpsTransport transport(options);
  const auto start = Clock::now();
  for (int i = 0; i < 11; ++i) {
    const auto result = transport.Send(Probe(), kTimeout);
    ASSERT_TRUE(result) << i << ": " << Describe(result);
  }
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(1150));
  EXPECT_LT(elapsed, milliseconds(3000));
}

TEST_F(TransportTest, NoTokenBeforeTheDeadlineIsATimeoutWithoutSending) {
  TransportOptions options = Options();
  options.requests_per_second = 1;  // burst 1: the next token a second after the first
  HttpsTransport transport(options);
  ASSERT_TRUE(transport.Send(Probe(), kTimeout));
  const auto start = Clock::now();
  const auto result = transport.Send(Probe(), milliseconds(300));
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(result);
  EXPECT_EQ(result.Error().kind, ErrorKind::kTimeout) << Describe(result);
  EXPECT_NE(result.Error().detail.find("rate limit"), std::string::npos) << result.Error().detail;
  EXPECT_LT(elapsed, milliseconds(300));  // known at once: no point waiting
  EXPECT_EQ(CountProbes(server_), 1U);
  // The refused token was not taken: the next one is still due a second after the first.
  const auto later = transport.Send(Probe(), std::chrono::seconds(2));
  ASSERT_TRUE(later) << Describe(later);
  EXPECT_EQ(CountProbes(server_), 2U);
}

// Issue 15: when requests wait for tokens, each refilled token goes to the most urgent, by the
// priority of the pass that sent it (daemon/vsphere/pass_budget.hpp): a manifest change sent
// after two drift checks goes before them.
TEST_F(TransportTest, TheRateLimitServesWaitingRequestsMostUrgentFirst) {
  TransportOptions options = Options();
  options.requests_per_second = 2;  // burst 2, then a token every 500 ms
  HttpsTransport transport(options);
  ASSERT_TRUE(transport.Send(Probe(), kTimeout));
  ASSERT_TRUE(transport.Send(Probe(), kTimeout));
  std::mutex mutex;
  std::vector<std::string> done;
  auto send = [&](const std::string& name, reconcilers::Priority priority) {
    const PassBudget pass(std::chrono::minutes(1), priority);
    const auto result = transport.Send(Probe(), std::chrono::seconds(10));
    EXPECT_TRUE(result) << name << ": " << Describe(result);
    const std::lock_guard lock(mutex);
    done.push_back(name);
  };
  std::thread drift1(send, "drift 1", reconcilers::Priority::kDrift);
  std::this_thread::sleep_for(milliseconds(50));
  std::thread drift2(send, "drift 2", reconcilers::Priority::kDrift);
  std::this_thread::sleep_for(milliseconds(50));
  std::thread change(send, "change", reconcilers::Priority::kChange);
  drift1.join();
  drift2.join();
  change.join();
  EXPECT_EQ(done, (std::vector<std::string>{"change", "drift 1", "drift 2"}));
  EXPECT_EQ(CountProbes(server_), 5U);
}

// A request whose deadline comes while more urgent ones take every token fails as a timeout,
// unsent, and takes no token from those behind it.
TEST_F(TransportTest, ARequestOvertakenUntilItsDeadlineTimesOutUnsent) {
  TransportOptions options = Options();
  options.requests_per_second = 2;
  HttpsTransport transport(options);
  ASSERT_TRUE(transport.Send(Probe(), kTimeout));
  ASSERT_TRUE(transport.Send(Probe(), kTimeout));
  std::optional<decltype(transport.Send(Probe(), kTimeout))> drift;
  std::thread low([&] {
    const PassBudget pass(std::chrono::minutes(1), reconcilers::Priority::kDrift);
    drift = transport.Send(Probe(), milliseconds(700));  // a token could come at 500 ms
  });
  std::this_thread::sleep_for(milliseconds(50));
  std::thread high([&] {
    const PassBudget pass(std::chrono::minutes(1), reconcilers::Priority::kInFlight);
    EXPECT_TRUE(transport.Send(Probe(), std::chrono::seconds(5)));  // takes the 500 ms token
  });
  low.join();
  high.join();
  ASSERT_TRUE(drift.has_value());
  ASSERT_FALSE(*drift);
  EXPECT_EQ(drift->Error().kind, ErrorKind::kTimeout) << Describe(*drift);
  EXPECT_NE(drift->Error().detail.find("rate limit"), std::string::npos) << drift->Error().detail;
  EXPECT_EQ(CountProbes(server_), 3U);
}

// --- shutdown --------------------------------------------------------------------------------

TEST_F(TransportTest, DestructorCancelsRequestsInFlight) {
  server_.Sim().AddFault(Delay(milliseconds(5000), 1, 0));
  auto transport = std::make_unique<HttpsTransport>(Options());
  std::vector<std::future<Result<HttpResponse>>> calls;
  calls.reserve(3);
  for (int i = 0; i < 3; ++i) {
    // The raw pointer: the callers must not read the unique_ptr that the test resets.
    calls.push_back(std::async(std::launch::async, [raw = transport.get()] {
      return raw->Send(Probe(), std::chrono::seconds(30));
    }));
  }
  std::this_thread::sleep_for(milliseconds(300));  // all sent, the server is sitting on them
  const auto start = Clock::now();
  transport.reset();
  for (auto& call : calls) {
    const auto result = call.get();
    ASSERT_FALSE(result);
    EXPECT_EQ(result.Error().kind, ErrorKind::kCancelled) << Describe(result);
  }
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
}

TEST_F(TransportTest, DestructorCancelsARateLimitWait) {
  TransportOptions options = Options();
  options.requests_per_second = 0.1;  // the second token after 10 s
  auto transport = std::make_unique<HttpsTransport>(options);
  ASSERT_TRUE(transport->Send(Probe(), kTimeout));
  auto waiting = std::async(std::launch::async, [raw = transport.get()] {
    return raw->Send(Probe(), std::chrono::seconds(30));
  });
  std::this_thread::sleep_for(milliseconds(200));
  const auto start = Clock::now();
  transport.reset();
  const auto result = waiting.get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.Error().kind, ErrorKind::kCancelled) << Describe(result);
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
  EXPECT_EQ(CountProbes(server_), 1U);
}

// --- TLS helpers ------------------------------------------------------------------------------

TEST(TlsHelpersTest, NormalizeThumbprint) {
  const std::string upper =
      "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:"
      "45:67:89";
  const std::string canonical = "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789";
  EXPECT_EQ(NormalizeThumbprint(upper), canonical);
  EXPECT_EQ(NormalizeThumbprint("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"),
            canonical);
  EXPECT_EQ(NormalizeThumbprint(canonical), canonical);
  EXPECT_EQ(NormalizeThumbprint(""), std::nullopt);
  EXPECT_EQ(NormalizeThumbprint("AB:CD"), std::nullopt);
  EXPECT_EQ(NormalizeThumbprint(canonical + "00"), std::nullopt);  // SHA-512 length etc.
  EXPECT_EQ(NormalizeThumbprint("GG" + canonical.substr(2)), std::nullopt);
  EXPECT_EQ(NormalizeThumbprint(" " + canonical), std::nullopt);
}

TEST(TlsHelpersTest, ThumbprintMatches) {
  const std::string thumbprint = simulator::server::Sha256Thumbprint(
      simulator::server::MakeSelfSignedCertificate({}).certificate_pem);
  std::string lower_no_colons;
  for (const char c : thumbprint) {
    if (c != ':') lower_no_colons += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  EXPECT_TRUE(ThumbprintMatches(thumbprint, thumbprint));
  EXPECT_TRUE(ThumbprintMatches(lower_no_colons, thumbprint));
  EXPECT_TRUE(ThumbprintMatches(thumbprint, lower_no_colons));
  std::string other = thumbprint;
  other[0] = other[0] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(ThumbprintMatches(other, thumbprint));
  EXPECT_FALSE(ThumbprintMatches("", ""));
  EXPECT_FALSE(ThumbprintMatches("xyz", "xyz"));
}

TEST(TlsHelpersTest, Sha256ThumbprintOfX509) {
  const auto identity = simulator::server::MakeSelfSignedCertificate({});
  std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(
      BIO_new_mem_buf(identity.certificate_pem.data(),
                      static_cast<int>(identity.certificate_pem.size())),
      &BIO_free_all);
  ASSERT_NE(bio, nullptr);
  std::unique_ptr<X509, decltype(&X509_free)> certificate(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  ASSERT_NE(certificate, nullptr);
  EXPECT_EQ(Sha256Thumbprint(certificate.get()),
            simulator::server::Sha256Thumbprint(identity.certificate_pem));
  EXPECT_EQ(Sha256Thumbprint(nullptr), "");
}

}  // namespace
}  // namespace vsrd::daemon::vsphere
