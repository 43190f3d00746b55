#pragma once
// Method + path pattern routing. Patterns are '/'-separated segments; a
// segment ":name" matches one non-empty path segment and captures it
// (percent-decoded) as params["name"]. The first route added that matches wins.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.hpp"

namespace mend {

using Handler = std::function<ApiResponse(const ApiRequest&)>;

class Router {
 public:
  void add(std::string method, std::string_view pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null when nothing matched
    bool path_known = false;           // some route has this path, maybe with another method
    std::map<std::string, std::string> params;
  };
  Match match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// Splits a path into segments, ignoring a trailing '/': "/a/b/" -> {"a", "b"}.
std::vector<std::string> path_segments(std::string_view path);

}  // namespace mend
