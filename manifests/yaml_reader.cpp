#include "manifests/yaml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>

#include "manifests/names.hpp"

namespace vsrd::manifests {
namespace {

constexpr std::size_t kMaxEchoedChars = 60;

bool IsPlain(const YAML::Node& node) { return node.Tag() == "?"; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Quote(std::string_view text) {
  std::string out = "\"";
  if (text.size() > kMaxEchoedChars) {
    out.append(text.substr(0, kMaxEchoedChars));
    out += "...";
  } else {
    out.append(text);
  }
  out += '"';
  return out;
}

std::string JoinQuoted(std::span<const std::string_view> values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out.append(values[i]);
  }
  return out;
}

std::string ScalarKey(const YAML::Node& key) { return key.IsScalar() ? key.Scalar() : ""; }

// Scalars of the wrong type say why quoting matters: `port: "443"` is a string in YAML.
std::string TypeMismatch(std::string_view expected, const YAML::Node& node) {
  std::string message = "must be " + std::string(expected) + ", got " + DescribeNode(node);
  if (node.IsScalar() && !IsPlain(node)) message += " (a quoted string; remove the quotes)";
  return message;
}

}  // namespace

SourceLocation ReadContext::Locate(const YAML::Node& node) const {
  if (node.IsNull()) {
    for (const auto& [value, key_mark] : null_values_) {
      if (value.is(node)) return Locate(key_mark);
    }
  }
  return Locate(node.Mark());
}

void ReadContext::RememberNullValue(const YAML::Node& value, const YAML::Mark& key_mark) {
  null_values_.emplace_back(value, key_mark);
}

SourceLocation ReadContext::Locate(const YAML::Mark& mark) const {
  if (mark.is_null()) return SourceLocation{file_, 0, 0};
  return SourceLocation{file_, mark.line + 1, mark.column + 1};
}

void ReadContext::Error(const SourceLocation& where, std::string message) {
  out_->push_back(Diagnostic{where, Diagnostic::Severity::kError, std::move(message)});
  ++errors_;
}

void ReadContext::Error(const YAML::Node& at, std::string_view field, std::string_view message) {
  std::string text;
  if (!field.empty()) {
    text.append(field);
    text += ": ";
  }
  text.append(message);
  Error(Locate(at), std::move(text));
}

std::string JoinPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out += '.';
  out.append(key);
  return out;
}

std::string IndexPath(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string DescribeNode(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Scalar:
      return Quote(node.Scalar());
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "null";
}

namespace {

/// A limit of YamlLimits crossed at `mark`: stops the event pass.
struct LimitCrossed {
  YAML::Mark mark;
  std::string message;
};

/// Measures the parser's events against YamlLimits: depth, documents, and each document's size
/// with its aliases expanded (an anchor's size is known when its node ends; an alias adds it).
class LimitCounter final : public YAML::EventHandler {
 public:
  explicit LimitCounter(const YamlLimits& limits) : limits_(limits) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > limits_.max_documents) {
      throw LimitCrossed{
          mark, "more than " + std::to_string(limits_.max_documents) + " documents in one file"};
    }
    anchors_.clear();
    total_ = 0;
    mark_ = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { Leaf(mark, anchor); }
  void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                const std::string& /*value*/) override {
    Leaf(mark, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    // An alias of a collection that is still open refers to a node containing it: yaml-cpp
    // builds a cycle, which every walker (the inline-secret check first) follows until memory
    // runs out (the long fuzz run of manifest_fuzz, bench/results/2026-12-07-fuzz-5.txt).
    for (const Frame& frame : open_) {
      if (frame.anchor != YAML::NullAnchor && frame.anchor == anchor) {
        throw LimitCrossed{mark, "an alias refers to a collection that contains it (a cycle)"};
      }
    }
    const auto found = anchors_.find(anchor);
    Add(mark, found == anchors_.end() ? 1 : found->second);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    Open(mark, anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    Open(mark, anchor);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    YAML::anchor_t anchor;
    std::size_t size;  ///< expanded, this collection included
  };

  void Leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) anchors_[anchor] = 1;
    Add(mark, 1);
  }
  /// Counts `size` expanded nodes into the open collection and the document.
  void Add(const YAML::Mark& mark, std::size_t size) {
    total_ += size;
    if (total_ > limits_.max_expanded_nodes) {
      throw LimitCrossed{mark, "the document starting at line " + std::to_string(mark_.line + 1) +
                                   " expands to more than " +
                                   std::to_string(limits_.max_expanded_nodes) +
                                   " nodes with its aliases resolved (an alias bomb?)"};
    }
    if (!open_.empty()) open_.back().size += size;
  }
  void Open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (open_.size() >= limits_.max_depth) {
      throw LimitCrossed{mark,
                         "nested deeper than " + std::to_string(limits_.max_depth) + " levels"};
    }
    Add(mark, 1);
    open_.push_back(Frame{anchor, 1});
  }
  void Close() {
    if (open_.empty()) return;
    const Frame closed = open_.back();
    open_.pop_back();
    if (closed.anchor != YAML::NullAnchor) anchors_[closed.anchor] = closed.size;
    // The collection's own node was counted when it opened; its contents as they came.
    if (!open_.empty()) open_.back().size += closed.size - 1;
  }

  const YamlLimits& limits_;
  std::size_t documents_ = 0;
  std::size_t total_ = 0;
  YAML::Mark mark_;
  std::vector<Frame> open_;
  std::map<YAML::anchor_t, std::size_t> anchors_;
};

}  // namespace

