// `vlmlab score`: scores a results file against official gold files with an evaluator's
// official metric, printing each metric with a bootstrap confidence interval (a table, or
// JSON with --json). docs/metrics.md describes the metrics and formats.
//
//   vlmlab score --evaluator vqa_accuracy --questions Q --annotations A --results R
//       [--json] [--bootstrap 1000 --seed 0] [--train_questions TQ --train_annotations TA]
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <mutex>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/cli/cli_flags.h"
#include "platform/cli/commands.h"
#include "platform/metrics/score_files.h"
#include "platform/runner/progress.h"

ABSL_FLAG(std::string, evaluator, "",
          "score: vqa_accuracy, caption, anls, exact_match, pope or mcq");
ABSL_FLAG(std::string, questions, "", "score: VQAv2 questions JSON (vqa_accuracy)");
ABSL_FLAG(std::string, annotations, "",
          "score: the gold file (VQAv2 annotations, COCO captions, or DocVQA-style {\"data\"})");
ABSL_FLAG(std::string, results, "", "score: the predictions JSON");
ABSL_FLAG(int32_t, bootstrap, 1000, "score: bootstrap resamples for the intervals (0: none)");
ABSL_FLAG(double, confidence, 0.95, "score: confidence level of the intervals");
ABSL_FLAG(std::string, normalization, "simple",
          "score: exact_match answer normalisation: none, simple or vqa");
ABSL_FLAG(std::string, vqa_script, "current",
          "score: vqa_accuracy answer processing: current (the official script since 2021) or "
          "pre2021 (the earlier script, to reproduce older papers)");
ABSL_FLAG(std::string, train_questions, "",
          "score: vqa_accuracy blind baseline: training questions JSON");
ABSL_FLAG(std::string, train_annotations, "",
          "score: vqa_accuracy blind baseline: training annotations JSON");
// Shared with `data synth`, which defines it.
ABSL_DECLARE_FLAG(uint64_t, seed);

namespace vlmlab {
namespace {

constexpr char kScoreUsage[] =
    "usage: vlmlab score --evaluator NAME --annotations GOLD --results PRED [--questions Q] "
    "[--json] [--bootstrap N] [--seed S] [--confidence 0.95] [--normalization simple] "
    "[--vqa_script current|pre2021] [--train_questions TQ --train_annotations TA]";

}  // namespace

int RunScore(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::cerr << "vlmlab: error: score takes flags only, not '" << args.front() << "'\n"
              << kScoreUsage << "\n";
    return 2;
  }
  metrics::ScoreRequest request;
  request.evaluator = absl::GetFlag(FLAGS_evaluator);
  request.questions_path = absl::GetFlag(FLAGS_questions);
  request.annotations_path = absl::GetFlag(FLAGS_annotations);
  request.results_path = absl::GetFlag(FLAGS_results);
  request.train_questions_path = absl::GetFlag(FLAGS_train_questions);
  request.train_annotations_path = absl::GetFlag(FLAGS_train_annotations);
  request.bootstrap.resamples = absl::GetFlag(FLAGS_bootstrap);
  request.bootstrap.seed = absl::GetFlag(FLAGS_seed);
  request.bootstrap.confidence = absl::GetFlag(FLAGS_confidence);
  // On a terminal, each interval's resamples as they are drawn (one line rewritten in place).
  struct BootstrapProgress {
    std::mutex mu;
    int intervals = 0;
    std::unique_ptr<runner::CountProgress> current;
  };
  auto progress = std::make_shared<BootstrapProgress>();
  if (isatty(fileno(stderr)) != 0) {
    request.bootstrap.on_progress = [progress](int done, int total) {
      std::lock_guard<std::mutex> lock(progress->mu);
      if (done == 1 || progress->current == nullptr) {
        progress->current = std::make_unique<runner::CountProgress>(
            absl::StrCat("bootstrap interval ", ++progress->intervals), total, "resamples",
            /*interactive=*/true);
      }
      progress->current->Update(done);
    };
  }
  const std::vector<std::string>& names = metrics::EvaluatorNames();
  if (request.evaluator.empty()) {
    std::cerr << "vlmlab: error: score needs --evaluator (" << absl::StrJoin(names, ", ") << ")\n"
              << kScoreUsage << "\n";
    return 2;
  }
  if (std::find(names.begin(), names.end(), request.evaluator) == names.end()) {
    std::cerr << "vlmlab: error: unknown evaluator '" << request.evaluator
              << "'; use one of: " << absl::StrJoin(names, ", ") << "\n";
    return 2;
  }
  if (request.annotations_path.empty() || request.results_path.empty()) {
    std::cerr << "vlmlab: error: score needs --annotations (the gold file) and --results\n"
              << kScoreUsage << "\n";
    return 2;
  }
  if (request.bootstrap.resamples < 0) {
    std::cerr << "vlmlab: error: --bootstrap must be 0 (no intervals) or more\n";
    return 2;
  }
  absl::StatusOr<metrics::MatchNormalization> normalization =
      metrics::ParseMatchNormalization(absl::GetFlag(FLAGS_normalization));
  if (!normalization.ok()) {
    std::cerr << "vlmlab: error: --normalization: " << normalization.status().message() << "\n";
    return 2;
  }
  request.normalization = *normalization;
  absl::StatusOr<metrics::VqaScript> vqa_script =
      metrics::ParseVqaScript(absl::GetFlag(FLAGS_vqa_script));
  if (!vqa_script.ok()) {
    std::cerr << "vlmlab: error: --vqa_script: " << vqa_script.status().message() << "\n";
    return 2;
  }
  request.vqa_script = *vqa_script;
  absl::StatusOr<metrics::ScoreReport> report = metrics::ScoreFiles(request);
  if (progress->current != nullptr) progress->current->Finish();
  if (!report.ok()) {
    PrintError(report.status());
    return 1;
  }
  std::cout << (absl::GetFlag(FLAGS_json) ? metrics::FormatReportJson(*report)
                                          : metrics::FormatReportText(*report));
  return 0;
}

}  // namespace vlmlab
