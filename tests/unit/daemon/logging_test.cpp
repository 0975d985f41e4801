#include "daemon/logging.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

// The daemon's log line formats: text with a UTC timestamp, text for journald (syslog priority
// prefix, no timestamp, journald adds its own), and JSON with the object's kind and name.

namespace vsrd::daemon {
namespace {

spdlog::details::log_msg Message(spdlog::level::level_enum level, std::string_view text) {
  spdlog::details::log_msg message("vsrd", level, spdlog::string_view_t(text.data(), text.size()));
  message.time = spdlog::log_clock::time_point(std::chrono::milliseconds(1'795'000'000'123));
  return message;
}

TEST(LoggingTest, TextLinesCarryAUtcTimestampOutsideTheJournal) {
  EXPECT_EQ(FormatLogLine(Message(spdlog::level::info, "object=ApplianceUpdate/vr01 phase"),
                          LogFormat::kText, false),
            "2026-11-18T11:06:40.123Z info object=ApplianceUpdate/vr01 phase\n");
}

TEST(LoggingTest, UnderJournaldTextLinesStartWithTheSyslogPriorityAndNoTimestamp) {
  struct Row {
    spdlog::level::level_enum level;
    std::string expected;
  };
  for (const auto& row : std::vector<Row>{{spdlog::level::debug, "<7>debug x\n"},
                                          {spdlog::level::info, "<6>info x\n"},
                                          {spdlog::level::warn, "<4>warning x\n"},
                                          {spdlog::level::err, "<3>error x\n"}}) {
    EXPECT_EQ(FormatLogLine(Message(row.level, "x"), LogFormat::kText, true), row.expected);
  }
}

TEST(LoggingTest, JsonLinesAreOneObjectWithKindAndNameForObjectLines) {
  const auto line = FormatLogLine(
      Message(spdlog::level::warn, "object=VchaPassiveNode/vc01-passive phase \"x\"\n"),
      LogFormat::kJson, false);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line";
  const auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json["time"], "2026-11-18T11:06:40.123Z");
  EXPECT_EQ(json["level"], "warning");
  EXPECT_EQ(json["kind"], "VchaPassiveNode");
  EXPECT_EQ(json["name"], "vc01-passive");
  EXPECT_EQ(json["message"], "object=VchaPassiveNode/vc01-passive phase \"x\"\n");

  const auto plain = nlohmann::json::parse(
      FormatLogLine(Message(spdlog::level::info, "listening"), LogFormat::kJson, true));
  EXPECT_FALSE(plain.contains("kind"));
  EXPECT_EQ(plain["message"], "listening");
}

TEST(LoggingTest, ApplyLogConfigChangesTheLevel) {
  auto logger = MakeDaemonLogger(LogConfig{LogLevel::kInfo, LogFormat::kText}, false);
  EXPECT_TRUE(logger->should_log(spdlog::level::info));
  ApplyLogConfig(*logger, LogConfig{LogLevel::kError, LogFormat::kJson}, false);
  EXPECT_FALSE(logger->should_log(spdlog::level::warn));
  EXPECT_TRUE(logger->should_log(spdlog::level::err));
}

}  // namespace
}  // namespace vsrd::daemon
