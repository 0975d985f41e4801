#include "manifests/common.hpp"

#include <algorithm>
#include <filesystem>

#include "manifests/names.hpp"
#include "manifests/net_address.hpp"

namespace vsrd::manifests {
namespace {

constexpr Duration kMaxWindow = std::chrono::hours(24 * 7);

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsThumbprint(std::string_view text, std::size_t bytes) {
  if (text.size() == bytes * 2) return std::all_of(text.begin(), text.end(), IsHex);
  if (text.size() != bytes * 3 - 1) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i % 3 == 2 ? text[i] != ':' : !IsHex(text[i])) return false;
  }
  return true;
}

// IANA zone names: "UTC", "Europe/Amsterdam", "America/Argentina/Buenos_Aires", "Etc/GMT+2".
bool IsTimezoneName(std::string_view text) {
  if (text.empty() || text.front() == '/' || text.back() == '/') return false;
  if (text.find("..") != std::string_view::npos || text.find("//") != std::string_view::npos) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '+' || c == '/';
  });
}

std::optional<int> ParseClock(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (const std::size_t i : {0U, 1U, 3U, 4U}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

std::optional<Window> DecodeWindow(ReadContext& context, const YAML::Node& node,
                                   const std::string& path) {
  const MapReader map(context, node, path, {"days", "start", "duration", "timezone"});
  if (!map.IsValid()) return std::nullopt;
  const std::size_t errors = context.ErrorCount();
  Window window;
  if (const auto days = map.Get("days")) {
    if (const auto sequence = ReadSequence(context, *days, map.Path("days"))) {
      for (std::size_t i = 0; i < sequence->size(); ++i) {
        const YAML::Node item = (*sequence)[i];
        const auto day =
            ReadEnum<Window::Day>(context, item, IndexPath(map.Path("days"), i), kDayNames);
        if (!day) continue;
        if (std::find(window.days.begin(), window.days.end(), *day) != window.days.end()) {
          context.Error(item, IndexPath(map.Path("days"), i), "day listed twice");
          continue;
        }
        window.days.push_back(*day);
      }
    }
  }
  if (const auto start = map.Require("start")) {
    if (const auto text = ReadString(context, *start, map.Path("start"))) {
      if (const auto minute = ParseClock(*text)) {
        window.start_minute = *minute;
      } else {
        context.Error(*start, map.Path("start"),
                      "must be a time of day HH:MM (00:00 to 23:59), got \"" + *text + "\"");
      }
    }
  }
  if (const auto duration = map.Require("duration")) {
    if (const auto value = ReadDuration(context, *duration, map.Path("duration"), Duration{1})) {
      if (*value > kMaxWindow) {
        context.Error(*duration, map.Path("duration"), "must be at most 7d");
      } else {
        window.duration = *value;
      }
    }
  }
  if (const auto timezone = map.Get("timezone")) {
    if (const auto text = ReadString(context, *timezone, map.Path("timezone"))) {
      if (IsTimezoneName(*text)) {
        window.timezone = *text;
      } else {
        context.Error(*timezone, map.Path("timezone"),
                      "must be an IANA time zone name such as UTC or Europe/Amsterdam, got \"" +
                          *text + "\"");
      }
    }
  }
  if (context.ErrorCount() != errors) return std::nullopt;
  return window;
}

}  // namespace

bool IsEnvName(std::string_view text) {
  if (text.empty() || (text.front() >= '0' && text.front() <= '9')) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// systemd credential names: a single path component.
bool IsCredentialName(std::string_view text) {
  return !text.empty() && text != "." && text != ".." && text.find('/') == std::string_view::npos;
}

std::string KindNamesList() {
  std::string list;
  for (const std::string_view kind : kKindNames) {
    if (!list.empty()) list += ", ";
    list += kind;
  }
  return list;
}

std::optional<Kind> ParseKind(std::string_view name) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<Kind>(i);
  }
  return std::nullopt;
}

bool IsSha1Thumbprint(std::string_view text) { return IsThumbprint(text, 20); }
bool IsSha256Thumbprint(std::string_view text) { return IsThumbprint(text, 32); }

