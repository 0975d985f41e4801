#include "simulator/vapi_error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "net/bounded_json.hpp"

namespace vsrd::simulator {
namespace {

constexpr std::array<std::pair<std::string_view, int>, 25> kStatuses{{
    {"ERROR", 500},
    {"ALREADY_EXISTS", 400},
    {"ALREADY_IN_DESIRED_STATE", 400},
    {"CANCELED", 400},
    {"CONCURRENT_CHANGE", 409},
    {"FEATURE_IN_USE", 400},
    {"INTERNAL_SERVER_ERROR", 500},
    {"INVALID_ARGUMENT", 400},
    {"INVALID_ELEMENT_CONFIGURATION", 400},
    {"INVALID_ELEMENT_TYPE", 400},
    {"INVALID_REQUEST", 400},
    {"NOT_ALLOWED_IN_CURRENT_STATE", 400},
    {"NOT_FOUND", 404},
    {"OPERATION_NOT_FOUND", 404},
    {"RESOURCE_BUSY", 500},
    {"RESOURCE_IN_USE", 400},
    {"RESOURCE_INACCESSIBLE", 500},
    {"SERVICE_UNAVAILABLE", 503},
    {"TIMED_OUT", 500},
    {"UNABLE_TO_ALLOCATE_RESOURCE", 500},
    {"UNAUTHENTICATED", 401},
    {"UNAUTHORIZED", 403},
    {"UNEXPECTED_INPUT", 400},
    {"UNSUPPORTED", 400},
    {"UNVERIFIED_PEER", 400},
}};

std::string MessageId(std::string_view error_type) {
  std::string id = "com.vmware.vsrd.sim.";
  for (const char c : error_type) {
    id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return id;
}

}  // namespace

int StatusForErrorType(std::string_view error_type) {
  for (const auto& [type, status] : kStatuses) {
    if (type == error_type) return status;
  }
  return 500;
}

bool IsErrorType(std::string_view error_type) {
  return std::any_of(kStatuses.begin(), kStatuses.end(),
                     [&](const auto& entry) { return entry.first == error_type; });
}

nlohmann::json Message(std::string_view id, std::string_view text) {
  return {{"id", id}, {"default_message", text}, {"args", nlohmann::json::array()}};
}

nlohmann::json ErrorBody(std::string_view error_type, std::string_view message,
                         const std::optional<nlohmann::json>& data) {
  nlohmann::json body = {
      {"error_type", error_type},
      {"messages", nlohmann::json::array({Message(MessageId(error_type), message)})}};
  if (data) body["data"] = *data;
  return body;
}

Response VapiError(std::string_view error_type, std::string_view message,
                   const std::optional<nlohmann::json>& data) {
  return Response::Json(StatusForErrorType(error_type), ErrorBody(error_type, message, data));
}

Response Unauthenticated() {
  nlohmann::json body = {
      {"error_type", "UNAUTHENTICATED"},
      {"messages",
       nlohmann::json::array({Message("com.vmware.vapi.endpoint.method.authentication.required",
                                      "Authentication required.")})},
      {"challenge", "Basic realm=\"VAPI endpoint\""}};
  Response response = Response::Json(401, body);
  response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"VAPI endpoint\"");
  return response;
}

}  // namespace vsrd::simulator

namespace vsrd::simulator {

std::optional<nlohmann::json> ParseJsonBody(const Request& request, Response& error,
                                            const nlohmann::json& empty_value) {
  if (request.body.empty()) return empty_value;
  net::JsonError problem;
  auto parsed = net::ParseJsonBounded(request.body, &problem);
  if (!parsed) {
    error = VapiError("INVALID_ARGUMENT", problem.too_deep
                                              ? "The request body is " + problem.message + "."
                                              : std::string("The request body is not valid JSON."));
    return std::nullopt;
  }
  return parsed;
}

}  // namespace vsrd::simulator
