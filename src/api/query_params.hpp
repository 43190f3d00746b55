#pragma once
// Reading query parameters of /api/v1 requests, with the errors the API
// answers for a bad one (invalid_input, which is a 400).
#include <cstdint>
#include <string>

#include "api/http_types.hpp"
#include "common/result.hpp"

namespace mend {

// The value of `key`, or "" when absent.
std::string query_str(const ApiRequest& req, const std::string& key);
// An integer, or `fallback` when absent or empty. Errors: invalid_input.
Result<int64_t> query_int(const ApiRequest& req, const std::string& key, int64_t fallback);
// Milliseconds since the epoch, or an RFC 3339 time; 0 when absent or empty.
// Errors: invalid_input.
Result<int64_t> query_time(const ApiRequest& req, const std::string& key);

// The window of a paged list: ?since=&until= (query_time), ?<before_key>=
// (the last id or seq of the previous page; 0 for the first) and ?limit=
// (default `default_limit`, between 1 and `max_limit`).
struct PageWindow {
  int64_t since_ms = 0;
  int64_t until_ms = 0;
  int64_t before = 0;
  int64_t limit = 0;
};
// Errors: invalid_input for the first bad parameter.
Result<PageWindow> query_page(const ApiRequest& req, const std::string& before_key, int64_t default_limit,
                              int64_t max_limit);

}  // namespace mend
