#include "reconcilers/ports/api_error.hpp"

namespace vsrd::reconcilers::ports {

std::string_view ErrorKindName(ErrorKind kind) {
  return kErrorKindNames.at(static_cast<std::size_t>(kind));
}

bool ApiError::IsUnreachable() const {
  switch (kind) {
    case ErrorKind::kDns:
    case ErrorKind::kRefused:
    case ErrorKind::kReset:
    case ErrorKind::kTimeout:
    case ErrorKind::kTruncated:
      return true;
    case ErrorKind::kApi:
      return http_status == 503;
    default:
      return false;
  }
}

std::string ApiError::Summary() const {
  std::string line = operation.empty() ? std::string() : operation + ": ";
  if (kind == ErrorKind::kApi) {
    line += std::to_string(http_status);
    if (!error_type.empty()) line += " " + error_type;
    if (!messages.empty() && !messages.front().default_message.empty()) {
      line += ": " + messages.front().default_message;
    }
  } else {
    line += std::string(ErrorKindName(kind));
    if (http_status != 0) line += " (HTTP " + std::to_string(http_status) + ")";
  }
  if (!detail.empty()) line += ": " + detail;
  return line;
}

}  // namespace vsrd::reconcilers::ports
