#include "manifests/spec_hash.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace vsrd::manifests {
namespace {

// Length-prefixed so that no two different trees render the same ("ab"+"c" vs "a"+"bc").
void AppendString(std::string& out, const std::string& text) {
  out += std::to_string(text.size());
  out += ':';
  out += text;
}

void Render(std::string& out, const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      // Sort indices, not nodes: assigning a YAML::Node writes through to the document.
      std::vector<YAML::Node> values;
      std::vector<std::pair<std::string, std::size_t>> keys;
      for (const auto& entry : node) {
        keys.emplace_back(entry.first.IsScalar() ? entry.first.Scalar() : "", values.size());
        values.push_back(entry.second);
      }
      std::sort(keys.begin(), keys.end());
      out += '{';
      for (const auto& [key, index] : keys) {
        AppendString(out, key);
        Render(out, values[index]);
      }
      out += '}';
      return;
    }
    case YAML::NodeType::Sequence:
      out += '[';
      for (const auto& item : node) Render(out, item);
      out += ']';
      return;
    case YAML::NodeType::Scalar:
      out += 's';
      AppendString(out, node.Scalar());
      return;
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out += '~';
      return;
  }
}

}  // namespace

std::string CanonicalYaml(const YAML::Node& node) {
  std::string out;
  Render(out, node);
  return out;
}

std::string SpecHash(Kind kind, const YAML::Node& spec) {
  std::string input(KindName(kind));
  input += '\n';
  input += CanonicalYaml(spec);
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : input) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (std::size_t i = 0; i < 16; ++i) {
    out[15 - i] = kHex[hash & 0xF];
    hash >>= 4;
  }
  return out;
}

}  // namespace vsrd::manifests
