#include "daemon/engine/window.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <vector>

namespace vsrd::daemon {

namespace {

std::int64_t ReadBigEndian(const std::string& data, std::size_t at, std::size_t bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < bytes; ++i) {
    value = (value << 8) | static_cast<unsigned char>(data.at(at + i));
  }
  if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
  return static_cast<std::int64_t>(value);
}

/// Offset from a TZif file (RFC 8536): the v2+ 64-bit block when present, else v1.
std::optional<std::chrono::seconds> TzifOffset(const std::string& data, std::int64_t unix_time) {
  constexpr std::size_t kHeader = 44;
  if (data.size() < kHeader || data.compare(0, 4, "TZif") != 0) return std::nullopt;
  auto counts = [&data](std::size_t base) {
    std::vector<std::int64_t> c;
    for (std::size_t i = 0; i < 6; ++i) c.push_back(ReadBigEndian(data, base + 20 + 4 * i, 4));
    return c;  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  };
  std::size_t base = 0;
  std::size_t time_size = 4;
  auto c = counts(base);
  if (data[4] >= '2') {
    // Skip the v1 block to the 64-bit one.
    const auto v1 = static_cast<std::size_t>(c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]);
    base = kHeader + v1;
    if (data.size() < base + kHeader) return std::nullopt;
    c = counts(base);
    time_size = 8;
  }
  const auto timecnt = static_cast<std::size_t>(c[3]);
  const auto typecnt = static_cast<std::size_t>(c[4]);
  const std::size_t times_at = base + kHeader;
  const std::size_t indices_at = times_at + timecnt * time_size;
  const std::size_t types_at = indices_at + timecnt;
  if (typecnt == 0 || data.size() < types_at + typecnt * 6) return std::nullopt;
  std::size_t type = 0;
  for (std::size_t i = 0; i < timecnt; ++i) {
    if (ReadBigEndian(data, times_at + i * time_size, time_size) > unix_time) break;
    type = static_cast<unsigned char>(data[indices_at + i]);
  }
  if (type >= typecnt) return std::nullopt;
  return std::chrono::seconds(ReadBigEndian(data, types_at + type * 6, 4));
}

}  // namespace

std::optional<std::chrono::seconds> UtcOffset(const std::string& timezone,
                                              std::chrono::system_clock::time_point now,
                                              const std::string& zoneinfo_dir) {
  if (timezone == "UTC" || timezone == "Etc/UTC" || timezone.empty()) {
    return std::chrono::seconds(0);
  }
  if (timezone.find("..") != std::string::npos || timezone.front() == '/') return std::nullopt;
  std::ifstream in(zoneinfo_dir + "/" + timezone, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto unix_time =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return TzifOffset(data, unix_time);
}

bool InWindow(const manifests::Window& window, std::chrono::system_clock::time_point now,
              const std::string& zoneinfo_dir) {
  using std::chrono::days;
  using std::chrono::minutes;
  const auto offset =
      UtcOffset(window.timezone, now, zoneinfo_dir).value_or(std::chrono::seconds(0));
  const auto local = now + offset;
  // A window that started yesterday may still be open: look at today's and yesterday's.
  for (int back = 0; back <= 1; ++back) {
    const auto day_start = std::chrono::floor<days>(local) - days(back);
    const std::chrono::weekday weekday{day_start};
    // manifests::Window::Day is Monday-based; chrono's iso_encoding is 1 (Mon) .. 7 (Sun).
    const auto day = static_cast<manifests::Window::Day>(weekday.iso_encoding() - 1);
    if (!window.days.empty() &&
        std::find(window.days.begin(), window.days.end(), day) == window.days.end()) {
      continue;
    }
    const auto opens = day_start + minutes(window.start_minute);
    if (local >= opens && local < opens + window.duration) return true;
  }
  return false;
}

}  // namespace vsrd::daemon
