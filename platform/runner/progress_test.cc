#include "platform/runner/progress.h"

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace vlmlab::runner {
namespace {

std::string Captured(FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

int Count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(CountProgress, LineShowsCountRateAndEta) {
  CountProgress p("synth train", 1000, "samples", false, stderr);
  EXPECT_EQ(p.Line(250, 5.0), "synth train 250/1000 samples 50/s ETA 0:15");
  EXPECT_EQ(p.Line(0, 0.0), "synth train 0/1000 samples 0/s ETA ?");
}

TEST(CountProgress, ALogGetsALineAtEveryTenthFromAnyThread) {
  FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    CountProgress p("bootstrap", 1000, "resamples", /*interactive=*/false, f);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&p, t] {
        for (int i = t + 1; i <= 1000; i += 4) p.Update(i);
      });
    }
    for (std::thread& t : threads) t.join();
    p.Finish();
  }
  const std::string out = Captured(f);
  std::fclose(f);
  EXPECT_EQ(Count(out, "\n"), 10) << out;  // 100, 200, ..., 1000 or the first count past each
  EXPECT_TRUE(absl::StrContains(out, "bootstrap 1000/1000 resamples")) << out;
  EXPECT_FALSE(absl::StrContains(out, "\r")) << out;
}

TEST(CountProgress, ATerminalLineIsRewrittenInPlaceAndEnded) {
  FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  CountProgress p("synth val", 3, "samples", /*interactive=*/true, f);
  p.Update(1);  // printed: the first update
  p.Update(2);  // within 0.2 s: skipped
  p.Update(3);  // the last count is always printed
  p.Finish();
  const std::string out = Captured(f);
  std::fclose(f);
  EXPECT_EQ(Count(out, "\r\033[K"), 2) << out;
  EXPECT_TRUE(absl::StrContains(out, "synth val 3/3 samples")) << out;
  EXPECT_EQ(out.back(), '\n');
}

}  // namespace
}  // namespace vlmlab::runner
