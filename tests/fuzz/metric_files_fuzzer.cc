// Fuzzes the readers of official annotation and result files: COCO captions, caption results,
// question-answer sets (DocVQA/TextVQA style) and VQAv2 questions + annotations. The first
// byte picks the reader; the rest is the file (for VQAv2: questions, "\n--\n", annotations).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "platform/metrics/caption_files.h"
#include "platform/metrics/qa_files.h"
#include "platform/metrics/vqa_files.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

std::string WriteTemp(const std::string& name, const std::string& bytes) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path =
      std::string(dir != nullptr ? dir : "/tmp") + "/" + std::to_string(getpid()) + name;
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string body = vlmlab::fuzz::FuzzString(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      (void)vlmlab::metrics::ReadCocoCaptions(WriteTemp("-coco.json", body));
      break;
    case 1:
      (void)vlmlab::metrics::ReadCaptionResults(WriteTemp("-results.json", body));
      break;
    case 2:
      (void)vlmlab::metrics::ReadQaSet(WriteTemp("-qa.json", body));
      break;
    default: {
      const std::vector<std::string> parts = vlmlab::fuzz::SplitFuzzInput(body, 2);
      (void)vlmlab::metrics::ReadVqaDataset(WriteTemp("-q.json", parts[0]),
                                            WriteTemp("-a.json", parts[1]));
    }
  }
  return 0;
}