std::optional<std::vector<YAML::Node>> LoadYamlDocuments(ReadContext& context,
                                                         std::string_view text,
                                                         const YamlLimits& limits) {
  const std::string copy(text);
  try {
    std::istringstream events(copy);
    YAML::Parser parser(events);
    LimitCounter counter(limits);
    while (parser.HandleNextDocument(counter)) {
    }
  } catch (const LimitCrossed& crossed) {
    context.Error(context.Locate(crossed.mark), crossed.message);
    return std::nullopt;
  } catch (const YAML::Exception& error) {
    context.Error(context.Locate(error.mark), "invalid YAML: " + error.msg);
    return std::nullopt;
  }
  try {
    return YAML::LoadAll(copy);
  } catch (const YAML::Exception& error) {
    context.Error(context.Locate(error.mark), "invalid YAML: " + error.msg);
    return std::nullopt;
  }
}

void RejectInlineSecrets(ReadContext& context, const YAML::Node& node, std::string_view path) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      const std::string key = ScalarKey(entry.first);
      const std::string child = JoinPath(path, key);
      if (EqualsIgnoreCase(key, "password")) {
        // The value is never echoed: it is the secret.
        context.Error(entry.first, child, kInlineSecretMessage);
        continue;
      }
      RejectInlineSecrets(context, entry.second, child);
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      RejectInlineSecrets(context, node[i], IndexPath(path, i));
    }
  }
}

MapReader::MapReader(ReadContext& context, const YAML::Node& node, std::string path,
                     std::vector<std::string_view> allowed)
    : context_(&context), node_(node), path_(std::move(path)), allowed_(std::move(allowed)) {
  if (!node.IsMap()) {
    context.Error(node, path_, "must be a mapping, got " + DescribeNode(node));
    return;
  }
  valid_ = true;
  std::vector<std::pair<std::string, YAML::Mark>> seen;
  for (const auto& entry : node) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) {
      context.Error(key, path_, "keys must be plain strings, got " + DescribeNode(key));
      continue;
    }
    const std::string name = key.Scalar();
    const std::string field = Path(name);
    const auto previous = std::find_if(seen.begin(), seen.end(),
                                       [&](const auto& item) { return item.first == name; });
    if (previous != seen.end()) {
      context.Error(
          key, field,
          "duplicate key; first defined at " + FormatLocation(context.Locate(previous->second)));
      continue;
    }
    seen.emplace_back(name, key.Mark());
    if (entry.second.IsNull()) context.RememberNullValue(entry.second, key.Mark());
    if (EqualsIgnoreCase(name, "password")) {  // RejectInlineSecrets reports it.
      has_inline_secret_ = true;
      continue;
    }
    if (std::find(allowed_.begin(), allowed_.end(), name) != allowed_.end()) continue;
    std::string message = "unknown field";
    if (const auto hint = ClosestMatch(name, allowed_)) {
      message += "; did you mean \"" + *hint + "\"?";
      suggested_.push_back(*hint);
    } else {
      message += " (known fields: " + JoinQuoted(allowed_) + ")";
    }
    context.Error(key, field, message);
  }
}

std::optional<YAML::Node> MapReader::Get(std::string_view key) const {
  if (!valid_) return std::nullopt;
  for (const auto& entry : node_) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) return entry.second;
  }
  return std::nullopt;
}

std::optional<YAML::Node> MapReader::Require(std::string_view key) const {
  if (!valid_) return std::nullopt;
  auto value = Get(key);
  const bool misspelled = std::find(suggested_.begin(), suggested_.end(), key) != suggested_.end();
  if (!value && !misspelled) context_->Error(node_, Path(key), "required field is missing");
  return value;
}

