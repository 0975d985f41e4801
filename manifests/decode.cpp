#include "manifests/decode.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <system_error>

#include <sys/stat.h>

#include "manifests/bounded_file.hpp"
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
  // A file that does not parse, or crosses a limit, yields no documents at all.
  auto loaded = LoadYamlDocuments(context, text);
  if (!loaded) return result;
  const std::vector<YAML::Node> documents = std::move(*loaded);
  const auto non_empty = [](const YAML::Node& d) { return !d.IsNull(); };
  result.is_manifest = std::any_of(documents.begin(), documents.end(), LooksLikeManifest) ||
                       std::none_of(documents.begin(), documents.end(), non_empty);
  if (!result.is_manifest) return result;
  // Room for every document at once: a grown vector keeps up to half its capacity unused, and
  // an Object is over a kilobyte (the files stay loaded; bench/scale.sh measures the memory).
  result.objects.reserve(
      static_cast<std::size_t>(std::count_if(documents.begin(), documents.end(), non_empty)));
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

ManifestFile LoadManifestFile(const std::filesystem::path& path, const std::string& display) {
  const std::string name = display.empty() ? path.string() : display;
  ManifestFile result;
  result.path = name;
  const auto text = ReadTextFile(path, name, kMaxManifestFileBytes, result.diagnostics);
  if (!text) return result;
  return DecodeManifests(*text, name);
}

std::vector<std::filesystem::path> FindManifestFiles(
    const std::vector<std::filesystem::path>& paths, Diagnostics& diagnostics) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  const auto is_yaml = [](const fs::path& p) {
    const auto extension = p.extension();
    return extension == ".yaml" || extension == ".yml";
  };
  const auto report = [&](const fs::path& where, Diagnostic::Severity severity,
                          std::string message) {
    diagnostics.push_back(
        Diagnostic{SourceLocation{where.string(), 0, 0}, severity, std::move(message)});
  };
  for (const auto& root : paths) {
    std::error_code error;
    const auto status = fs::status(root, error);
    if (error || !fs::exists(status)) {
      report(root, Diagnostic::Severity::kError, "no such file or directory");
      continue;
    }
    if (!fs::is_directory(status)) {
      files.push_back(root);
      continue;
    }
    // The tree is what the root resolves to (it may be a symlink, swapped git-sync style); a
    // symlink inside is followed only to a place within it, and each directory is entered once,
    // so a loop or a link to / ends nowhere and costs nothing.
    const fs::path tree = fs::canonical(root, error);
    if (error) {
      report(root, Diagnostic::Severity::kError, "cannot read directory: " + error.message());
      continue;
    }
    std::set<std::pair<std::uintmax_t, std::uintmax_t>> entered;  // (device, inode)
    const auto enter = [&](const fs::path& directory) {
      struct stat info {};
      if (::stat(directory.c_str(), &info) != 0) return false;
      return entered.emplace(info.st_dev, info.st_ino).second;
    };
    // Real directories first, then the symlinked ones in name order, so which path names a
    // directory reached both ways does not depend on the order readdir returns.
    std::vector<fs::path> pending{root};
    std::vector<fs::path> linked;
    enter(root);
    while (!pending.empty() || !linked.empty()) {
      if (pending.empty()) {
        std::sort(linked.begin(), linked.end(), std::greater<>());
        const fs::path next = linked.back();
        linked.pop_back();
        if (enter(next)) pending.push_back(next);
        continue;
      }
      const fs::path directory = pending.back();
      pending.pop_back();
      for (fs::directory_iterator it(directory, error), end; !error && it != end;
           it.increment(error)) {
        const fs::path& entry = it->path();
        if (entry.filename().string().starts_with(".")) continue;
        const bool link = it->is_symlink(error);
        fs::file_status target = it->status(error);  // follows a symlink
        if (link) {
          const fs::path resolved = fs::canonical(entry, error);
          const fs::path inside = error ? fs::path() : resolved.lexically_relative(tree);
          if (error || inside.empty() || *inside.begin() == "..") {
            if (is_yaml(entry) || (!error && fs::is_directory(target))) {
              report(entry, Diagnostic::Severity::kWarning,
                     error ? "skipped: a symlink that does not resolve (" + error.message() + ")"
                           : "skipped: a symlink to " + resolved.string() +
                                 ", outside the manifests directory");
            }
            error.clear();
            continue;
          }
        }
        if (error) break;
        if (fs::is_directory(target)) {
          if (link) {
            linked.push_back(entry);
          } else if (enter(entry)) {
            pending.push_back(entry);
          }
          continue;
        }
        if (!is_yaml(entry)) continue;
        if (!fs::is_regular_file(target)) {
          report(entry, Diagnostic::Severity::kWarning, "skipped: not a regular file");
          continue;
        }
        if (files.size() >= kMaxManifestFiles) {
          report(root, Diagnostic::Severity::kError,
                 "more than " + std::to_string(kMaxManifestFiles) + " manifest files");
          return files;
        }
        files.push_back(entry);
      }
      if (error) {
        report(directory, Diagnostic::Severity::kError,
               "cannot read directory: " + error.message());
        error.clear();
      }
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

}  // namespace vsrd::manifests
