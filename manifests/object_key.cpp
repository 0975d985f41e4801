#include "manifests/object_key.hpp"

#include "manifests/names.hpp"

namespace vsrd::manifests {

std::string ObjectKey::ToString() const { return std::string(KindName(kind)) + "/" + name; }

std::optional<ObjectKey> ObjectKey::Parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto kind = ParseKind(text.substr(0, slash));
  const std::string_view name = text.substr(slash + 1);
  if (!kind || !IsDns1123Label(name)) return std::nullopt;
  return ObjectKey{*kind, std::string(name)};
}

std::strong_ordering operator<=>(const ObjectKey& a, const ObjectKey& b) {
  if (a.kind != b.kind) return KindName(a.kind) <=> KindName(b.kind);
  return a.name <=> b.name;
}

std::optional<std::string> ObjectKeyProblem(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return "\"" + std::string(text) + "\" is not KIND/NAME, e.g. VchaPassiveNode/vc01-passive";
  }
  const std::string_view kind = text.substr(0, slash);
  const std::string_view name = text.substr(slash + 1);
  if (!ParseKind(kind)) {
    return "unknown kind \"" + std::string(kind) + "\"; kinds: " + KindNamesList();
  }
  if (!IsDns1123Label(name)) {
    return "\"" + std::string(name) + "\" is not a valid name: " + std::string(kDns1123LabelRule);
  }
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& out, const ObjectKey& key) { return out << key.ToString(); }

}  // namespace vsrd::manifests
