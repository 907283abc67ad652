// Helpers for tests that need spec files on disk: each test writes its files into its own
// directory under TEST_TMPDIR. Also EXPECT_CONTAINS for checking error messages.
//
//   TestFiles files("validation");
//   std::string path = files.Write("a.textproto", "name: 'a'");
//   EXPECT_CONTAINS(status.message(), "does not exist");
#ifndef VLMLAB_TESTS_TEST_FILES_H_
#define VLMLAB_TESTS_TEST_FILES_H_

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

// Checks that `haystack` contains `needle`, printing the haystack when it does not.
#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

namespace vlmlab {

class TestFiles {
 public:
  explicit TestFiles(const std::string& name) {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = std::filesystem::path(tmp ? tmp : "/tmp") / name;
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    std::filesystem::path p = dir_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  std::filesystem::path dir_;
};

// A valid experiment for tests to break one field at a time.
// Tests edit this text by exact substrings and line numbers, so clang-format leaves it be.
// clang-format off
inline constexpr char kValidExperiment[] = R"pb(name: "valid"
model {
  encoder { vit { image_size: 32 patch_size: 8 width: 64 depth: 2 heads: 4 } }
  projector { mlp {} }
  fusion { self_attention { max_images_per_sample: 1 } }
  llm { llama { hidden: 64 layers: 2 heads: 4 } }
}
data { name: "caps" components { dataset { synthetic { tasks: CAPTION } } } }
stages { name: "pretrain" pretrain {} steps: 10 mixture: "caps" }
evaluators { name: "vqa" vqa_accuracy {} data: "caps" }
)pb";
// clang-format on

}  // namespace vlmlab

#endif  // VLMLAB_TESTS_TEST_FILES_H_
