// `vsrd run` as operators run it: the real vsrd binary as a process, against the real vsrd-sim
// process serving examples/sim/lab.yaml (its clock starting now) over HTTPS on free loopback
// ports. Each test has its own temporary directory (config, manifests, state, log), simulator and
// daemon. The simulated clock stands still (time scale 0): a test that needs tasks to finish
// advances it through the admin API, so every intermediate state is reached deterministically.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/http/client.hpp"
#include "tests/integration/daemon/vsrd_process.hpp"
#include "tests/integration/https_client.hpp"
#include "tests/integration/sim_admin.hpp"
#include "tests/integration/sim_process.hpp"

namespace vsrd::integration {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

const std::string kSource = VSRD_SOURCE_DIR;
const std::string kUmInstallPath =
    "/appliance/update-manager/updates/9.0.2.0-24522545/actions/install";

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// `text` with the first `from` replaced by `to`; throws when `from` is absent, so that a
/// change to the example files fails the test instead of silently testing something else.
std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("\"" + from + "\" not found in:\n" + text);
  text.replace(at, from.size(), to);
  return text;
}

std::string Example(const std::string& file) {
  return ReadText(kSource + "/examples/manifests/" + file);
}

/// examples/manifests/guest-customization.yaml checking the VMs `vms` ("vm-42, vm-43").
std::string WebTier(const std::string& vms) {
  return Replaced(Example("guest-customization.yaml"), "vms: [vm-42, vm-43, vm-44]",
                  "vms: [" + vms + "]");
}

/// examples/manifests/appliance-install-guard.yaml with another max_duration. vc02's install
/// has run 5h (of 8h) at the simulator's start, so 9h or more never cancels it.
std::string InstallGuard(const std::string& max_duration) {
  return Replaced(Example("appliance-install-guard.yaml"), "max_duration: 4h",
                  "max_duration: " + max_duration);
}

/// The vr01 document of examples/manifests/appliance-updates.yaml without its maintenance
/// window (its only policy), so the update starts at once.
std::string Vr01Update() {
  const std::string all = Example("appliance-updates.yaml");
  const auto second = all.find("---\n");
  if (second == std::string::npos) throw std::runtime_error("no second document:\n" + all);
  std::string text = all.substr(second + 4);
  const auto policy = text.find("  policy:\n    window:");
  if (policy == std::string::npos) throw std::runtime_error("no window in:\n" + text);
  text.resize(policy);
  return text;
}

/// Polls `done` every `poll` until it is true or `timeout` passes; its last answer.
bool Eventually(const std::function<bool()>& done, milliseconds timeout,
                milliseconds poll = milliseconds(50)) {
  const auto deadline = steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

/// Problems of a Prometheus text exposition (format 0.0.4): every line a HELP, a TYPE, another
/// comment or a sample; names and label sets well-formed; values numbers, +Inf, -Inf or NaN;
/// each family TYPE'd once, before its samples, which are grouped under it; histogram samples
/// are _bucket (with le), _sum and _count; no series twice.
std::vector<std::string> ExpositionProblems(const std::string& text) {
  static const std::string kNameRe = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  static const std::string kLabelRe = R"([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")";
  static const std::regex kHelp("# HELP (" + kNameRe + ")( .*)?");
  static const std::regex kType("# TYPE (" + kNameRe +
                                ") (counter|gauge|histogram|summary|untyped)");
  static const std::regex kSample(
      "(" + kNameRe + ")(\\{(?:" + kLabelRe + "(?:," + kLabelRe + ")*,?)?\\})? " +
      R"(([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]Inf|NaN))" +
      "( -?[0-9]+)?");
  std::vector<std::string> problems;
  std::map<std::string, std::string> types;  // family -> type
  std::set<std::string> helps;
  std::set<std::string> series;
  std::string family;  // the family whose samples may follow
  std::istringstream lines(text);
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    const std::string where = "line " + std::to_string(number) + " \"" + line + "\": ";
    std::smatch match;
    if (line.empty()) continue;
    if (line.starts_with("# HELP ")) {
      if (!std::regex_match(line, match, kHelp)) {
        problems.push_back(where + "malformed HELP");
      } else if (!helps.insert(match[1].str()).second) {
        problems.push_back(where + "second HELP for the family");
      }
    } else if (line.starts_with("# TYPE ")) {
      if (!std::regex_match(line, match, kType)) {
        problems.push_back(where + "malformed TYPE");
        continue;
      }
      family = match[1].str();
      if (!types.emplace(family, match[2].str()).second) {
        problems.push_back(where + "second TYPE for the family");
      }
    } else if (line.starts_with("#")) {
      continue;  // another comment
    } else if (!std::regex_match(line, match, kSample)) {
      problems.push_back(where + "not a sample");
    } else {
      const std::string name = match[1].str();
      const std::string labels = match[2].str();
      const std::string type = types.contains(family) ? types.at(family) : "";
      bool belongs = name == family;
      if (type == "histogram") {
        belongs = (name == family + "_bucket" && labels.find("le=\"") != std::string::npos) ||
                  name == family + "_sum" || name == family + "_count";
      } else if (type == "summary") {
        belongs = belongs || name == family + "_sum" || name == family + "_count";
      }
      if (!belongs) {
        std::string problem = where;
        problem += "not under its family's TYPE (" + family + ")";
        problems.push_back(std::move(problem));
      }
      if (!series.insert(name + labels).second) problems.push_back(where + "series repeated");
    }
  }
  return problems;
}

/// The path of `name` in PATH, or "" when it is not installed.
std::string FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path == nullptr ? "" : path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

/// A TCP connection to 127.0.0.1:`port` that the test drives byte by byte: a client the vsrd
/// client cannot play (idle, trickling, or with hand-written header fields).
class LoopbackConnection {
 public:
  explicit LoopbackConnection(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket(AF_INET) failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect 127.0.0.1:" + std::to_string(port) + " failed");
    }
  }
  ~LoopbackConnection() { ::close(fd_); }
  LoopbackConnection(const LoopbackConnection&) = delete;
  LoopbackConnection& operator=(const LoopbackConnection&) = delete;

  /// Sends what the socket takes now; false once the peer closed (never blocks, never SIGPIPE).
  bool Send(const std::string& bytes) const {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT) >= 0;
  }

  /// Everything received until the peer closes or `timeout` passes.
  std::string ReadUntilClose(milliseconds timeout) const {
    const auto deadline = steady_clock::now() + timeout;
    std::string received;
    std::array<char, 4096> chunk{};
    while (steady_clock::now() < deadline) {
      pollfd poll_fd{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
      if (::poll(&poll_fd, 1, static_cast<int>(std::max<long>(left.count(), 1))) <= 0) continue;
      const ssize_t size = ::recv(fd_, chunk.data(), chunk.size(), 0);
      if (size <= 0) break;
      received.append(chunk.data(), static_cast<std::size_t>(size));
    }
    return received;
  }

 private:
  int fd_ = -1;
};

/// The status code of the response to `request` (sent on a connection of its own, which the
/// server closes after answering: the request should say "Connection: close"); 0 when none
/// arrives within 5 s.
int StatusOf(unsigned short port, const std::string& request) {
  const LoopbackConnection connection(port);
  if (!connection.Send(request)) return 0;
  const std::string response = connection.ReadUntilClose(seconds(5));
  std::smatch match;
  if (!std::regex_search(response, match, std::regex("^HTTP/1\\.1 (\\d{3}) "))) return 0;
  return std::stoi(match[1]);
}

