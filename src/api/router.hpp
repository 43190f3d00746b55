#pragma once
// Method + path pattern routing. Patterns are '/'-separated segments; a
// segment ":name" matches one non-empty path segment and captures it
// (percent-decoded) as params["name"]. The first route added that matches wins.
//
// Every route declares what it demands (auth::Access) where it is declared:
// ApiService checks it before the handler runs, and the permission matrix
// test (api/permission_matrix_test.cpp) walks every route with every role.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.hpp"
#include "auth/principal.hpp"

namespace mend {

using Handler = std::function<ApiResponse(const ApiRequest&)>;

class Router {
 public:
  void add(std::string method, std::string_view pattern, auth::Access access, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null when nothing matched
    auth::Access access = auth::Access::open();
    std::string pattern;  // of the matched route, for the audit log
    bool path_known = false;           // some route has this path, maybe with another method
    std::map<std::string, std::string> params;
  };
  Match match(std::string_view method, std::string_view path) const;

  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    auth::Access access;
    Handler handler;
  };
  // In the order added.
  const std::vector<Route>& routes() const { return routes_; }
  // For tests: every handler replaced by `handler`, access kept.
  void replace_handlers(const Handler& handler);

 private:
  std::vector<Route> routes_;
};

// Splits a path into segments, ignoring a trailing '/': "/a/b/" -> {"a", "b"}.
std::vector<std::string> path_segments(std::string_view path);

}  // namespace mend