std::optional<std::string> ReadString(ReadContext& context, const YAML::Node& node,
                                      std::string_view field) {
  if (!node.IsScalar()) {
    context.Error(node, field, "must be a string, got " + DescribeNode(node));
    return std::nullopt;
  }
  if (node.Scalar().empty()) {
    context.Error(node, field, "must not be empty");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<bool> ReadBool(ReadContext& context, const YAML::Node& node, std::string_view field) {
  if (node.IsScalar() && IsPlain(node)) {
    const std::string& text = node.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
  }
  context.Error(node, field, TypeMismatch("true or false", node));
  return std::nullopt;
}

std::optional<std::int64_t> ReadInt(ReadContext& context, const YAML::Node& node,
                                    std::string_view field, std::int64_t min, std::int64_t max) {
  std::int64_t value = 0;
  bool parsed = false;
  if (node.IsScalar() && IsPlain(node)) {
    const std::string& text = node.Scalar();
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    const auto result = std::from_chars(begin, end, value);
    parsed = result.ec == std::errc{} && result.ptr == end && !text.empty();
  }
  if (!parsed) {
    context.Error(node, field, TypeMismatch("an integer", node));
    return std::nullopt;
  }
  if (value < min || value > max) {
    context.Error(node, field,
                  "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                      ", got " + std::to_string(value));
    return std::nullopt;
  }
  return value;
}

std::optional<double> ReadNumber(ReadContext& context, const YAML::Node& node,
                                 std::string_view field, double exclusive_min) {
  double value = 0;
  bool parsed = false;
  if (node.IsScalar() && IsPlain(node)) {
    const std::string& text = node.Scalar();
    const bool well_formed =
        !text.empty() &&
        std::all_of(text.begin(), text.end(),
                    [](char c) { return (c >= '0' && c <= '9') || c == '.'; }) &&
        std::count(text.begin(), text.end(), '.') <= 1 && text.front() != '.' && text.back() != '.';
    if (well_formed) {
      const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
      parsed = result.ec == std::errc{} && result.ptr == text.data() + text.size();
    }
  }
  if (!parsed) {
    context.Error(node, field, TypeMismatch("a number", node));
    return std::nullopt;
  }
  if (!(value > exclusive_min)) {
    std::ostringstream bound;
    bound << exclusive_min;
    context.Error(node, field, "must be greater than " + bound.str() + ", got " + node.Scalar());
    return std::nullopt;
  }
  return value;
}

std::optional<Duration> ReadDuration(ReadContext& context, const YAML::Node& node,
                                     std::string_view field, Duration min) {
  if (!node.IsScalar()) {
    context.Error(node, field, "must be a duration such as 30s or 5m, got " + DescribeNode(node));
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  const auto parsed = ParseDuration(text);
  if (!parsed) {
    const bool bare_number = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
    if (bare_number) {
      context.Error(
          node, field,
          "invalid duration " + Quote(text) + ": add a unit, e.g. " + text + "s or " + text + "m");
    } else {
      context.Error(node, field,
                    "invalid duration " + Quote(text) +
                        ": use a number and a unit (ms, s, m, h, d), e.g. 300ms, 30s, 5m, 1h30m");
    }
    return std::nullopt;
  }
  if (*parsed < min) {
    const std::string bound =
        min == Duration{1} ? "greater than 0s" : "at least " + FormatDuration(min);
    context.Error(node, field, "must be " + bound + ", got " + text);
    return std::nullopt;
  }
  return parsed;
}

std::optional<std::string> ReadOneOf(ReadContext& context, const YAML::Node& node,
                                     std::string_view field,
                                     std::span<const std::string_view> values) {
  if (!node.IsScalar()) {
    context.Error(node, field,
                  "must be one of " + JoinQuoted(values) + ", got " + DescribeNode(node));
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  if (std::find(values.begin(), values.end(), text) != values.end()) return text;
  std::string message = "must be one of " + JoinQuoted(values) + ", got " + Quote(text);
  if (const auto hint = ClosestMatch(text, values)) message += "; did you mean \"" + *hint + "\"?";
  context.Error(node, field, message);
  return std::nullopt;
}

std::optional<YAML::Node> ReadSequence(ReadContext& context, const YAML::Node& node,
                                       std::string_view field) {
  if (!node.IsSequence()) {
    context.Error(node, field, "must be a sequence, got " + DescribeNode(node));
    return std::nullopt;
  }
  return node;
}

std::optional<std::vector<std::string>> ReadStringList(ReadContext& context, const YAML::Node& node,
                                                       std::string_view field) {
  const auto sequence = ReadSequence(context, node, field);
  if (!sequence) return std::nullopt;
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < sequence->size(); ++i) {
    auto item = ReadString(context, (*sequence)[i], IndexPath(field, i));
    if (item) {
      out.push_back(std::move(*item));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::map<std::string, std::string>> ReadStringMap(ReadContext& context,
                                                                const YAML::Node& node,
                                                                std::string_view field) {
  if (!node.IsMap()) {
    context.Error(node, field, "must be a mapping, got " + DescribeNode(node));
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  bool ok = true;
  for (const auto& entry : node) {
    const std::string key = ScalarKey(entry.first);
    const std::string child = JoinPath(field, key);
    if (key.empty()) {
      context.Error(entry.first, field, "keys must be non-empty strings");
      ok = false;
      continue;
    }
    if (out.contains(key)) {
      context.Error(entry.first, child, "duplicate key");
      ok = false;
      continue;
    }
    if (entry.second.IsNull()) context.RememberNullValue(entry.second, entry.first.Mark());
    auto value = ReadString(context, entry.second, child);
    if (!value) {
      ok = false;
      continue;
    }
    out.emplace(key, std::move(*value));
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace vsrd::manifests
