#include "manifests/kinds/appliance_update.hpp"

#include <algorithm>

namespace vsrd::manifests {
namespace {

// The version is a path segment of .../pending/{version} and .../updates/{version}.
bool IsVersionText(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == '-' || c == '_' || c == '+';
  });
}

}  // namespace

std::optional<ApplianceUpdateSpec> DecodeApplianceUpdateSpec(const MapReader& spec) {
  ReadContext& context = spec.Context();
  const std::size_t errors = context.ErrorCount();
  ApplianceUpdateSpec out;
  if (const auto value = spec.Require("version")) {
    if (auto text = ReadString(context, *value, spec.Path("version"))) {
      if (IsVersionText(*text)) {
        out.version = std::move(*text);
      } else {
        context.Error(*value, spec.Path("version"),
                      "must be a version such as \"8.0.2.00100\" (letters, digits, '.', '-', "
                      "'_', '+'), got \"" +
                          *text + "\"");
      }
    }
  }
  if (const auto value = spec.Get("source_type")) {
    out.source_type = ReadEnum<UpdateSourceType>(context, *value, spec.Path("source_type"),
                                                 kUpdateSourceTypeNames);
  }
  if (const auto value = spec.Get("url")) {
    if (auto text = ReadString(context, *value, spec.Path("url"))) {
      if (text->starts_with("https://") || text->starts_with("http://")) {
        out.url = std::move(*text);
      } else {
        context.Error(*value, spec.Path("url"), "must be an http:// or https:// URL");
      }
    }
  }
  if (context.ErrorCount() != errors) return std::nullopt;
  return out;
}

}  // namespace vsrd::manifests
