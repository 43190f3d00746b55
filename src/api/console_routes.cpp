#include "api/console_routes.hpp"

#include "api/envelope.hpp"

namespace mend {

namespace {

bool accepts_gzip(std::string_view accept_encoding) {
  // Good enough for browsers, which all send "gzip" unqualified; a client
  // that refuses it with "gzip;q=0" gets the raw bytes.
  auto at = accept_encoding.find("gzip");
  if (at == std::string_view::npos) return false;
  auto rest = accept_encoding.substr(at + 4);
  auto comma = rest.find(',');
  auto params = rest.substr(0, comma);
  return params.find("q=0") == std::string_view::npos ||
         params.find("q=0.") != std::string_view::npos;
}

const ConsoleAsset* find_asset(std::string_view path) {
  for (const auto& a : console_assets())
    if (a.path == path) return &a;
  return nullptr;
}

}  // namespace

ApiResponse console_asset_response(const ConsoleAsset& asset, const ApiRequest& req) {
  ApiResponse res;
  res.content_type = std::string(asset.content_type);
  res.headers.emplace_back("ETag", std::string(asset.etag));
  res.headers.emplace_back("Cache-Control",
                           asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  res.headers.emplace_back("Vary", "Accept-Encoding");
  if (asset.path == "/") {
    // The page runs only what it shipped with and talks only to this server.
    res.headers.emplace_back(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'");
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  }
  if (!req.if_none_match.empty() && req.if_none_match == asset.etag) {
    res.status = 304;
    return res;
  }
  if (!asset.gzip.empty() && accepts_gzip(req.accept_encoding)) {
    res.body = std::string(asset.gzip);
    res.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    res.body = std::string(asset.body);
  }
  return res;
}

void add_console_routes(Router& r) {
  // Open: the page and its script hold no data; they sign in through the API.
  r.add("GET", "/", auth::Access::open(),
        [](const ApiRequest& req) { return console_asset_response(console_assets()[0], req); });
  r.add("GET", "/assets/:name", auth::Access::open(), [](const ApiRequest& req) {
    const ConsoleAsset* a = find_asset("/assets/" + req.params.at("name"));
    if (!a) return text_response(404, "no such console file");
    return console_asset_response(*a, req);
  });
}

}  // namespace mend
