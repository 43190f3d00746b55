#pragma once
// Serves the embedded web console: "/" (the page) and "/assets/..." (its
// script and styles). No authentication here: the page holds no data, and
// signs in through the API it calls.
#include <span>

#include "api/console_assets.hpp"
#include "api/http_types.hpp"
#include "api/router.hpp"

namespace mend {

void add_console_routes(Router& router);

// The answer for one asset: gzip when the client accepts it, 304 when its
// ETag matches, and a cache policy: revalidate the page, keep hashed assets
// for a year.
ApiResponse console_asset_response(const ConsoleAsset& asset, const ApiRequest& req);

}  // namespace mend
