#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

// A small Swagger 2.0 checker for the simulator's conformance test: finds the operation for a
// request and validates a response body against the schema of its status, supporting the
// subset the vSphere specs use: $ref, type, required, enum, items, properties,
// additionalProperties. Stricter than Swagger on one point, on purpose: a response property the
// schema does not define is reported, because the simulator must send only spec'd fields.

namespace vsrd::simulator::testing {

/// A known, documented difference between the real API and the Swagger file (docs/vsphere-api.md):
/// at JSON path `where` (e.g. "CisTaskInfo.error"), the schema is replaced by `schema`.
struct SchemaOverride {
  std::string definition;  ///< "CisTaskInfo"
  std::string property;    ///< "error"
  nlohmann::json schema;   ///< what the real API sends
  std::string reason;
};

class SwaggerChecker {
 public:
  /// Loads one Swagger 2.0 file; its paths and definitions join the index. Throws on I/O or
  /// JSON errors (test setup).
  void LoadFile(const std::string& path);
  void AddOverride(SchemaOverride override_entry);

  /// The Swagger path key for a router template and the request's query: "/api/x/{id}" +
  /// action=check + vmw-task=true -> "/api/x/{id}?action=check&vmw-task=true".
  static std::string PathKey(std::string_view path_template, std::string_view action,
                             bool vmw_task);

  /// True when the specs define `method` on `key` (variable names in braces are ignored).
  bool HasOperation(std::string_view method, std::string_view key) const;

  /// Problems with a response: undeclared status, body not matching the status's schema.
  /// Empty when the response conforms.
  std::vector<std::string> CheckResponse(std::string_view method, std::string_view key, int status,
                                         const std::string& body) const;

  /// Validates `value` against `schema` (a schema object of the loaded files).
  std::vector<std::string> Validate(const nlohmann::json& schema, const nlohmann::json& value,
                                    const std::string& where) const;

 private:
  const nlohmann::json* FindOperation(std::string_view method, std::string_view key) const;
  void ValidateInto(const nlohmann::json& schema, const nlohmann::json& value,
                    const std::string& where, const std::string& definition,
                    std::vector<std::string>& problems, int depth) const;

  std::map<std::string, nlohmann::json> paths_;  ///< normalized key -> path item
  nlohmann::json definitions_ = nlohmann::json::object();
  std::vector<SchemaOverride> overrides_;
};

/// The official Swagger files in third_party/vsphere-api (VSRD_SWAGGER_DIR), loaded once, with the
/// documented differences of the real API as overrides (docs/vsphere-api.md "What the vendored
/// Swagger files do not cover": every task-like `error` is a std-error object where the Swagger 2.0
/// says string).
const SwaggerChecker& OfficialSpecs();

}  // namespace vsrd::simulator::testing
