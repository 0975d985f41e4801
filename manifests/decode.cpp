#include "manifests/decode.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "manifests/spec_hash.hpp"
#include "manifests/yaml_reader.hpp"

namespace vsrd::manifests {
namespace {

constexpr std::array<std::string_view, 2> kCommonSpecFields{"target", "policy"};

std::vector<std::string_view> SpecFields(Kind kind) {
  std::vector<std::string_view> fields(kCommonSpecFields.begin(), kCommonSpecFields.end());
  const auto add = [&](const auto& more) { fields.insert(fields.end(), more.begin(), more.end()); };
  switch (kind) {
    case Kind::kVchaPassiveNode:
      add(kVchaPassiveNodeFields);
      break;
    case Kind::kOfflineDepotFromHost:
      add(kOfflineDepotFromHostFields);
      break;
    case Kind::kApplianceUpdate:
      add(kApplianceUpdateFields);
      break;
    case Kind::kApplianceInstall:
      add(kApplianceInstallFields);
      break;
    case Kind::kGuestCustomizationCheck:
      add(kGuestCustomizationCheckFields);
      break;
  }
  return fields;
}

std::optional<KindSpec> DecodeKindSpec(Kind kind, const MapReader& spec) {
  const auto wrap = [](auto decoded) -> std::optional<KindSpec> {
    if (!decoded) return std::nullopt;
    return KindSpec{std::move(*decoded)};
  };
  switch (kind) {
    case Kind::kVchaPassiveNode:
      return wrap(DecodeVchaPassiveNodeSpec(spec));
    case Kind::kOfflineDepotFromHost:
      return wrap(DecodeOfflineDepotFromHostSpec(spec));
    case Kind::kApplianceUpdate:
      return wrap(DecodeApplianceUpdateSpec(spec));
    case Kind::kApplianceInstall:
      return wrap(DecodeApplianceInstallSpec(spec));
    case Kind::kGuestCustomizationCheck:
      return wrap(DecodeGuestCustomizationCheckSpec(spec));
  }
  return std::nullopt;
}

// Fills `metadata` as far as it decodes: the name survives a bad label, for cross-checks.
void DecodeMetadata(ReadContext& context, const YAML::Node& node, Metadata& metadata,
                    SourceLocation& location) {
  const MapReader map(context, node, "metadata", {"name", "labels", "annotations"});
  if (const auto value = map.Require("name")) {
    metadata.name = ReadDnsLabel(context, *value, "metadata.name").value_or("");
    location = context.Locate(*value);
  }
  if (const auto value = map.Get("labels")) {
    if (auto labels = ReadStringMap(context, *value, "metadata.labels")) {
      metadata.labels = std::move(*labels);
    }
  }
  if (const auto value = map.Get("annotations")) {
    if (auto annotations = ReadStringMap(context, *value, "metadata.annotations")) {
      metadata.annotations = std::move(*annotations);
    }
  }
}

struct DecodedDocument {
  Object object;
  bool complete = false;    ///< no problem was reported
  bool identified = false;  ///< kind and metadata.name were read
};

DecodedDocument DecodeDocument(ReadContext& context, const YAML::Node& document) {
  DecodedDocument result;
  Object& object = result.object;
  const std::size_t errors_before = context.ErrorCount();  // an inline secret is an error too
  RejectInlineSecrets(context, document, "");
  const MapReader top(context, document, "", {"apiVersion", "kind", "metadata", "spec"});
  if (!top.IsValid()) return result;
  if (const auto value = top.Require("apiVersion")) {
    if (const auto text = ReadString(context, *value, "apiVersion")) {
      if (*text != kApiVersion) {
        context.Error(
            *value, "apiVersion",
            "unsupported \"" + *text + "\"; this vsrd reads \"" + std::string(kApiVersion) + "\"");
      }
    }
  }
  std::optional<Kind> kind;
  if (const auto value = top.Require("kind")) {
    kind = ReadEnum<Kind>(context, *value, "kind", kKindNames);
  }
  if (const auto value = top.Require("metadata")) {
    DecodeMetadata(context, *value, object.metadata, object.location);
  }
  if (const auto value = top.Require("spec"); value && kind) {
    const MapReader spec(context, *value, "spec", SpecFields(*kind));
    if (spec.IsValid()) {
      if (const auto target = spec.Require("target")) {
        if (auto name = ReadDnsLabel(context, *target, "spec.target")) {
          object.target = NameRef{std::move(*name), context.Locate(*target)};
        }
      }
      if (const auto policy_node = spec.Get("policy")) {
        if (auto policy = DecodePolicy(context, *policy_node, "spec.policy")) {
          object.policy = std::move(*policy);
        }
      }
      if (auto kind_spec = DecodeKindSpec(*kind, spec)) object.spec = std::move(*kind_spec);
      object.generation = SpecHash(*kind, *value);
    }
  }
  if (kind) object.kind = *kind;
  result.identified = kind.has_value() && !object.metadata.name.empty();
  result.complete = context.ErrorCount() == errors_before;
  return result;
}

bool LooksLikeManifest(const YAML::Node& document) {
  return document.IsMap() && (document["apiVersion"] || document["kind"]);
}

}  // namespace

ManifestFile DecodeManifests(std::string_view text, const std::string& file) {
  ManifestFile result;
  result.path = file;
  ReadContext context(file, result.diagnostics);
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::ParserException& error) {
    // yaml-cpp marks are 0-based; a file that does not parse yields no documents at all.
    context.Error(context.Locate(error.mark), "invalid YAML: " + error.msg);
    return result;
  } catch (const YAML::Exception& error) {
    context.Error(context.Locate(error.mark), "invalid YAML: " + error.msg);
    return result;
  }
  const auto non_empty = [](const YAML::Node& d) { return !d.IsNull(); };
  result.is_manifest = std::any_of(documents.begin(), documents.end(), LooksLikeManifest) ||
                       std::none_of(documents.begin(), documents.end(), non_empty);
  if (!result.is_manifest) return result;
  for (const auto& document : documents) {
    if (document.IsNull()) continue;  // an empty document, e.g. after a trailing "---"
    try {
      auto decoded = DecodeDocument(context, document);
      if (decoded.complete) {
        result.objects.push_back(std::move(decoded.object));
      } else if (decoded.identified) {
        result.incomplete.push_back(std::move(decoded.object));
      }
    } catch (const YAML::Exception& error) {
      context.Error(context.Locate(error.mark), "cannot decode document: " + error.msg);
    }
  }
  // The decoder reads fields in its own order (unknown keys first, policy before the kind's
  // fields); the contract above is file order.
  SortByLocation(result.diagnostics);
  return result;
}

