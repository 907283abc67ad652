#include "platform/dashboard/image_files.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace vlmlab::dashboard {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

class ImageFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::path(::testing::TempDir()) / "image_files_test";
    fs::remove_all(base_);
    root_ = base_ / "root";
    Write(root_ / "images/a.png", std::string("\x89PNG\r\n\x1a\n....", 12));
    Write(root_ / "b.jpg", "\xff\xd8\xff\xe0rest");
    Write(root_ / "notes.png", "just text");
    Write(base_ / "secret.png", std::string("\x89PNG\r\n\x1a\nsecret", 14));
    fs::create_symlink(base_ / "secret.png", root_ / "link.png");
  }
  fs::path base_, root_;
};

TEST_F(ImageFilesTest, ServesImagesWithSniffedTypes) {
  ImageRoot images(root_.string());
  absl::StatusOr<HttpResponse> png = images.Serve("images/a.png");
  ASSERT_TRUE(png.ok()) << png.status();
  EXPECT_EQ(png->content_type, "image/png");
  EXPECT_EQ(png->body.size(), 12u);
  absl::StatusOr<HttpResponse> jpg = images.Serve("b.jpg");
  ASSERT_TRUE(jpg.ok());
  EXPECT_EQ(jpg->content_type, "image/jpeg");
}

TEST_F(ImageFilesTest, RefusesEverythingElse) {
  ImageRoot images(root_.string());
  EXPECT_EQ(images.Serve("../secret.png").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(images.Serve("images/../../secret.png").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(images.Serve((base_ / "secret.png").string()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(images.Serve("link.png").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(images.Serve("notes.png").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(images.Serve("missing.png").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(images.Serve("images").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(images.Serve("a\\b.png").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ImageRoot("").Serve("b.jpg").status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SniffImageTypeTest, KnowsFourFormats) {
  EXPECT_EQ(SniffImageType("GIF89a..."), "image/gif");
  EXPECT_EQ(SniffImageType("RIFF\x10\0\0\0WEBPVP8 "), "");  // the NUL ends the literal early
  EXPECT_EQ(SniffImageType(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)), "image/webp");
  EXPECT_EQ(SniffImageType("<svg>"), "");
  EXPECT_EQ(SniffImageType(""), "");
}

}  // namespace
}  // namespace vlmlab::dashboard