/// An AF_UNIX datagram socket bound at a path, standing in for systemd's notify socket.
class NotifySocket {
 public:
  explicit NotifySocket(const fs::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket(AF_UNIX) failed");
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string text = path.string();
    if (text.size() >= sizeof(address.sun_path)) throw std::runtime_error("path too long");
    text.copy(static_cast<char*>(address.sun_path), text.size());
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
      throw std::runtime_error("bind " + text + " failed");
    }
  }
  ~NotifySocket() {
    ::close(fd_);
    std::error_code ignored;
    fs::remove(path_, ignored);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  /// The next datagram, or nullopt when none arrives within `timeout`.
  std::optional<std::string> Receive(milliseconds timeout) const {
    pollfd poll_fd{fd_, POLLIN, 0};
    if (::poll(&poll_fd, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    std::string buffer(std::size_t{64} * 1024, '\0');
    const ssize_t size = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (size < 0) return std::nullopt;
    buffer.resize(static_cast<std::size_t>(size));
    return buffer;
  }

  /// Receives until a datagram contains `needle` (that datagram) or `timeout` passes; every
  /// datagram received is appended to `seen`.
  std::optional<std::string> ReceiveUntil(const std::string& needle, milliseconds timeout,
                                          std::vector<std::string>& seen) const {
    const auto deadline = steady_clock::now() + timeout;
    while (steady_clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
      auto message = Receive(std::max(left, milliseconds(1)));
      if (!message) continue;
      seen.push_back(*message);
      if (message->find(needle) != std::string::npos) return message;
    }
    return std::nullopt;
  }

 private:
  fs::path path_;
  int fd_ = -1;
};

class DaemonProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Short enough for a unix socket path (108 bytes) under any usual TMPDIR.
    dir_ = fs::temp_directory_path() /
           ("vsrd-proc-" + std::to_string(::getpid()) + "-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())
                .substr(0, 24));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "credentials");
    fs::create_directories(dir_ / "manifests");
    std::ofstream(dir_ / "credentials" / "vr01") << "vr-demo-password\n";
    std::ofstream(dir_ / "vc01.password") << "demo-only-password\n";
  }

  void TearDown() override {
    if (HasFailure()) {
      for (std::size_t i = 0; i < logs_.size(); ++i) {
        std::cout << "---- vsrd log " << i + 1 << " (" << logs_[i] << "):\n"
                  << ReadWholeFile(logs_[i]) << "----\n";
      }
      if (sim_) std::cout << "---- vsrd-sim stderr:\n" << sim_->Stderr() << "----\n";
    }
    vsrd_.reset();
    admin_.reset();
    sim_.reset();
    // A failed test keeps its directory (config, manifests, journal, logs) for a look; so does
    // every test with VSRD_KEEP_TEST_DIRS set.
    if (HasFailure() || std::getenv("VSRD_KEEP_TEST_DIRS") != nullptr) {
      std::cout << "test directory kept: " << dir_.string() << std::endl;
    } else {
      fs::remove_all(dir_);
    }
  }

  /// vsrd-sim with every persona of the lab scenario and an admin-only listener (it stays up
  /// while vr01 restarts and refuses connections) on free ports; the clock stands still.
  void StartSim(const std::string& scenario = kSource + "/examples/sim/lab.yaml") {
    // The lab scenario with its clock starting now (vc02's install started 5 h before the
    // simulated start; vsrd measures it on the appliance's clock, the Date of its answers).
    sim_ = std::make_unique<SimProcess>(
        VSRD_SIM_BINARY,
        std::vector<std::string>{"--scenario", scenario, "--clock-start", "now",
                                 "--listen-override", "vc01=127.0.0.1:0", "--listen-override",
                                 "vr01=127.0.0.1:0", "--listen-override", "vc02=127.0.0.1:0",
                                 "--admin-listen", "127.0.0.1:0", "--cert-out",
                                 (dir_ / "ca.pem").string(), "--time-scale", "0"},
        4);
    admin_ = std::make_unique<HttpsClient>(sim_->Port("admin"), CaFile());
  }

  std::string CaFile() const { return (dir_ / "ca.pem").string(); }

  /// vsrd.yaml for the three lab targets, with each way of giving a password: a file (vc01),
  /// an environment variable (vc02) and a systemd credential (vr01).
  std::string ConfigText(int workers = 2) const {
    std::ostringstream out;
    out << "manifests: manifests\nstate_dir: state\nlisten: 127.0.0.1:0\n"
        << "workers: " << workers << "\n"
        << "log: {level: info, format: text}\n"
        << "defaults: {interval: 5m, retry_interval: 2s, timeout: 2h}\n"
        << "targets:\n"
        << Target("vc01", "vcenter", "administrator@vsphere.local", "password_file: vc01.password")
        << Target("vc02", "vcenter", "administrator@vsphere.local",
                  "password_env: VSRD_VC02_PASSWORD")
        << Target("vr01", "update-manager", "admin", "password_credential: vr01");
    return out.str();
  }
  std::string Target(const std::string& name, const std::string& api, const std::string& user,
                     const std::string& password) const {
    return "  " + name + ":\n    api: " + api + "\n    url: " + sim_->Url(name) +
           "\n    username: " + user + "\n    " + password + "\n    tls: {ca_file: " + CaFile() +
           "}\n    requests_per_second: 1000\n";
  }
  void WriteConfig(const std::string& text) const { std::ofstream(dir_ / "vsrd.yaml") << text; }
  void WriteManifest(const std::string& file, const std::string& text) const {
    std::ofstream(dir_ / "manifests" / file) << text;
  }

  std::map<std::string, std::string> Environment() const {
    return {{"VSRD_CONFIG", (dir_ / "vsrd.yaml").string()},
            {"CREDENTIALS_DIRECTORY", (dir_ / "credentials").string()},
            {"VSRD_VC02_PASSWORD", "demo-only-password"}};
  }

  /// Starts `vsrd run` (replacing a previous one, which is killed) and waits for its listener.
  void StartVsrd(const std::map<std::string, std::string>& extra_env = {}) {
    vsrd_.reset();
    auto env = Environment();
    for (const auto& [name, value] : extra_env) env[name] = value;
    logs_.push_back(dir_ / ("vsrd-" + std::to_string(logs_.size() + 1) + ".log"));
    vsrd_ = std::make_unique<VsrdProcess>(VSRD_BINARY, std::vector<std::string>{"run"}, env,
                                          logs_.back());
    vsrd_->WaitForPort();
  }

  /// A request to the daemon; status 0 and the error as body when it cannot be reached.
  daemon::http::ClientResponse Daemon(const std::string& method, const std::string& target) const {
    auto response = daemon::http::Fetch(vsrd_->Address(), method, target, seconds(5));
    if (!response) return {0, response.Error()};
    return *response;
  }

  /// GET /status/KIND/NAME; null when the daemon does not list it (or cannot be reached).
  Json ObjectStatus(const std::string& key) const {
    const auto response = Daemon("GET", "/status/" + key);
    if (response.status != 200) return nullptr;
    return Json::parse(response.body, nullptr, false);
  }

  std::string Phase(const std::string& key) const {
    const Json status = ObjectStatus(key);
    return status.is_object() ? status.value("phase", "") : "";
  }

  /// Kind/name -> generation of every object in GET /status.
  std::map<std::string, std::string> Generations() const {
    std::map<std::string, std::string> out;
    const auto response = Daemon("GET", "/status");
    if (response.status != 200) return out;
    const Json status = Json::parse(response.body, nullptr, false);
    if (!status.is_object() || !status.contains("objects")) return out;
    for (const auto& object : status.at("objects")) {
      out[object.at("kind").get<std::string>() + "/" + object.at("name").get<std::string>()] =
          object.at("generation").get<std::string>();
    }
    return out;
  }

  bool WaitForPhase(const std::string& key, const std::string& phase,
                    milliseconds timeout = seconds(15)) const {
    return Eventually([&] { return Phase(key) == phase; }, timeout);
  }

  /// One admin API call to vsrd-sim (tests/integration/sim_admin.hpp).
  Json Sim(http::verb method, const std::string& target, const std::string& body = "") {
    return integration::SimAdminCall(*admin_, method, target, body);
  }

  /// The simulator's request log of one persona.
  Json Requests(const std::string& persona) {
    return Sim(http::verb::get, "/sim/requests?persona=" + persona);
  }

  /// Answers the next customization check `delay` late (a vsrd-sim fault), asks vsrd to reconcile
  /// `key` (a GuestCustomizationCheck) and waits until its check was sent: a pass of `key` stays
  /// in flight that long.
  void HoldACustomizationCheck(const std::string& key, const std::string& delay) {
    Sim(http::verb::post, "/sim/faults",
        R"({"persona": "vc01", "method": "POST", "path": "/api/vcenter/vm/{vm}/guest/customization",
            "action": "check", "times": 0, "delay": ")" +
            delay + R"("})");
    ASSERT_EQ(Sim(http::verb::get, "/sim/faults").size(), 1U);
    Sim(http::verb::delete_, "/sim/requests");
    const auto reconcile = Daemon("POST", "/reconcile/" + key);
    ASSERT_EQ(reconcile.status, 202) << reconcile.body;
    ASSERT_TRUE(Eventually(
        [&] {
          for (const auto& entry : Requests("vc01")) {
            if (entry.at("operation") == "vm.guest.customization.check") return true;
          }
          return false;
        },
        seconds(5)))
        << Requests("vc01").dump(2);
  }

  /// How many logged requests of `persona` have `method` and `path`.
  int CountRequests(const std::string& persona, const std::string& method,
                    const std::string& path) {
    int count = 0;
    for (const auto& entry : Requests(persona)) {
      if (entry.at("method") == method && entry.at("path") == path) ++count;
    }
    return count;
  }

  void AdvanceSimClock(const std::string& by) {
    Sim(http::verb::post, "/sim/clock/advance?by=" + by);
  }

  /// Runs a `vsrd` command against the running daemon. The daemon's config listens on port 0,
  /// so the command gets a copy naming the port it took (as an operator's config names a
  /// fixed one).
  CommandResult Vsrd(const std::vector<std::string>& args) const {
    const auto config = dir_ / "cli.yaml";
    std::ofstream(config) << Replaced(ReadText(dir_ / "vsrd.yaml"), "listen: 127.0.0.1:0",
                                      "listen: " + vsrd_->Address());
    auto env = Environment();
    env["VSRD_CONFIG"] = config.string();
    return RunCommand(VSRD_BINARY, args, env, dir_);
  }

  fs::path dir_;
  std::unique_ptr<SimProcess> sim_;
  std::unique_ptr<HttpsClient> admin_;
  std::unique_ptr<VsrdProcess> vsrd_;
  std::vector<fs::path> logs_;
};

