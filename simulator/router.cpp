#include "simulator/router.hpp"

namespace vsrd::simulator {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

bool MatchPathTemplate(std::string_view path_template, std::string_view path, PathParams& params) {
  const auto want = Split(path_template);
  const auto have = Split(path);
  if (want.size() != have.size()) return false;
  PathParams found;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const std::string_view segment = want[i];
    if (segment.size() > 2 && segment.front() == '{' && segment.back() == '}') {
      if (have[i].empty()) return false;
      found.emplace(std::string(segment.substr(1, segment.size() - 2)), std::string(have[i]));
    } else if (segment != have[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

void Router::Add(std::string method, std::string path_template, std::string action,
                 std::string operation, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(path_template), std::move(action),
                          std::move(operation), std::move(handler)});
}

const Router::Route* Router::Find(const Request& request, PathParams& params) const {
  const std::string action = request.Query("action").value_or("");
  for (const auto& route : routes_) {
    if (route.method != request.method || route.action != action) continue;
    if (MatchPathTemplate(route.path_template, request.path, params)) return &route;
  }
  return nullptr;
}

std::string Router::TemplateFor(std::string_view path) const {
  PathParams ignored;
  for (const auto& route : routes_) {
    if (MatchPathTemplate(route.path_template, path, ignored)) return route.path_template;
  }
  return "";
}

}  // namespace vsrd::simulator
