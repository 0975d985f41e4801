#include "daemon/logging.hpp"

#include <cstdlib>
#include <ctime>
#include <string_view>

#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifests/escape.hpp"
#include "manifests/rfc3339.hpp"

namespace vsrd::daemon {

namespace {

/// syslog priorities (sd-daemon(3)): journald reads "<N>" at the start of a line.
int SyslogPriority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return 7;
    case spdlog::level::info:
      return 6;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::err:
      return 3;
    case spdlog::level::critical:
      return 2;
    default:
      return 6;
  }
}

std::string UtcTime(spdlog::log_clock::time_point time) {
  return manifests::FormatRfc3339(time, 3);
}

class DaemonFormatter final : public spdlog::formatter {
 public:
  DaemonFormatter(LogFormat format, bool journald) : format_(format), journald_(journald) {}
  void format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& dest) override {
    const auto line = FormatLogLine(message, format_, journald_);
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<DaemonFormatter>(format_, journald_);
  }

 private:
  LogFormat format_;
  bool journald_;
};

/// spdlog's pattern flag for the escaped message: "%v" would copy the payload as it is.
class EscapedMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  static constexpr char kFlag = '*';
  void format(const spdlog::details::log_msg& message, const std::tm& /*time*/,
              spdlog::memory_buf_t& dest) override {
    const auto text =
        manifests::EscapeControls(std::string_view(message.payload.data(), message.payload.size()));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<EscapedMessageFlag>();
  }
};

}  // namespace

spdlog::level::level_enum SpdlogLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat info {};
  if (::fstat(STDERR_FILENO, &info) != 0) return false;
  const std::string expected = std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino);
  return expected == stream;
}

std::string FormatLogLine(const spdlog::details::log_msg& message, LogFormat format,
                          bool journald) {
  const std::string_view text(message.payload.data(), message.payload.size());
  const auto level = spdlog::level::to_string_view(message.level);
  if (format == LogFormat::kJson) {
    nlohmann::json line{{"time", UtcTime(message.time)},
                        {"level", std::string_view(level.data(), level.size())}};
    // "object=Kind/name ..." lines carry the object as fields too, for log queries.
    if (text.starts_with("object=")) {
      const auto end = text.find(' ');
      const auto key = text.substr(7, end == std::string_view::npos ? end : end - 7);
      if (const auto slash = key.find('/'); slash != std::string_view::npos) {
        line["kind"] = key.substr(0, slash);
        line["name"] = key.substr(slash + 1);
      }
    }
    line["message"] = text;
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  std::string out;
  if (journald) {
    out = "<" + std::to_string(SyslogPriority(message.level)) + ">";
  } else {
    out = UtcTime(message.time) + " ";
  }
  out.append(level.data(), level.size());
  out += ' ';
  // The message is untrusted text: escaped, it cannot end this line or forge the next one.
  out += manifests::EscapeControls(text);
  out += '\n';
  return out;
}

std::unique_ptr<spdlog::formatter> MakeCommandFormatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<EscapedMessageFlag>(EscapedMessageFlag::kFlag)
      .set_pattern(std::string("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %") + EscapedMessageFlag::kFlag);
  return formatter;
}

std::shared_ptr<spdlog::logger> MakeDaemonLogger(const LogConfig& config, bool journald) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("vsrd", std::move(sink));
  ApplyLogConfig(*logger, config, journald);
  return logger;
}

void ApplyLogConfig(spdlog::logger& logger, const LogConfig& config, bool journald) {
  logger.set_formatter(std::make_unique<DaemonFormatter>(config.format, journald));
  logger.set_level(SpdlogLevel(config.level));
  // Warnings and errors reach the disk (or the journal) at once; info lines may batch.
  logger.flush_on(spdlog::level::warn);
}

}  // namespace vsrd::daemon