constexpr const char* kWebTier = "GuestCustomizationCheck/web-tier";
constexpr const char* kGuard = "ApplianceInstall/vc02-install-guard";
constexpr const char* kVr01 = "ApplianceUpdate/vr01-update";

TEST_F(DaemonProcessTest, ManifestEditTriggersReconcile) {
  StartSim();
  WriteConfig(ConfigText());
  WriteManifest("guest-customization.yaml", WebTier("vm-42"));
  StartVsrd();
  ASSERT_TRUE(WaitForPhase(kWebTier, "Ready")) << ObjectStatus(kWebTier).dump(2);
  const auto vm43 = [&] {
    for (const auto& entry : Requests("vc01")) {
      if (entry.at("path").get<std::string>().find("/vm-43") != std::string::npos) return true;
    }
    return false;
  };
  ASSERT_FALSE(vm43()) << "vm-43 is not in the manifest yet";

  const auto written = steady_clock::now();
  WriteManifest("guest-customization.yaml", WebTier("vm-42, vm-43"));
  const bool seen = Eventually(vm43, seconds(5), milliseconds(2));
  const auto latency = std::chrono::duration_cast<milliseconds>(steady_clock::now() - written);
  std::cout << "manifest edit -> first API call: " << latency.count() << " ms" << std::endl;
  EXPECT_TRUE(seen) << "no call about vm-43 within 5 s of the edit";
  EXPECT_LT(latency, seconds(5));
}

TEST_F(DaemonProcessTest, SymlinkSwapIsOneChange) {
  StartSim();
  WriteConfig(ConfigText());
  fs::remove(dir_ / "manifests");
  fs::create_directories(dir_ / "A");
  std::ofstream(dir_ / "A" / "guest-customization.yaml") << WebTier("vm-42");
  std::ofstream(dir_ / "A" / "appliance-install-guard.yaml") << InstallGuard("9h");
  fs::create_directory_symlink("A", dir_ / "manifests");
  StartVsrd();
  ASSERT_TRUE(Eventually([&] { return Generations().size() == 2; }, seconds(10)));
  ASSERT_TRUE(WaitForPhase(kWebTier, "Ready"));
  const auto before = Generations();
  const std::size_t loads = vsrd_->CountLines("manifests loaded");
  ASSERT_EQ(loads, 1U) << vsrd_->Log();

  // git-sync: a new checkout beside the old one, then `ln -s B tmp && mv -T tmp manifests`.
  fs::create_directories(dir_ / "B");
  fs::copy_file(dir_ / "A" / "guest-customization.yaml", dir_ / "B" / "guest-customization.yaml");
  std::ofstream(dir_ / "B" / "appliance-install-guard.yaml") << InstallGuard("10h");
  fs::create_directory_symlink("B", dir_ / "manifests.tmp");
  fs::rename(dir_ / "manifests.tmp", dir_ / "manifests");

  ASSERT_TRUE(Eventually([&] { return Generations()[kGuard] != before.at(kGuard); }, seconds(5)))
      << "the changed object's generation did not change";
  // Longer than the watcher's debounce and max_delay: a second reload would have happened.
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ(vsrd_->CountLines("manifests loaded"), loads + 1) << vsrd_->Log();
  const auto after = Generations();
  EXPECT_EQ(after.at(kWebTier), before.at(kWebTier)) << "the unchanged object was touched";
  EXPECT_NE(after.at(kGuard), before.at(kGuard));

  // Edits in the old checkout are no longer changes.
  std::ofstream(dir_ / "A" / "guest-customization.yaml") << WebTier("vm-42, vm-43");
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ(vsrd_->CountLines("manifests loaded"), loads + 1) << vsrd_->Log();
  EXPECT_EQ(Generations().at(kWebTier), before.at(kWebTier));
}

