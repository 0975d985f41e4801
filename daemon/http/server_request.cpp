#include "daemon/http/server_request.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>

#include <boost/beast/http.hpp>

namespace vsrd::daemon::http {
namespace {

bool IsControl(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `text`; nullopt on a malformed escape (a server must not guess what "%zz"
// meant).
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Fills request.path and request.query from a request target. False with `problem` set when
// the target is refused (see Server's contract).
bool ParseTarget(std::string_view target, Request& request, std::string& problem) {
  if (target.empty() || target.front() != '/') {
    problem = "the request target must be an absolute path such as /status";
    return false;
  }
  if (target.find('#') != std::string_view::npos) {
    problem = "the request target must not contain a fragment";
    return false;
  }
  const std::size_t question = target.find('?');
  const std::string_view raw_path = target.substr(0, question);
  const std::string_view raw_query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);

  std::string path;
  std::size_t start = 1;  // after the leading '/'
  for (;;) {
    const std::size_t slash = raw_path.find('/', start);
    const std::string_view raw_segment = raw_path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    const auto segment = PercentDecode(raw_segment, false);
    if (!segment) {
      problem = "the request path has a malformed %-escape";
      return false;
    }
    if (std::any_of(segment->begin(), segment->end(), IsControl)) {
      problem = "the request path must not contain control characters";
      return false;
    }
    if (segment->find('/') != std::string::npos) {
      problem = "the request path must not contain an encoded '/'";
      return false;
    }
    if (*segment == "." || *segment == "..") {
      problem = "the request path must not contain \".\" or \"..\" segments";
      return false;
    }
    path += '/';
    path += *segment;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }

  std::map<std::string, std::string> query;
  std::size_t begin = 0;
  while (!raw_query.empty()) {
    const std::size_t amp = raw_query.find('&', begin);
    const std::string_view part = raw_query.substr(
        begin, amp == std::string_view::npos ? std::string_view::npos : amp - begin);
    if (!part.empty()) {
      const std::size_t equals = part.find('=');
      const auto key = PercentDecode(part.substr(0, equals), true);
      const auto value = equals == std::string_view::npos
                             ? std::optional<std::string>(std::string())
                             : PercentDecode(part.substr(equals + 1), true);
      if (!key || !value) {
        problem = "the request query has a malformed %-escape";
        return false;
      }
      if (std::any_of(key->begin(), key->end(), IsControl) ||
          std::any_of(value->begin(), value->end(), IsControl)) {
        problem = "the request query must not contain control characters";
        return false;
      }
      query[*key] = *value;
    }
    if (amp == std::string_view::npos) break;
    begin = amp + 1;
  }
  request.path = std::move(path);
  request.query = std::move(query);
  return true;
}

// The request's header fields by lower-case name, repeated ones joined (Request::headers).
std::map<std::string, std::string> HeaderFields(const net::HttpRequest& message) {
  std::map<std::string, std::string> fields;
  for (const auto& field : message) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto [place, inserted] = fields.emplace(std::move(name), std::string(field.value()));
    if (!inserted) place->second.append(", ").append(field.value());
  }
  return fields;
}

}  // namespace

std::optional<std::string> ToRequest(net::HttpRequest& message, const std::string& local_address,
                                     Request& request) {
  const bool head = message.method() == boost::beast::http::verb::head;
  request.method = std::string(message.method_string());
  std::string problem;
  if (!ParseTarget(message.target(), request, problem)) return problem;
  if (head) request.method = "GET";
  request.body = std::move(message.body());
  request.headers = HeaderFields(message);
  request.local_address = local_address;
  return std::nullopt;
}

}  // namespace vsrd::daemon::http
