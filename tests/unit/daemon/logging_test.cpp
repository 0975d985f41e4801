#include "daemon/logging.hpp"

#include <algorithm>
#include <string>

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

// Issue 14: a server message or a manifest value holding "\n<0>vsrd[1]: ..." made the text
// formats write a second line, which journald took as an emergency message from vsrd.
TEST(LoggingTest, AMessageCannotForgeASecondLineInAnyFormat) {
  const std::string forged =
      "object=ApplianceUpdate/vr01 failed: boom\n<0>vsrd[1]: forged\r\x1b[2K";
  for (const bool journald : {false, true}) {
    const auto line =
        FormatLogLine(Message(spdlog::level::warn, forged), LogFormat::kText, journald);
    EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
    EXPECT_EQ(line.back(), '\n') << line;
    EXPECT_EQ(line.find('\r'), std::string::npos) << line;
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
    EXPECT_NE(line.find("failed: boom\\n<0>vsrd[1]: forged\\r\\x1b[2K\n"), std::string::npos)
        << line;
    if (journald) {
      EXPECT_EQ(line.rfind("<4>warning ", 0), 0U) << line;
    }
  }

  // JSON escapes the newline itself (the message keeps it); invalid UTF-8 is replaced, never
  // thrown about.
  const auto json_line =
      FormatLogLine(Message(spdlog::level::warn, forged + "\xff\xc0"), LogFormat::kJson, true);
  EXPECT_EQ(std::count(json_line.begin(), json_line.end(), '\n'), 1) << json_line;
  const auto json = nlohmann::json::parse(json_line);
  EXPECT_EQ(json["message"], forged + "\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(LoggingTest, PlanAndApplyLinesAreEscapedToo) {
  auto formatter = MakeCommandFormatter();
  spdlog::memory_buf_t buffer;
  formatter->format(Message(spdlog::level::err, "vc01: \"x\n<0>vsrd[1]: forged\""), buffer);
  const std::string line(buffer.data(), buffer.size());
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
  EXPECT_NE(line.find(" vc01: \"x\\n<0>vsrd[1]: forged\"\n"), std::string::npos) << line;
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
