// Writes the dashboard's example store (platform/dashboard/dashboard_testing.h) for the
// browser tests, and the image that one of its predictions refers to by relative path.
//
//   fill_store STORE.sqlite IMAGE_ROOT
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "platform/dashboard/dashboard_testing.h"
#include "platform/store/store.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: fill_store STORE.sqlite IMAGE_ROOT\n";
    return 2;
  }
  auto db = vlmlab::store::OpenStore(absl::StrCat("sqlite:", argv[1]));
  if (!db.ok()) {
    std::cerr << "fill_store: " << db.status() << "\n";
    return 1;
  }
  absl::Status filled = vlmlab::dashboard::testing::FillExampleStore(db->get());
  if (!filled.ok()) {
    std::cerr << "fill_store: " << filled << "\n";
    return 1;
  }
  // images/k3.png under the image root: the same red square as the inline image.
  std::string data_uri = vlmlab::dashboard::testing::kRedPngDataUri;
  std::string png;
  absl::Base64Unescape(data_uri.substr(data_uri.find(',') + 1), &png);
  const std::filesystem::path images = std::filesystem::path(argv[2]) / "images";
  std::filesystem::create_directories(images);
  std::ofstream(images / "k3.png", std::ios::binary) << png;
  return 0;
}
