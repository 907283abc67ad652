#include "platform/metrics/score_files.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/base/status_macros.h"
#include "platform/metrics/anls.h"
#include "platform/metrics/bleu.h"
#include "platform/metrics/caption_example.h"
#include "platform/metrics/caption_files.h"
#include "platform/metrics/cider.h"
#include "platform/metrics/mcq.h"
#include "platform/metrics/pope.h"
#include "platform/metrics/qa_files.h"
#include "platform/metrics/results_files.h"
#include "platform/metrics/text_util.h"
#include "platform/metrics/vqa_blind_baseline.h"
#include "platform/metrics/vqa_files.h"

namespace vlmlab::metrics {
namespace {

bool WantIntervals(const ScoreRequest& r) { return r.bootstrap.resamples > 0; }

// A line for the mean of `scores`, with its interval when asked for.
absl::StatusOr<MetricLine> MeanLine(const std::string& name, const std::vector<double>& scores,
                                    const ScoreRequest& request, size_t count = 0) {
  MetricLine line{name};
  line.count = count;
  double sum = 0;
  for (double s : scores) sum += s;
  line.value = scores.empty() ? 0 : sum / static_cast<double>(scores.size());
  if (WantIntervals(request) && !scores.empty()) {
    VLMLAB_ASSIGN_OR_RETURN(Interval ci, BootstrapMean(scores, request.bootstrap));
    line.has_interval = true;
    line.lower = ci.lower;
    line.upper = ci.upper;
  }
  return line;
}

// One line per group label (skipping ""), each the mean of its examples' scores.
absl::StatusOr<MetricTable> GroupTable(const std::string& title, const std::vector<double>& scores,
                                       const std::vector<std::string>& groups,
                                       const ScoreRequest& request, bool intervals) {
  std::map<std::string, std::vector<double>> by_group;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (!groups[i].empty()) by_group[groups[i]].push_back(scores[i]);
  }
  MetricTable table{title};
  ScoreRequest no_ci = request;
  if (!intervals) no_ci.bootstrap.resamples = 0;
  for (const auto& [group, values] : by_group) {
    VLMLAB_ASSIGN_OR_RETURN(MetricLine line, MeanLine(group, values, no_ci, values.size()));
    table.lines.push_back(line);
  }
  return table;
}

std::string MissingNote(size_t missing, size_t total, const std::string& what,
                        const std::string& path, const std::string& scored_as) {
  return absl::StrCat(missing, " of ", total, " ", what, " have no prediction in ", path,
                      "; each is scored as wrong (", scored_as, ")");
}

absl::StatusOr<ScoreReport> ScoreVqa(const ScoreRequest& request) {
  VLMLAB_ASSIGN_OR_RETURN(std::vector<VqaQuestion> questions,
                          ReadVqaDataset(request.questions_path, request.annotations_path));
  VLMLAB_ASSIGN_OR_RETURN(auto predictions, ReadAnswerResults(request.results_path));
  std::set<std::string> ids;
  for (const VqaQuestion& q : questions) ids.insert(q.question_id);
  VLMLAB_RETURN_IF_ERROR(CheckKnownIds(predictions, ids, request.results_path, "question"));

  const VqaScores scores = ScoreVqa(questions, predictions, request.vqa_script);
  ScoreReport report;
  report.examples = questions.size();
  report.missing = scores.missing;
  VLMLAB_ASSIGN_OR_RETURN(MetricLine accuracy, MeanLine("accuracy", scores.per_question, request));
  report.metrics.push_back(accuracy);
  std::vector<std::string> answer_types, question_types;
  for (const VqaQuestion& q : questions) {
    answer_types.push_back(q.answer_type);
    question_types.push_back(q.question_type);
  }
  VLMLAB_ASSIGN_OR_RETURN(MetricTable by_answer,
                          GroupTable("answer_type", scores.per_question, answer_types, request,
                                     /*intervals=*/true));
  VLMLAB_ASSIGN_OR_RETURN(MetricTable by_question,
                          GroupTable("question_type", scores.per_question, question_types, request,
                                     /*intervals=*/false));
  if (!by_answer.lines.empty()) report.breakdowns.push_back(by_answer);
  if (!by_question.lines.empty()) report.breakdowns.push_back(by_question);
  if (scores.missing > 0) {
    report.notes.push_back(MissingNote(scores.missing, questions.size(), "questions",
                                       request.results_path, "accuracy 0"));
  }

  if (!request.train_annotations_path.empty()) {
    VLMLAB_ASSIGN_OR_RETURN(
        std::vector<VqaQuestion> training,
        ReadVqaDataset(request.train_questions_path, request.train_annotations_path));
    const VqaBlindBaseline blind = VqaBlindBaseline::Fit(training);
    const VqaScores blind_scores =
        ScoreVqa(questions, blind.PredictAll(questions), request.vqa_script);
    VLMLAB_ASSIGN_OR_RETURN(
        MetricLine line, MeanLine("blind_baseline_accuracy", blind_scores.per_question, request));
    report.metrics.push_back(line);
    VLMLAB_ASSIGN_OR_RETURN(MetricTable blind_table,
                            GroupTable("answer_type (blind baseline)", blind_scores.per_question,
                                       answer_types, request, /*intervals=*/true));
    if (!blind_table.lines.empty()) report.breakdowns.push_back(blind_table);
    size_t seen = 0;
    for (const VqaQuestion& q : questions) seen += blind.Seen(q.question) ? 1 : 0;
    report.notes.push_back(
        absl::StrCat("blind baseline: ", seen, " of ", questions.size(),
                     " questions were seen in training; the others get the most frequent answer '",
                     blind.fallback(), "'"));
  }
  return report;
}

absl::StatusOr<ScoreReport> ScoreCaptions(const ScoreRequest& request) {
  VLMLAB_ASSIGN_OR_RETURN(CaptionReferences refs, ReadCocoCaptions(request.annotations_path));
  VLMLAB_ASSIGN_OR_RETURN(auto results, ReadCaptionResults(request.results_path));
  const std::set<std::string> ids(refs.image_ids.begin(), refs.image_ids.end());
  VLMLAB_RETURN_IF_ERROR(CheckKnownIds(results, ids, request.results_path, "image"));
  ScoreReport report;
  std::vector<CaptionExample> examples;
  std::vector<BleuStats> bleu_stats;
  for (const std::string& id : refs.image_ids) {
    auto it = results.find(id);
    if (it == results.end()) ++report.missing;
    examples.push_back(
        MakeCaptionExample(id, it == results.end() ? "" : it->second, refs.captions.at(id)));
    bleu_stats.push_back(ComputeBleuStats(examples.back()));
  }
  report.examples = examples.size();
  const CiderD cider(examples);
  auto statistics = [&](const std::vector<size_t>& idx) {
    const std::array<double, 4> bleu = CorpusBleu(bleu_stats, idx);
    return std::vector<double>{bleu[0], bleu[1], bleu[2], bleu[3], cider.Mean(idx)};
  };
  std::vector<size_t> all(examples.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  const std::vector<double> values = statistics(all);
  const char* names[] = {"BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "CIDEr-D"};
  for (int k = 0; k < 5; ++k) report.metrics.push_back(MetricLine{names[k], values[k]});
  if (WantIntervals(request) && !examples.empty()) {
    VLMLAB_ASSIGN_OR_RETURN(std::vector<Interval> cis,
                            BootstrapStatistics(examples.size(), statistics, request.bootstrap));
    for (int k = 0; k < 5; ++k) {
      report.metrics[k].has_interval = true;
      report.metrics[k].lower = cis[k].lower;
      report.metrics[k].upper = cis[k].upper;
    }
  }
  if (report.missing > 0) {
    report.notes.push_back(MissingNote(report.missing, examples.size(), "images",
                                       request.results_path, "an empty caption"));
  }
  report.notes.push_back(
      "captions are tokenised by an approximation of coco-caption's PTB tokenizer "
      "(docs/metrics.md); scores can differ from the Java tokenizer's in the last digits");
  return report;
}

// The gold option of an MCQ item, or an error naming it.
absl::StatusOr<int> GoldChoice(const QaItem& item) {
  if (item.answer_index >= 0) return item.answer_index;
  const int num_options = static_cast<int>(item.options.size());
  const int index = ParseChoice(item.answers.front(), num_options, item.options);
  if (index < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(item.where, ": the gold answer '", item.answers.front(),
                     "' is not an option letter or option text; give 'answer_index' or a letter"));
  }
  return index;
}

absl::StatusOr<bool> PopeLabel(const QaItem& item) {
  const std::string label =
      item.answers.empty() ? "" : absl::AsciiStrToLower(StripWhitespace(item.answers.front()));
  if (label == "yes") return true;
  if (label == "no") return false;
  return absl::InvalidArgumentError(
      absl::StrCat(item.where, ": a POPE label must be \"yes\" or \"no\", found '",
                   item.answers.empty() ? "" : item.answers.front(), "'"));
}

absl::StatusOr<ScoreReport> ScorePope(const ScoreRequest& request, const std::vector<QaItem>& items,
                                      const std::map<std::string, std::string>& predictions) {
  ScoreReport report;
  report.examples = items.size();
  std::vector<bool> predicted, labels;
  std::vector<std::string> groups;
  for (const QaItem& item : items) {
    VLMLAB_ASSIGN_OR_RETURN(bool label, PopeLabel(item));
    auto it = predictions.find(item.id);
    if (it == predictions.end()) ++report.missing;
    predicted.push_back(it == predictions.end() ? !label : PopeSaysYes(it->second));
    labels.push_back(label);
    groups.push_back(item.group);
  }
  auto statistics = [&](const std::vector<size_t>& idx) {
    const PopeMetrics m = ComputePope(predicted, labels, idx);
    return std::vector<double>{m.accuracy, m.precision, m.recall, m.f1, m.yes_ratio};
  };
  const char* names[] = {"accuracy", "precision", "recall", "f1", "yes_ratio"};
  auto lines = [&](const std::vector<size_t>& idx,
                   const std::string& prefix) -> absl::StatusOr<std::vector<MetricLine>> {
    const std::vector<double> values = statistics(idx);
    std::vector<MetricLine> out;
    for (int k = 0; k < 5; ++k) out.push_back(MetricLine{prefix + names[k], values[k]});
    if (WantIntervals(request) && !idx.empty()) {
      VLMLAB_ASSIGN_OR_RETURN(std::vector<Interval> cis, BootstrapStatistics(
                                                             idx.size(),
                                                             [&](const std::vector<size_t>& sub) {
                                                               std::vector<size_t> mapped;
                                                               mapped.reserve(sub.size());
                                                               for (size_t s : sub)
                                                                 mapped.push_back(idx[s]);
                                                               return statistics(mapped);
                                                             },
                                                             request.bootstrap));
      for (int k = 0; k < 5; ++k) {
        out[k].has_interval = true;
        out[k].lower = cis[k].lower;
        out[k].upper = cis[k].upper;
      }
    }
    return out;
  };
  std::vector<size_t> all(items.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  VLMLAB_ASSIGN_OR_RETURN(report.metrics, lines(all, ""));
  std::map<std::string, std::vector<size_t>> by_group;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (!groups[i].empty()) by_group[groups[i]].push_back(i);
  }
  if (!by_group.empty()) {
    MetricTable table{"category"};
    for (const auto& [group, idx] : by_group) {
      VLMLAB_ASSIGN_OR_RETURN(std::vector<MetricLine> group_lines, lines(idx, group + " "));
      for (MetricLine& l : group_lines) {
        l.count = idx.size();
        table.lines.push_back(l);
      }
    }
    report.breakdowns.push_back(table);
  }
  if (report.missing > 0) {
    report.notes.push_back(MissingNote(report.missing, items.size(), "questions",
                                       request.results_path, "the answer opposite to the label"));
  }
  return report;
}

absl::StatusOr<ScoreReport> ScoreQa(const ScoreRequest& request) {
  VLMLAB_ASSIGN_OR_RETURN(std::vector<QaItem> items, ReadQaSet(request.annotations_path));
  ResultsOptions options;
  options.allow_option_index = request.evaluator == "mcq";
  VLMLAB_ASSIGN_OR_RETURN(auto predictions, ReadAnswerResults(request.results_path, options));
  std::set<std::string> ids;
  for (const QaItem& item : items) ids.insert(item.id);
  VLMLAB_RETURN_IF_ERROR(CheckKnownIds(predictions, ids, request.results_path, "question"));
  if (request.evaluator == "pope") return ScorePope(request, items, predictions);

  ScoreReport report;
  report.examples = items.size();
  std::vector<double> scores;
  std::vector<std::string> groups;
  size_t unparsed = 0;
  for (const QaItem& item : items) {
    auto it = predictions.find(item.id);
    groups.push_back(item.group);
    if (it == predictions.end()) {
      ++report.missing;
      if (request.evaluator == "mcq") VLMLAB_RETURN_IF_ERROR(GoldChoice(item).status());
      scores.push_back(0);
      continue;
    }
    const std::string& answer = it->second;
    if (request.evaluator == "anls") {
      scores.push_back(Anls(answer, item.answers));
    } else if (request.evaluator == "exact_match") {
      scores.push_back(ExactMatch(answer, item.answers, request.normalization));
    } else {  // mcq
      VLMLAB_ASSIGN_OR_RETURN(int gold, GoldChoice(item));
      const int chosen = ParseChoice(answer, static_cast<int>(item.options.size()), item.options);
      if (chosen < 0) ++unparsed;
      scores.push_back(chosen == gold ? 1.0 : 0.0);
    }
  }
  const std::string metric = request.evaluator == "anls"  ? "anls"
                             : request.evaluator == "mcq" ? "accuracy"
                                                          : "exact_match";
  VLMLAB_ASSIGN_OR_RETURN(MetricLine line, MeanLine(metric, scores, request));
  report.metrics.push_back(line);
  VLMLAB_ASSIGN_OR_RETURN(MetricTable table,
                          GroupTable("category", scores, groups, request, /*intervals=*/true));
  if (!table.lines.empty()) report.breakdowns.push_back(table);
  if (report.missing > 0) {
    report.notes.push_back(
        MissingNote(report.missing, items.size(), "questions", request.results_path, "score 0"));
  }
  if (unparsed > 0) {
    report.notes.push_back(absl::StrCat(unparsed,
                                        " answers name no option (docs/metrics.md "
                                        "lists the rules); each is scored as wrong"));
  }
  return report;
}

}  // namespace

const std::vector<std::string>& EvaluatorNames() {
  static const auto* names =
      new std::vector<std::string>{"vqa_accuracy", "caption", "anls", "exact_match", "pope", "mcq"};
  return *names;
}

absl::StatusOr<ScoreReport> ScoreFiles(const ScoreRequest& request) {
  const std::vector<std::string>& names = EvaluatorNames();
  if (std::find(names.begin(), names.end(), request.evaluator) == names.end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown evaluator '", request.evaluator,
                                                   "'; use one of: ", absl::StrJoin(names, ", ")));
  }
  const bool blind =
      !request.train_annotations_path.empty() || !request.train_questions_path.empty();
  if (blind && request.evaluator == "vqa_accuracy" &&
      (request.train_annotations_path.empty() || request.train_questions_path.empty() ||
       request.questions_path.empty())) {
    return absl::InvalidArgumentError(
        "the blind baseline matches question texts: it needs --train_questions, "
        "--train_annotations and the evaluation --questions");
  }
  absl::StatusOr<ScoreReport> report;
  if (request.evaluator == "vqa_accuracy") {
    report = ScoreVqa(request);
  } else if (request.evaluator == "caption") {
    report = ScoreCaptions(request);
  } else {
    report = ScoreQa(request);
  }
  if (!report.ok()) return report.status();
  report->evaluator = request.evaluator;
  report->results_path = request.results_path;
  report->bootstrap = request.bootstrap;
  if (request.evaluator != "vqa_accuracy" && !request.questions_path.empty()) {
    report->notes.push_back(absl::StrCat("--questions is only read by vqa_accuracy; ",
                                         request.questions_path, " was not used"));
  }
  if (request.evaluator != "vqa_accuracy" && !request.train_annotations_path.empty()) {
    report->notes.push_back("the blind baseline is only computed by vqa_accuracy");
  }
  return report;
}

}  // namespace vlmlab::metrics
