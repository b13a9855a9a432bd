// The dashboard's page (the files of web/), compiled into the binary by the build
// (cmake/embed_web.cmake), so it is served offline and never fetched from anywhere.
#pragma once

#include <span>
#include <string_view>

namespace tokenflow::http {

struct StaticAsset {
  std::string_view path;  // "/index.html"
  std::string_view content_type;
  std::string_view body;
};

// Every embedded file (defined by the generated web_assets.cpp).
std::span<const StaticAsset> web_assets();

// The asset served at `path` ("/" is "/index.html"), or nullptr.
inline const StaticAsset* find_web_asset(std::string_view path) {
  if (path == "/" || path.empty()) path = "/index.html";
  for (const auto& asset : web_assets()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

}  // namespace tokenflow::http