std::optional<std::string> ReadHostName(ReadContext& context, const YAML::Node& node,
                                        std::string_view field) {
  auto text = ReadString(context, node, field);
  if (!text) return std::nullopt;
  if (!IsHostName(*text)) {
    context.Error(node, field, "must be a DNS name or an IP address, got \"" + *text + "\"");
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> ReadDnsLabel(ReadContext& context, const YAML::Node& node,
                                        std::string_view field) {
  auto text = ReadString(context, node, field);
  if (!text) return std::nullopt;
  if (!IsDns1123Label(*text)) {
    context.Error(node, field,
                  "\"" + *text + "\" is not a valid name: " + std::string(kDns1123LabelRule));
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> ReadObjectId(ReadContext& context, const YAML::Node& node,
                                        std::string_view field) {
  auto text = ReadString(context, node, field);
  if (!text) return std::nullopt;
  const bool ok = std::none_of(text->begin(), text->end(), [](char c) {
    return c == '/' || c == '?' || c == '#' || c == '%' || static_cast<unsigned char>(c) <= ' ';
  });
  if (!ok) {
    context.Error(node, field,
                  "must be a vSphere object id such as host-12, without spaces or '/', got \"" +
                      *text + "\"");
    return std::nullopt;
  }
  return text;
}

std::optional<SecretRef> DecodeSecretRef(const MapReader& map,
                                         const std::optional<std::string>& relative_base) {
  ReadContext& context = map.Context();
  std::vector<std::pair<SecretRef::Source, YAML::Node>> given;
  const std::array<SecretRef::Source, 3> sources{SecretRef::Source::kFile, SecretRef::Source::kEnv,
                                                 SecretRef::Source::kCredential};
  for (std::size_t i = 0; i < kSecretRefFields.size(); ++i) {
    if (auto node = map.Get(kSecretRefFields[i])) given.emplace_back(sources[i], *node);
  }
  if (given.empty()) {
    if (map.IsValid() && !map.HasInlineSecret()) {
      context.Error(map.MapNode(), map.FieldPath(),
                    "one of password_file, password_env or password_credential is required");
    }
    return std::nullopt;
  }
  if (given.size() > 1) {
    context.Error(given[1].second, map.FieldPath(),
                  "set only one of password_file, password_env or password_credential");
    return std::nullopt;
  }
  const auto [source, node] = given.front();
  const std::string field = map.Path(kSecretRefFields[static_cast<std::size_t>(source)]);
  auto value = ReadString(context, node, field);
  if (!value) return std::nullopt;
  switch (source) {
    case SecretRef::Source::kFile: {
      std::filesystem::path path(*value);
      if (path.is_relative()) {
        if (!relative_base) {
          context.Error(node, field, "must be an absolute path, got \"" + *value + "\"");
          return std::nullopt;
        }
        *value = (std::filesystem::path(*relative_base) / path).lexically_normal().string();
      }
      break;
    }
    case SecretRef::Source::kEnv:
      if (!IsEnvName(*value)) {
        context.Error(node, field,
                      "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*), got \"" +
                          *value + "\"");
        return std::nullopt;
      }
      break;
    case SecretRef::Source::kCredential:
      if (!IsCredentialName(*value)) {
        context.Error(node, field,
                      "must be a systemd credential name (no '/'), got \"" + *value + "\"");
        return std::nullopt;
      }
      break;
  }
  return SecretRef{source, std::move(*value), context.Locate(node)};
}

std::optional<Policy> DecodePolicy(ReadContext& context, const YAML::Node& node,
                                   const std::string& path) {
  const MapReader map(
      context, node, path,
      {"interval", "retry_interval", "timeout", "suspend", "depends_on", "window", "max_failures"});
  if (!map.IsValid()) return std::nullopt;
  const std::size_t errors = context.ErrorCount();
  Policy policy;
  for (const auto& [key, target] : {std::pair{"interval", &policy.interval},
                                    std::pair{"retry_interval", &policy.retry_interval},
                                    std::pair{"timeout", &policy.timeout}}) {
    if (const auto value = map.Get(key)) {
      *target = ReadDuration(context, *value, map.Path(key), Duration{1});
    }
  }
  if (const auto value = map.Get("suspend")) {
    policy.suspend = ReadBool(context, *value, map.Path("suspend")).value_or(false);
  }
  if (const auto value = map.Get("max_failures")) {
    policy.max_failures = ReadInt(context, *value, map.Path("max_failures"), 1, 1000);
  }
  if (const auto value = map.Get("window")) {
    policy.window = DecodeWindow(context, *value, map.Path("window"));
  }
  if (const auto value = map.Get("depends_on")) {
    const std::string field = map.Path("depends_on");
    if (const auto sequence = ReadSequence(context, *value, field)) {
      for (std::size_t i = 0; i < sequence->size(); ++i) {
        const YAML::Node item = (*sequence)[i];
        const MapReader ref(context, item, IndexPath(field, i), {"kind", "name"});
        if (!ref.IsValid()) continue;
        const auto kind_node = ref.Require("kind");
        const auto name_node = ref.Require("name");
        const auto kind = kind_node
                              ? ReadEnum<Kind>(context, *kind_node, ref.Path("kind"), kKindNames)
                              : std::nullopt;
        const auto name =
            name_node ? ReadDnsLabel(context, *name_node, ref.Path("name")) : std::nullopt;
        if (kind && name) {
          policy.depends_on.push_back(ObjectRef{*kind, *name, context.Locate(item)});
        }
      }
    }
  }
  if (context.ErrorCount() != errors) return std::nullopt;
  return policy;
}

}  // namespace vsrd::manifests