ManifestFile LoadManifestFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    ManifestFile result;
    result.path = path.string();
    result.diagnostics.push_back(Diagnostic{SourceLocation{path.string(), 0, 0},
                                            Diagnostic::Severity::kError,
                                            std::string("cannot read: ") + std::strerror(error)});
    return result;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return DecodeManifests(buffer.str(), path.string());
}

std::vector<std::filesystem::path> FindManifestFiles(
    const std::vector<std::filesystem::path>& paths, Diagnostics& diagnostics) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  const auto is_yaml = [](const fs::path& p) {
    const auto extension = p.extension();
    return extension == ".yaml" || extension == ".yml";
  };
  for (const auto& root : paths) {
    std::error_code error;
    const auto status = fs::status(root, error);
    if (error || !fs::exists(status)) {
      diagnostics.push_back(Diagnostic{SourceLocation{root.string(), 0, 0},
                                       Diagnostic::Severity::kError, "no such file or directory"});
      continue;
    }
    if (!fs::is_directory(status)) {
      files.push_back(root);
      continue;
    }
    fs::recursive_directory_iterator it(root, fs::directory_options::follow_directory_symlink,
                                        error);
    for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      const fs::path& entry = it->path();
      if (entry.filename().string().starts_with(".")) {
        if (it->is_directory(error)) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(error) && is_yaml(entry)) files.push_back(entry);
    }
    if (error) {
      diagnostics.push_back(Diagnostic{SourceLocation{root.string(), 0, 0},
                                       Diagnostic::Severity::kError,
                                       "cannot read directory: " + error.message()});
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

}  // namespace vsrd::manifests
