#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "reconcilers/ports/api_error.hpp"
#include "reconcilers/ports/depots_port.hpp"
#include "reconcilers/ports/tasks_port.hpp"

// Private helpers of the codecs (not installed, not included outside daemon/vsphere/codec).
//
// Decoders read a parsed body through JsonReader, which knows the dotted path of the value it
// holds ("node1.runtime.placement.vm_name", "health_warnings[2].error") and throws DecodeFailure
// with a message naming that path when a required field is missing or a value has the wrong
// type. DecodeDocument parses the body and turns both failures into the ApiError the ports
// return: kBadJson when the body is not JSON, kDecode for a shape problem. The exception never
// leaves a codec function.
//
// Policy shared by every decoder: unknown fields are ignored (newer vCenters add fields); an
// optional field may be absent or null; a required field that is null counts as missing. Only the
// fields a port struct holds are read, so a field the spec requires but vsrd never uses (e.g.
// VM.Info.hardware) is treated like an unknown one.

namespace vsrd::daemon::vsphere::codec {

namespace ports = reconcilers::ports;

/// A shape problem found while decoding; what() is the ApiError detail.
class DecodeFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A JSON value and its path in the document. Cheap to copy (the value is referenced, not
/// copied): the document must outlive every reader made from it.
class JsonReader {
 public:
  /// The document root; its path is empty (messages call it "body").
  explicit JsonReader(const nlohmann::json& value) : value_(&value) {}
  JsonReader(const nlohmann::json& value, std::string path)
      : value_(&value), path_(std::move(path)) {}

  const nlohmann::json& Value() const { return *value_; }
  /// "a.b[2].c"; empty for the root.
  const std::string& Path() const { return path_; }

  /// Member `key` of this object, or nullopt when absent or null. Throws unless an object.
  std::optional<JsonReader> Optional(std::string_view key) const;
  /// Member `key` of this object. Throws when absent or null ("missing required field").
  JsonReader Required(std::string_view key) const;
  /// The elements of this array. Throws unless an array.
  std::vector<JsonReader> Elements() const;
  /// The members of this object with their keys, in key order. Throws unless an object.
  std::vector<std::pair<std::string, JsonReader>> Members() const;

  /// Throws unless this value is an object.
  void ExpectObject() const;
  std::string String() const;
  bool Bool() const;
  /// A JSON integer that fits int64 (a number with a fraction is a type error).
  std::int64_t Integer() const;
  /// An ISO-8601 date-time string (see ParseDateTime).
  ports::WallTime Time() const;
  /// The index in `names` of this string value; throws "expected one of ..." otherwise.
  std::size_t EnumIndex(std::span<const std::string_view> names) const;
  template <class E>
  E Enum(std::span<const std::string_view> names) const {
    return static_cast<E>(EnumIndex(names));
  }

  // Shorthands for the common member reads.
  std::string RequiredString(std::string_view key) const { return Required(key).String(); }
  std::optional<std::string> OptionalString(std::string_view key) const;
  bool RequiredBool(std::string_view key) const { return Required(key).Bool(); }
  std::optional<bool> OptionalBool(std::string_view key) const;
  std::optional<std::int64_t> OptionalInteger(std::string_view key) const;
  std::optional<ports::WallTime> OptionalTime(std::string_view key) const;

  /// Throws DecodeFailure with `field "<path>": <problem>` ("body: <problem>" for the root).
  [[noreturn]] void Fail(std::string_view problem) const;

 private:
  [[noreturn]] void FailType(std::string_view expected) const;
  std::string ChildPath(std::string_view key) const;

  const nlohmann::json* value_;
  std::string path_;
};

/// "2026-01-01T00:00:00Z", "2026-01-01T00:00:00.123Z", "2026-01-01T02:00:00+02:00" (also "+0200",
/// a lower-case t/z, and no designator at all, read as UTC: vAPI always sends one):
/// manifests::ParseRfc3339 in its kAnyOffset form (manifests/rfc3339.hpp). Fractions beyond
/// nanoseconds are truncated; nullopt for anything else, an invalid calendar date, or a year
/// outside kMinYear..kMaxYear (an absurd year must be refused, not overflow into a wrong time;
/// found by fuzz/json_codec_fuzz.cpp and by the install guard's review).
std::optional<ports::WallTime> ParseDateTime(std::string_view text);

/// The years ParseDateTime and ParseHttpDate accept: no vSphere time lies outside them.
inline constexpr int kMinYear = 1970;
inline constexpr int kMaxYear = 2200;

/// An HTTP `Date` header in the IMF-fixdate form every server must send (RFC 9110 section
/// 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT". The obsolete forms and years outside
/// kMinYear..kMaxYear give nullopt; the weekday is checked for shape, not against the date.
std::optional<ports::WallTime> ParseHttpDate(std::string_view text);

/// Compact JSON text. Strings that are not valid UTF-8 (possible only in values vsrd built
/// itself, e.g. a password) are written with U+FFFD instead of throwing.
std::string DumpCompact(const nlohmann::json& value);

/// Parses `body` into `document` with net::ParseJsonBounded; on failure returns the kBadJson
/// ApiError, whose detail has the parser's position and reason but none of the body's content,
/// or says that the body nests deeper than net::kMaxJsonDepth.
std::optional<ports::ApiError> ParseBody(std::string_view operation, std::string_view body,
                                         nlohmann::json& document);

/// ApiError{kind=kDecode, operation, detail}.
ports::ApiError DecodeError(std::string_view operation, std::string detail);

/// Parses `body` and runs `decode(JsonReader)` on it; a parse error or a DecodeFailure becomes the
/// returned ApiError.
template <class T, class Decode>
ports::Result<T> DecodeDocument(std::string_view operation, std::string_view body,
                                const Decode& decode) {
  nlohmann::json document;
  if (auto error = ParseBody(operation, body, document)) {
    return ports::MakeUnexpected(std::move(*error));
  }
  try {
    return decode(JsonReader(document));
  } catch (const DecodeFailure& failure) {
    return ports::MakeUnexpected(DecodeError(operation, failure.what()));
  } catch (const nlohmann::json::exception& failure) {
    // Not expected (every access is type-checked first); nlohmann messages carry no body content.
    return ports::MakeUnexpected(DecodeError(operation, failure.what()));
  }
}

// Structures several areas share. Each throws DecodeFailure naming the path.

/// LocalizableMessage {id*, default_message*, args?}. `args` is read leniently: absent or null is
/// an empty list (9.x may leave it out), but when present it must be an array of strings.
ports::LocalizableMessage ReadMessage(const JsonReader& reader);
/// [LocalizableMessage].
std::vector<ports::LocalizableMessage> ReadMessageList(const JsonReader& reader);
/// Cis.Task.Progress {total*, completed*, message*}.
ports::TaskProgress ReadProgress(const JsonReader& reader);
/// [Notification {id*, message*}] (Esx.Settings and Appliance notifications alike).
std::vector<ports::Notification> ReadNotificationList(const JsonReader& reader);
/// Notifications {info?, warnings?, errors?} into the three lists.
void ReadNotifications(const JsonReader& reader, std::vector<ports::Notification>& info,
                       std::vector<ports::Notification>& warnings,
                       std::vector<ports::Notification>& errors);

/// A task's `error` (defined in error_codec.cpp): a std-error object, decoded leniently as
/// DecodeStdError does; a plain string (what the Swagger 2.0 files declare) becomes one message.
/// Never throws.
ports::ApiError StdErrorFromJson(std::string_view operation, const nlohmann::json& value);

}  // namespace vsrd::daemon::vsphere::codec
