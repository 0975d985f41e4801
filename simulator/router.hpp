#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "simulator/http.hpp"

// Maps (method, path template, ?action=) to handlers. Templates name their variables in braces:
// "/api/vcenter/vm/{vm}/guest/customization". An empty action matches requests without one.

namespace vsrd::simulator {

using PathParams = std::map<std::string, std::string, std::less<>>;
using Handler = std::function<Response(const Request&, const PathParams&)>;

/// True when `path` matches `path_template`; fills `params`. Segments must match one-for-one.
bool MatchPathTemplate(std::string_view path_template, std::string_view path, PathParams& params);

class Router {
 public:
  /// Registers `handler`. `operation` is a fixed name ("vcha.cluster.get") for logs.
  void Add(std::string method, std::string path_template, std::string action, std::string operation,
           Handler handler);

  struct Route {
    std::string method;
    std::string path_template;
    std::string action;
    std::string operation;
    Handler handler;
  };

  /// The route for `request`, or nullptr. `params` receives the path variables.
  const Route* Find(const Request& request, PathParams& params) const;
  /// The template of the first route whose path matches, whatever the method and action;
  /// used to log requests by template and to match faults. "" when none does.
  std::string TemplateFor(std::string_view path) const;
  const std::vector<Route>& All() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace vsrd::simulator
