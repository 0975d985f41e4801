#include "net/request_reader.hpp"

namespace vsrd::net {

ReadFailure ClassifyReadError(const boost::system::error_code& error) {
  namespace http = boost::beast::http;
  if (error == http::error::body_limit) return ReadFailure::kBodyTooLarge;
  // buffer_overflow: the header did not fit a bounded read buffer, the same case.
  if (error == http::error::header_limit || error == http::error::buffer_overflow) {
    return ReadFailure::kHeaderTooLarge;
  }
  // The peer closed (before or inside a request): nobody waits for an answer.
  if (error == http::error::end_of_stream || error == http::error::partial_message ||
      error == http::error::short_read) {
    return ReadFailure::kGone;
  }
  if (error.category() == http::make_error_code(http::error::bad_target).category()) {
    return ReadFailure::kMalformed;
  }
  return ReadFailure::kGone;  // timeout, reset, TLS failure, cancelled by a stop
}

std::optional<ReadRefusal> RefusalFor(const boost::system::error_code& error) {
  switch (ClassifyReadError(error)) {
    case ReadFailure::kMalformed:
      return ReadRefusal{400, "malformed HTTP request: " + error.message()};
    case ReadFailure::kBodyTooLarge:
      return ReadRefusal{413, "request body too large"};
    case ReadFailure::kHeaderTooLarge:
      return ReadRefusal{431, "request header fields too large"};
    case ReadFailure::kGone:
      break;
  }
  return std::nullopt;
}

}  // namespace vsrd::net