TEST_F(DaemonProcessTest, BrokenYamlKeepsLastGood) {
  StartSim();
  WriteConfig(ConfigText());
  WriteManifest("guest-customization.yaml", WebTier("vm-42"));
  WriteManifest("appliance-install-guard.yaml", InstallGuard("9h"));
  StartVsrd();
  ASSERT_TRUE(Eventually([&] { return Generations().size() == 2; }, seconds(10)));
  const auto good = Generations();
  const std::string series = "vsrd_manifest_errors{file=\"guest-customization.yaml\"}";
  EXPECT_NE(Daemon("GET", "/metrics").body.find(series + " 0"), std::string::npos)
      << "every manifest file has its series from the start";

  // An unclosed flow sequence: the file no longer parses.
  WriteManifest("guest-customization.yaml", Replaced(WebTier("vm-42, vm-43"), "vm-43]", "vm-43"));
  ASSERT_TRUE(Eventually(
      [&] { return Daemon("GET", "/metrics").body.find(series + " 1") != std::string::npos; },
      seconds(5)))
      << Daemon("GET", "/metrics").body;
  const std::regex located(R"(guest-customization\.yaml:[0-9]+:[0-9]+: error: invalid YAML)");
  EXPECT_TRUE(std::regex_search(vsrd_->Log(), located)) << vsrd_->Log();
  const auto kept = Generations();
  EXPECT_EQ(kept.size(), 2U);
  EXPECT_EQ(kept.at(kWebTier), good.at(kWebTier)) << "the last good spec stays in force";
  EXPECT_EQ(kept.at(kGuard), good.at(kGuard));
  const auto status = Daemon("GET", "/status");
  EXPECT_EQ(status.status, 200);
  EXPECT_TRUE(std::regex_search(status.body, located)) << "GET /status lists it\n" << status.body;

  // Fixed, with a change: the errors go and the new spec is in force.
  WriteManifest("guest-customization.yaml", WebTier("vm-42, vm-43"));
  ASSERT_TRUE(Eventually([&] { return Generations()[kWebTier] != good.at(kWebTier); }, seconds(5)));
  const std::string metrics = Daemon("GET", "/metrics").body;
  EXPECT_NE(metrics.find(series + " 0"), std::string::npos) << metrics;
  EXPECT_TRUE(
      Eventually([&] { return vsrd_->CountLines("manifest errors resolved") == 1; }, seconds(2)))
      << vsrd_->Log();
  EXPECT_EQ(Generations().at(kGuard), good.at(kGuard));
}

TEST_F(DaemonProcessTest, SighupWithBadConfigKeepsRunning) {
  StartSim();
  const std::string config = ConfigText();
  WriteConfig(config);
  WriteManifest("guest-customization.yaml", WebTier("vm-42"));
  StartVsrd();
  ASSERT_TRUE(WaitForPhase(kWebTier, "Ready"));

  WriteConfig(Replaced(config, "workers: 2", "workers: lots"));
  vsrd_->Signal(SIGHUP);
  ASSERT_TRUE(Eventually(
      [&] { return vsrd_->CountLines("the running config stays in force") == 1; }, seconds(5)))
      << vsrd_->Log();
  EXPECT_NE(vsrd_->Log().find("vsrd.yaml:4:"), std::string::npos)
      << "the config error names its position\n"
      << vsrd_->Log();
  EXPECT_FALSE(vsrd_->WaitExit(milliseconds(200)).has_value()) << "vsrd exited";
  EXPECT_EQ(Daemon("GET", "/healthz").status, 200);
  const auto status = Daemon("GET", "/status");
  EXPECT_EQ(status.status, 200);
  EXPECT_NE(status.body.find("web-tier"), std::string::npos) << status.body;

  Sim(http::verb::delete_, "/sim/requests");
  WriteConfig(Replaced(config, "workers: 2", "workers: 3"));
  vsrd_->Signal(SIGHUP);
  EXPECT_TRUE(Eventually([&] { return vsrd_->CountLines("in force (3 targets, 3 workers)") == 1; },
                         seconds(10)))
      << vsrd_->Log();
  EXPECT_EQ(Daemon("GET", "/healthz").status, 200);
  EXPECT_TRUE(WaitForPhase(kWebTier, "Ready"));
  // The replaced engine's session ended on the target (issue 14: a reload leaked one session
  // per target), and the new engine logged in with its own.
  const auto count = [&](const std::string& operation) {
    const Json requests = Requests("vc01");
    return std::count_if(requests.begin(), requests.end(),
                         [&](const Json& entry) { return entry.at("operation") == operation; });
  };
  EXPECT_TRUE(Eventually([&] { return count("session.delete") == 1; }, seconds(5)))
      << Requests("vc01").dump(2);
  EXPECT_EQ(count("session.create"), 1) << Requests("vc01").dump(2);
}

TEST_F(DaemonProcessTest, SigtermExitsZeroInTimeWithJournalFlushed) {
  StartSim();
  WriteConfig(ConfigText());
  WriteManifest("guest-customization.yaml", WebTier("vm-42"));
  StartVsrd();
  ASSERT_TRUE(WaitForPhase(kWebTier, "Ready"));

  const auto signalled = steady_clock::now();
  vsrd_->Signal(SIGTERM);
  const auto status = vsrd_->WaitExit(seconds(12));
  const auto took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - signalled);
  ASSERT_TRUE(status.has_value()) << "still running 12 s after SIGTERM";
  EXPECT_EQ(*status, 0);
  std::cout << "SIGTERM -> exit: " << took.count() << " ms" << std::endl;
  EXPECT_EQ(vsrd_->CountLines("journal flushed"), 1U) << vsrd_->Log();
}

TEST_F(DaemonProcessTest, NeverWritesACoreFile) {
  // Passwords and session ids are in its memory: RLIMIT_CORE is 0, hard and soft.
  StartSim();
  WriteConfig(ConfigText());
  WriteManifest("guest-customization.yaml", WebTier("vm-42"));
  StartVsrd();
  const std::string limits = ReadWholeFile("/proc/" + std::to_string(vsrd_->Pid()) + "/limits");
  const std::regex no_core(R"(Max core file size\s+0\s+0\s)");
  EXPECT_TRUE(std::regex_search(limits, no_core)) << limits;
}

