#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/http.hpp"

// Reading request bodies the way the vAPI runtime does, shared by the vCenter areas.

namespace vsrd::simulator {

/// Reads a request structure the way the vAPI runtime does: a wrong type, a bad value or a
/// missing required field is INVALID_ARGUMENT; a set field the structure does not define is
/// UNEXPECTED_INPUT (vapi-runtime's ApiInterfaceSkeleton.check_for_unknown_fields, message
/// vapi.data.structure.field.unexpected; unknown fields set to null pass). The /api status of
/// UNEXPECTED_INPUT is UNCONFIRMED (docs/vsphere-api.md "Errors"): vapi_error.cpp answers 400.
/// Only the first problem is kept, as vAPI reports one: once a problem is recorded every reader
/// returns nullopt (or false, nullptr). `path` arguments name the structure being read in
/// messages ("placement"; "" for the body itself). Not thread-safe; one per request.
class BodyReader {
 public:
  /// True while no problem was recorded.
  bool Ok() const { return !error_.has_value(); }
  /// The error answer of the first problem; only valid when !Ok().
  const Response& Problem() const { return *error_; }

  /// Records a problem of `error_type` unless one is recorded already.
  void Fail(std::string_view error_type, const std::string& message);
  /// Fail("INVALID_ARGUMENT", message).
  void Invalid(const std::string& message) { Fail("INVALID_ARGUMENT", message); }

  /// `value` must be an object whose set members are all among `fields`.
  bool Struct(const nlohmann::json& value, const std::string& path,
              std::initializer_list<std::string_view> fields);

  /// The member `key` of `object`; a problem when it is unset (absent or null).
  const nlohmann::json* Require(const nlohmann::json& object, std::string_view key,
                                const std::string& path);

  /// A string member; unset is a problem only when `required`.
  std::optional<std::string> String(const nlohmann::json& object, std::string_view key,
                                    const std::string& path, bool required);

  /// An integer member within [min, max]; unset is a problem only when `required`.
  std::optional<std::int64_t> Integer(const nlohmann::json& object, std::string_view key,
                                      const std::string& path, std::int64_t min, std::int64_t max,
                                      bool required);

  /// An optional boolean member.
  std::optional<bool> Bool(const nlohmann::json& object, std::string_view key,
                           const std::string& path);

  /// An optional list of strings (a vAPI list or set); unset is an empty list. With `values`
  /// non-empty, every item must be one of them.
  std::optional<std::vector<std::string>> Strings(const nlohmann::json& object,
                                                  std::string_view key, const std::string& path,
                                                  std::span<const std::string_view> values = {});

  /// A string member that must be one of `values`; unset is a problem only when `required`.
  std::optional<std::string> Enum(const nlohmann::json& object, std::string_view key,
                                  const std::string& path, std::span<const std::string_view> values,
                                  bool required);

 private:
  std::optional<Response> error_;
};

}  // namespace vsrd::simulator