TEST_F(DaemonProcessTest, SecondSigtermDuringASlowStopExitsAtOnce) {
  StartSim();
  WriteConfig(ConfigText());
  WriteManifest("guest-customization.yaml", WebTier("vm-42"));
  StartVsrd();
  ASSERT_TRUE(WaitForPhase(kWebTier, "Ready"));

  // The next customization check is answered 60 s late: a pass stays in flight.
  HoldACustomizationCheck(kWebTier, "60s");
  if (HasFatalFailure()) return;

  vsrd_->Signal(SIGTERM);
  ASSERT_TRUE(Eventually([&] { return vsrd_->CountLines("SIGTERM: stopping") == 1; }, seconds(5)))
      << vsrd_->Log();
  EXPECT_FALSE(vsrd_->WaitExit(milliseconds(500)).has_value())
      << "the stop should wait for the pass in flight";
  const auto signalled = steady_clock::now();
  vsrd_->Signal(SIGTERM);
  const auto status = vsrd_->WaitExit(seconds(2));
  ASSERT_TRUE(status.has_value()) << "a second SIGTERM must exit at once";
  EXPECT_EQ(*status, 1);
  std::cout << "second SIGTERM -> exit: "
            << std::chrono::duration_cast<milliseconds>(steady_clock::now() - signalled).count()
            << " ms" << std::endl;
  EXPECT_EQ(vsrd_->CountLines("second SIGTERM: exiting at once"), 1U) << vsrd_->Log();
}

// Issue 14, defect 5: the reload ran on the main thread and waited for the pass in flight, so a
// 25 s POST left the watchdog unfed for 24 s and SIGTERM unnoticed. The reload now runs on its
// own thread (Daemon::RequestReload): the main loop keeps feeding the watchdog and answering
// signals while the old engine's pass finishes.
TEST_F(DaemonProcessTest, SighupDuringASlowPassKeepsTheWatchdogFedAndSigtermAnswered) {
  StartSim();
  WriteConfig(ConfigText());
  WriteManifest("guest-customization.yaml", WebTier("vm-42"));
  const NotifySocket socket(dir_ / "notify.sock");
  // A 2 s watchdog: the main loop ticks every 500 ms and feeds it at each tick while healthy.
  StartVsrd({{"NOTIFY_SOCKET", (dir_ / "notify.sock").string()}, {"WATCHDOG_USEC", "2000000"}});
  std::vector<std::string> seen;
  ASSERT_TRUE(socket.ReceiveUntil("READY=1", seconds(10), seen).has_value())
      << ::testing::PrintToString(seen);
  ASSERT_TRUE(WaitForPhase(kWebTier, "Ready"));

  // The next customization check is answered 25 s late: a pass stays in flight.
  HoldACustomizationCheck(kWebTier, "25s");
  if (HasFatalFailure()) return;

  vsrd_->Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] { return vsrd_->CountLines("SIGHUP: reloading") == 1; }, seconds(2)))
      << vsrd_->Log();
  // For 6 s of the reload, WATCHDOG=1 keeps arriving well within the 2 s interval.
  auto last_ping = steady_clock::now();
  milliseconds longest_gap{0};
  int pings = 0;
  const auto watch_until = steady_clock::now() + seconds(6);
  while (steady_clock::now() < watch_until) {
    const auto message = socket.Receive(milliseconds(100));
    if (!message || message->find("WATCHDOG=1") == std::string::npos) continue;
    const auto now = steady_clock::now();
    longest_gap = std::max(longest_gap, std::chrono::duration_cast<milliseconds>(now - last_ping));
    last_ping = now;
    ++pings;
  }
  longest_gap = std::max(longest_gap,
                         std::chrono::duration_cast<milliseconds>(steady_clock::now() - last_ping));
  std::cout << "during the reload: " << pings << " WATCHDOG=1, longest gap " << longest_gap.count()
            << " ms" << std::endl;
  EXPECT_GE(pings, 4);
  EXPECT_LT(longest_gap, milliseconds(1500)) << "the watchdog (2 s) went unfed during the reload";
  EXPECT_EQ(vsrd_->CountLines("reload: config"), 0U) << "the pass in flight is still running";

  // SIGTERM is answered within a second although the reload still waits for the pass.
  vsrd_->Signal(SIGTERM);
  EXPECT_TRUE(Eventually([&] { return vsrd_->CountLines("SIGTERM: stopping") == 1; }, seconds(1)))
      << vsrd_->Log();
  EXPECT_TRUE(socket.ReceiveUntil("STOPPING=1", seconds(2), seen).has_value())
      << ::testing::PrintToString(seen);
  // The stop waits stop_grace (10 s) for the pass, then exits; the new engine never started.
  const auto status = vsrd_->WaitExit(seconds(15));
  ASSERT_TRUE(status.has_value()) << vsrd_->Log();
  EXPECT_EQ(*status, 0);
  EXPECT_EQ(vsrd_->CountLines("in force ("), 0U) << vsrd_->Log();
}

TEST_F(DaemonProcessTest, SigkillDuringApplianceUpdateThenRestartInstallsOnce) {
  StartSim();
  WriteConfig(ConfigText());
  WriteManifest("appliance-updates.yaml", Vr01Update());
  StartVsrd();
  const std::string install_operation = "update-manager.updates.install";
  const auto operation = [&] {
    const Json status = ObjectStatus(kVr01);
    if (!status.is_object() || !status.contains("operation") || status.at("operation").is_null()) {
      return std::string();
    }
    return status.at("operation").value("name", "");
  };
  // Pass 1 retrieves the updates (a task of 1 s queued + 10 s); once it is done, a pass installs.
  const bool installing = Eventually(
      [&] {
        if (operation() == install_operation) return true;
        if (operation() == "update-manager.retrieve-updates") {
          AdvanceSimClock("15s");
          Daemon("POST", std::string("/reconcile/") + kVr01);
        }
        return false;
      },
      seconds(15), milliseconds(100));
  ASSERT_TRUE(installing) << ObjectStatus(kVr01).dump(2);
  ASSERT_EQ(CountRequests("vr01", "POST", kUmInstallPath), 1);

  EXPECT_EQ(vsrd_->Kill(), 128 + SIGKILL);
  StartVsrd();
  EXPECT_TRUE(Eventually([&] { return vsrd_->CountLines("operations in flight are resumed") == 1; },
                         seconds(5)))
      << vsrd_->Log();
  // The install (5 s queued + 2 m), vr01's restart (3 m refusing connections), then the new
  // version: simulated time in 30 s steps, each followed by a pass.
  const bool ready = Eventually(
      [&] {
        if (Phase(kVr01) == "Ready") return true;
        AdvanceSimClock("30s");
        Daemon("POST", std::string("/reconcile/") + kVr01);
        return false;
      },
      seconds(25), milliseconds(250));
  EXPECT_TRUE(ready) << ObjectStatus(kVr01).dump(2);
  EXPECT_EQ(CountRequests("vr01", "POST", kUmInstallPath), 1) << Requests("vr01").dump(1);
  const Json vr01 = Sim(http::verb::get, "/sim/state/vr01");
  EXPECT_TRUE(
      vr01.at("appliance").at("appliance_version").get<std::string>().starts_with("9.0.2.0"))
      << vr01.dump(2);
}

TEST_F(DaemonProcessTest, MetricsParse) {
  StartSim();
  WriteConfig(ConfigText());
  WriteManifest("guest-customization.yaml", WebTier("vm-42"));
  WriteManifest("appliance-install-guard.yaml", InstallGuard("9h"));
  StartVsrd();
  ASSERT_TRUE(WaitForPhase(kWebTier, "Ready"));
  const auto metrics = Daemon("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  const auto problems = ExpositionProblems(metrics.body);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  EXPECT_NE(metrics.body.find("# TYPE vsrd_object_ready gauge"), std::string::npos);
  EXPECT_NE(metrics.body.find("# TYPE vsrd_reconcile_duration_seconds histogram"),
            std::string::npos);
  EXPECT_NE(
      metrics.body.find("vsrd_object_ready{kind=\"GuestCustomizationCheck\",name=\"web-tier\"} 1"),
      std::string::npos)
      << metrics.body;
  // The checker itself rejects what it must.
  EXPECT_FALSE(ExpositionProblems("# TYPE a gauge\na{x=\"1\"} one\n").empty());
  EXPECT_FALSE(ExpositionProblems("# TYPE a gauge\nb 1\n").empty());
  EXPECT_FALSE(ExpositionProblems("# TYPE a gauge\na 1\na 2\n").empty());

  const std::string promtool = FindInPath("promtool");
  if (promtool.empty()) {
    std::cout << "note: promtool is not on PATH; `promtool check metrics` skipped" << std::endl;
    return;
  }
  const auto file = dir_ / "metrics.txt";
  std::ofstream(file) << metrics.body;
  const auto checked =
      RunCommand(promtool, {"check", "metrics"}, {}, dir_, seconds(20), file.string());
  EXPECT_EQ(checked.status, 0) << checked.out << checked.err;
  EXPECT_EQ(checked.out + checked.err, "");
}

TEST_F(DaemonProcessTest, ReadinessFlipsOnlyAfterLogin) {
  StartSim();
  // Every vr01 login fails until the rule is removed.
  Sim(http::verb::post, "/sim/faults",
      R"({"persona": "vr01", "method": "POST", "path": "/session", "times": 0, "status": 503})");
  WriteConfig(ConfigText());
  WriteManifest("guest-customization.yaml", WebTier("vm-42"));
  StartVsrd();
  daemon::http::ClientResponse ready;
  ASSERT_TRUE(Eventually(
      [&] {
        ready = Daemon("GET", "/readyz?verbose");
        return ready.body.find("[-]target vr01: not logged in yet: ") != std::string::npos &&
               ready.body.find("[+]target vc01") != std::string::npos &&
               ready.body.find("[+]manifests") != std::string::npos;
      },
      seconds(10)))
      << ready.body;
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_EQ(Daemon("GET", "/readyz").status, 503);
  EXPECT_EQ(Daemon("GET", "/healthz").status, 200) << "not ready is not unhealthy";

  Sim(http::verb::delete_, "/sim/faults");
  const auto removed = steady_clock::now();
  EXPECT_TRUE(Eventually([&] { return Daemon("GET", "/readyz").status == 200; }, seconds(10)))
      << Daemon("GET", "/readyz?verbose").body;
  std::cout << "fault removed -> ready: "
            << std::chrono::duration_cast<milliseconds>(steady_clock::now() - removed).count()
            << " ms" << std::endl;
  EXPECT_EQ(Daemon("GET", "/readyz").body, "ok\n");
}

TEST_F(DaemonProcessTest, NotifySocketGetsReadyAndStatus) {
  StartSim();
  WriteConfig(ConfigText());
  WriteManifest("guest-customization.yaml", WebTier("vm-42"));
  WriteManifest("appliance-install-guard.yaml", InstallGuard("9h"));
  const NotifySocket socket(dir_ / "notify.sock");
  StartVsrd({{"NOTIFY_SOCKET", (dir_ / "notify.sock").string()}});
  std::vector<std::string> seen;
  const auto ready = socket.ReceiveUntil("READY=1", seconds(10), seen);
  ASSERT_TRUE(ready.has_value()) << ::testing::PrintToString(seen);
  EXPECT_TRUE(std::regex_search(*ready, std::regex("(^|\n)STATUS=2 objects")))
      << *ready << " (2 manifests are loaded before READY=1)";

  // GuestCustomizationCheck/web-tier becomes Ready: a new summary.
  const auto ready_status = socket.ReceiveUntil(" ready", seconds(10), seen);
  ASSERT_TRUE(ready_status.has_value()) << ::testing::PrintToString(seen);
  EXPECT_TRUE(ready_status->starts_with("STATUS=2 objects: ")) << *ready_status;

  vsrd_->Signal(SIGTERM);
  EXPECT_TRUE(socket.ReceiveUntil("STOPPING=1", seconds(5), seen).has_value())
      << ::testing::PrintToString(seen);
  EXPECT_EQ(vsrd_->WaitExit(seconds(12)), std::optional<int>(0));
}

TEST_F(DaemonProcessTest, StatusAndReconcileCommandsTalkToTheDaemon) {
  StartSim();
  WriteConfig(ConfigText());
  WriteManifest("guest-customization.yaml", WebTier("vm-42"));
  WriteManifest("appliance-install-guard.yaml", InstallGuard("9h"));
  StartVsrd();
  ASSERT_TRUE(WaitForPhase(kWebTier, "Ready"));

  const auto table = Vsrd({"status"});
  EXPECT_EQ(table.status, 0) << table.out << table.err;
  std::istringstream lines(table.out);
  std::string header;
  std::getline(lines, header);
  std::istringstream columns(header);
  std::vector<std::string> names{std::istream_iterator<std::string>(columns),
                                 std::istream_iterator<std::string>()};
  EXPECT_EQ(names, (std::vector<std::string>{"KIND", "NAME", "PHASE", "REASON", "AGE", "REVISION"}))
      << table.out;
  EXPECT_TRUE(
      std::regex_search(table.out, std::regex("\nGuestCustomizationCheck +web-tier +Ready ")))
      << table.out;
  EXPECT_TRUE(std::regex_search(table.out, std::regex("\nApplianceInstall +vc02-install-guard ")))
      << table.out;

  const auto json = Vsrd({"status", "--output", "json"});
  EXPECT_EQ(json.status, 0) << json.err;
  const Json parsed = Json::parse(json.out, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << json.out;
  EXPECT_EQ(parsed.at("objects").size(), 2U) << json.out;

  Sim(http::verb::delete_, "/sim/requests");
  const auto reconcile = Vsrd({"reconcile", kWebTier});
  EXPECT_EQ(reconcile.status, 0) << reconcile.out << reconcile.err;
  EXPECT_NE(reconcile.out.find("reconcile requested for GuestCustomizationCheck/web-tier"),
            std::string::npos)
      << reconcile.out;
  EXPECT_TRUE(Eventually(
      [&] {
        for (const auto& entry : Requests("vc01")) {
          if (entry.at("path") == "/api/vcenter/vm/vm-42/guest/customization") return true;
        }
        return false;
      },
      seconds(5)))
      << "the requested pass checks vm-42 again";

  const auto unknown = Vsrd({"reconcile", "GuestCustomizationCheck/no-such-object"});
  EXPECT_EQ(unknown.status, 1) << unknown.out << unknown.err;
  EXPECT_NE(unknown.err.find("no-such-object"), std::string::npos) << unknown.err;
}

// Issue 14: a browser on this host must not be able to drive the API (DNS rebinding, a simple
// cross-site POST), while Prometheus (by address or by the configured name) and the vsrd
// client keep working. api_access_test.cpp has every case; this is the daemon as deployed.
TEST_F(DaemonProcessTest, ApiAnswersOnlyItsOwnHostsAndRefusesCrossSitePosts) {
  StartSim();
  WriteConfig(ConfigText() + "http: {allowed_hosts: [vsrd.test.example]}\n");
  WriteManifest("guest-customization.yaml", WebTier("vm-42"));
  StartVsrd();
  ASSERT_TRUE(WaitForPhase(kWebTier, "Ready"));
  const unsigned short port = vsrd_->Port();
  const std::string p = std::to_string(port);
  const auto get = [&](const std::string& path, const std::string& host) {
    return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  };
  const auto post = [&](const std::string& host, const std::string& fields) {
    return "POST /reconcile/" + std::string(kWebTier) + "?reset=true HTTP/1.1\r\nHost: " + host +
           "\r\n" + fields + "Content-Length: 0\r\nConnection: close\r\n\r\n";
  };
  EXPECT_EQ(StatusOf(port, get("/healthz", "127.0.0.1:" + p)), 200) << "a probe by address";
  EXPECT_EQ(StatusOf(port, get("/metrics", "localhost:" + p)), 200);
  EXPECT_EQ(StatusOf(port, get("/metrics", "vsrd.test.example:" + p)), 200)
      << "a scrape through the configured name";
  EXPECT_EQ(StatusOf(port, get("/status", "rebind.attacker.example:" + p)), 421)
      << "a DNS-rebinding page";
  EXPECT_EQ(StatusOf(port, get("/healthz", "127.0.0.2:" + p)), 421);
  EXPECT_EQ(StatusOf(port, post("127.0.0.1:" + p, "Content-Type: text/plain\r\n")), 403)
      << "a simple cross-site POST has no X-Vsrd-Request";
  EXPECT_EQ(StatusOf(port, post("127.0.0.1:" + p,
                                "X-Vsrd-Request: 1\r\nOrigin: http://attacker.example\r\n")),
            403);
  EXPECT_EQ(StatusOf(port, post("rebind.attacker.example:" + p, "X-Vsrd-Request: 1\r\n")), 421);
  EXPECT_EQ(StatusOf(port, post("127.0.0.1:" + p, "X-Vsrd-Request: 1\r\n")), 202);
  // And the vsrd client (StatusAndReconcileCommandsTalkToTheDaemon runs the command itself).
  EXPECT_EQ(Daemon("POST", std::string("/reconcile/") + kWebTier).status, 202);
}

// Issue 14: 140 slow loopback connections made /healthz refuse for 10 s. Idle and slowloris
// connections, three times the server's limit, must not keep a probe out.
TEST_F(DaemonProcessTest, HealthzAnswersUnderAConnectionFlood) {
  StartSim();
  WriteConfig(ConfigText());
  WriteManifest("guest-customization.yaml", WebTier("vm-42"));
  StartVsrd();
  ASSERT_TRUE(Eventually([&] { return Daemon("GET", "/healthz").status == 200; }, seconds(10)));
  const auto start = steady_clock::now();
  std::vector<std::unique_ptr<LoopbackConnection>> flood;
  for (int i = 0; i < 200; ++i) {
    flood.push_back(std::make_unique<LoopbackConnection>(vsrd_->Port()));
    // Every other one starts a request it never finishes.
    if (i % 2 == 1) flood.back()->Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
  }
  std::atomic<bool> done{false};
  std::thread trickle([&] {  // the slow ones send one more byte every 100 ms
    while (!done) {
      for (std::size_t i = 1; i < flood.size(); i += 2) flood[i]->Send("a");
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  std::vector<long> took_ms;
  for (int probe = 0; probe < 5; ++probe) {
    const auto sent = steady_clock::now();
    const auto response = Daemon("GET", "/healthz");
    const auto took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - sent);
    took_ms.push_back(static_cast<long>(took.count()));
    EXPECT_EQ(response.status, 200) << "probe " << probe << ": " << response.body;
    EXPECT_LT(took, seconds(2)) << "probe " << probe;
    std::this_thread::sleep_for(milliseconds(200));
  }
  done = true;
  trickle.join();
  std::cout << "probes under the flood took (ms): " << ::testing::PrintToString(took_ms)
            << std::endl;
  EXPECT_LT(steady_clock::now() - start, seconds(20));
}

/// RFC 4648 base64, for the forms of a password that Basic authentication puts on the wire.
std::string Base64(const std::string& in) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto byte = [&in](std::size_t i) -> std::uint32_t {
    return i < in.size() ? static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) : 0U;
  };
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const std::uint32_t n = (byte(i) << 16U) | (byte(i + 1) << 8U) | byte(i + 2);
    out += kAlphabet[(n >> 18U) & 63U];
    out += kAlphabet[(n >> 12U) & 63U];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6U) & 63U] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63U] : '=';
  }
  return out;
}

// Issue 14: one canary password, as a target's password_file (vc01, whose login succeeds with
// it; vc02, whose login it fails) and as a host_credential password_file (sent to the simulated
// vCenter in createFromHost), exercised through every path an operator or an attacker reads:
// validation errors, the trace log, `vsrd plan` (text and JSON), `vsrd status`, /status,
// /metrics, vsrd-sim's request log and its stderr, the journal and every file of state_dir, and
// the daemon's stderr after SIGABRT. The canary (or its Basic-auth base64 form) must be nowhere.
TEST_F(DaemonProcessTest, ACanaryPasswordLeaksIntoNoOutputLogStatusMetricsJournalOrCrash) {
  const std::string canary = "CanaryPw-5e1f0c7a-MustNeverBeSeen";
  // The simulated vc01 administrator and the standalone host esx-edge01 take the canary.
  std::string scenario = ReadText(kSource + "/examples/sim/lab.yaml");
  scenario = Replaced(scenario, "{password: demo-only-password}", "{password: " + canary + "}");
  scenario = Replaced(scenario, "password: edge-demo-password", "password: " + canary);
  std::ofstream(dir_ / "canary-lab.yaml") << scenario;
  StartSim((dir_ / "canary-lab.yaml").string());

  fs::create_directories(dir_ / "host-secrets");
  std::ofstream(dir_ / "vc01.password") << canary << "\n";
  std::ofstream(dir_ / "vc02.password") << canary << "\n";  // vc02 expects another password
  const fs::path host_secret = dir_ / "host-secrets" / "esx-edge01";
  std::ofstream(host_secret) << canary << "\n";
  const std::string config =
      "manifests: manifests\nstate_dir: state\nlisten: 127.0.0.1:0\nworkers: 2\n"
      "log: {level: trace, format: text}\n"
      "defaults: {interval: 5m, retry_interval: 2s, timeout: 2h}\n"
      "secrets: {directories: [host-secrets]}\n"
      "targets:\n" +
      Target("vc01", "vcenter", "administrator@vsphere.local", "password_file: vc01.password") +
      Target("vc02", "vcenter", "administrator@vsphere.local", "password_file: vc02.password");
  WriteConfig(config);
  const std::string depot =
      "apiVersion: vsrd/v1\nkind: OfflineDepotFromHost\nmetadata: {name: esx-edge-golden}\n"
      "spec:\n  target: vc01\n  host_credential:\n    host_name: esx-edge01.example.com\n"
      "    user_name: root\n    password_file: " +
      host_secret.string() +
      "\n    ssl_thumb_print: \"8F:2A:51:9C:0B:7E:44:D3:1A:6C:90:E2:5B:37:F8:0D:C4:29:A1:66\"\n";
  WriteManifest("depot.yaml", depot);
  WriteManifest("appliance-install-guard.yaml", InstallGuard("9h"));

  std::vector<std::pair<std::string, std::string>> seen;  // where -> what it showed
  const auto keep = [&seen](const std::string& where, const CommandResult& result) {
    seen.emplace_back(where + " (stdout)", result.out);
    seen.emplace_back(where + " (stderr)", result.err);
  };

  // Validation errors: a host_credential outside the allowed directories, an inline password in
  // a manifest and in the config.
  fs::create_directories(dir_ / "bad");
  std::ofstream(dir_ / "bad" / "outside.yaml")
      << Replaced(depot, host_secret.string(), (dir_ / "vc01.password").string());
  std::ofstream(dir_ / "bad" / "inline.yaml")
      << Replaced(depot, "password_file: " + host_secret.string(), "password: " + canary);
  std::ofstream(dir_ / "bad-config.yaml")
      << Replaced(config, "password_file: vc02.password", "password: " + canary);
  auto env = Environment();
  env.erase("VSRD_CONFIG");
  const std::string config_path = (dir_ / "vsrd.yaml").string();
  const auto invalid =
      RunCommand(VSRD_BINARY,
                 {"validate", "--config", config_path, (dir_ / "bad" / "outside.yaml").string(),
                  (dir_ / "bad" / "inline.yaml").string()},
                 env, dir_);
  EXPECT_EQ(invalid.status, 1) << invalid.out << invalid.err;
  // The errors were reached (so the outputs checked below are the real ones).
  EXPECT_NE((invalid.out + invalid.err).find("spec.host_credential.password: secrets are not"),
            std::string::npos)
      << invalid.out << invalid.err;
  EXPECT_NE((invalid.out + invalid.err).find("is the password of target vc01"), std::string::npos)
      << invalid.out << invalid.err;
  keep("vsrd validate (bad manifests)", invalid);
  const auto bad_config = RunCommand(
      VSRD_BINARY,
      {"validate", "--config", (dir_ / "bad-config.yaml").string(), (dir_ / "manifests").string()},
      env, dir_);
  EXPECT_NE(bad_config.status, 0) << bad_config.out << bad_config.err;
  EXPECT_NE((bad_config.out + bad_config.err).find("targets.vc02.password: secrets are not"),
            std::string::npos)
      << bad_config.out << bad_config.err;
  keep("vsrd validate (inline password in the config)", bad_config);
  const auto valid = RunCommand(
      VSRD_BINARY, {"validate", "--config", config_path, (dir_ / "manifests").string()}, env, dir_);
  EXPECT_EQ(valid.status, 0) << valid.out << valid.err;
  keep("vsrd validate", valid);

  // `vsrd plan` reads live state with both targets: vc01 logs in with the canary, vc02 fails.
  const auto plan_env = Environment();
  const auto plan = RunCommand(VSRD_BINARY, {"plan"}, plan_env, dir_, seconds(60));
  EXPECT_NE(plan.out.find("createFromHost"), std::string::npos) << plan.out << plan.err;
  keep("vsrd plan", plan);
  const auto plan_json =
      RunCommand(VSRD_BINARY, {"plan", "--output", "json"}, plan_env, dir_, seconds(60));
  EXPECT_NE(plan_json.out.find("esx-edge-golden"), std::string::npos) << plan_json.err;
  keep("vsrd plan --output json", plan_json);

  // The daemon, at trace level: the extraction runs and ends, vc02's login keeps failing.
  StartVsrd();
  constexpr const char* kDepot = "OfflineDepotFromHost/esx-edge-golden";
  // The extraction task runs (2m of simulated time): then the clock moves past its end.
  ASSERT_TRUE(Eventually(
      [&] {
        const Json depot_status = ObjectStatus(kDepot);
        return depot_status.is_object() && depot_status.contains("operation") &&
               depot_status.at("operation").is_object();
      },
      seconds(30)))
      << ObjectStatus(kDepot).dump();
  AdvanceSimClock("3m");
  ASSERT_TRUE(WaitForPhase(kDepot, "Ready", seconds(30)));
  ASSERT_TRUE(Eventually(
      [&] {
        const Json guard = ObjectStatus(kGuard);
        return guard.is_object() && !guard.value("last_error", "").empty();
      },
      seconds(30)))
      << ObjectStatus(kGuard).dump();
  // The canary went where it must: vc01's login and the createFromHost body succeeded, vc02
  // refused it (the failing login path was taken).
  const Json vc01 = Requests("vc01");
  const Json vc02 = Requests("vc02");
  bool extracted = false;
  for (const auto& entry : vc01) {
    if (entry.at("path") == "/api/esx/settings/depots/offline" && entry.value("status", 0) < 300) {
      extracted = true;
    }
  }
  EXPECT_TRUE(extracted) << vc01.dump();
  int refused_logins = 0;
  for (const auto& entry : vc02) {
    if (entry.at("path") == "/api/session" && entry.value("status", 0) == 401) ++refused_logins;
  }
  EXPECT_GT(refused_logins, 0) << vc02.dump();

  seen.emplace_back("GET /status", Daemon("GET", "/status").body);
  seen.emplace_back("GET /status/" + std::string(kDepot),
                    Daemon("GET", "/status/" + std::string(kDepot)).body);
  seen.emplace_back("GET /status/" + std::string(kGuard),
                    Daemon("GET", "/status/" + std::string(kGuard)).body);
  seen.emplace_back("GET /metrics", Daemon("GET", "/metrics").body);
  keep("vsrd status", Vsrd({"status"}));
  keep("vsrd status --output json", Vsrd({"status", "--output", "json"}));
  seen.emplace_back("vsrd-sim request log (vc01)", vc01.dump());
  seen.emplace_back("vsrd-sim request log (vc02)", vc02.dump());

  // A crash: SIGABRT (no core: RLIMIT_CORE is 0); whatever it writes goes to its stderr.
  vsrd_->Signal(SIGABRT);
  ASSERT_TRUE(vsrd_->WaitExit(seconds(10)).has_value());
  for (const auto& log : logs_) seen.emplace_back("vsrd log " + log.string(), ReadWholeFile(log));
  seen.emplace_back("vsrd-sim stderr", sim_->Stderr());
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "state")) {
    if (entry.is_regular_file()) seen.emplace_back(entry.path().string(), ReadText(entry.path()));
  }
  ASSERT_TRUE(fs::exists(dir_ / "state" / "journal.json"));

  const std::vector<std::string> forms{canary, Base64("administrator@vsphere.local:" + canary),
                                       Base64("root:" + canary)};
  // The log is at trace level and shows the requests (with the secrets masked).
  const std::string log = vsrd_->Log();
  EXPECT_NE(log.find("operation=session.create request POST /api/session "
                     "authorization=(sensitive)"),
            std::string::npos);
  EXPECT_NE(log.find(R"x("password":"(sensitive)")x"), std::string::npos)
      << "the createFromHost body is logged with its password masked";
  for (const auto& [where, text] : seen) {
    for (const auto& form : forms) {
      EXPECT_EQ(text.find(form), std::string::npos) << where << " shows the password:\n" << text;
    }
  }
}

}  // namespace
}  // namespace vsrd::integration
