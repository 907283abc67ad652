#include "plugins/evaluators/evaluator_support.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/eval/eval_batches.h"

namespace vlmlab {

std::string OwnPrompt(const Sample& sample) {
  for (const Turn& t : sample.turns) {
    if (t.role == Turn::kUser) return t.text;
  }
  return "";
}

std::string OwnAnswer(const Sample& sample) {
  for (auto it = sample.turns.rbegin(); it != sample.turns.rend(); ++it) {
    if (it->role == Turn::kAssistant) return it->text;
  }
  return "";
}

std::string MajorityAnswer(const std::vector<std::string>& answers) {
  std::map<std::string, int> counts;
  std::string best;
  int best_count = 0;
  for (const std::string& a : answers) {
    int c = ++counts[a];
    if (c > best_count) {
      best = a;
      best_count = c;
    }
  }
  return best;
}

void ShotPrompts::Record(size_t i, nlohmann::json& record) const {
  if (i < set.shot_keys.size() && !set.shot_keys[i].empty()) record["shots"] = set.shot_keys[i];
}

absl::StatusOr<ShotPrompts> PrepareShots(const EvalInputs& inputs,
                                         const std::vector<Sample>& queries,
                                         const eval::DemonstrationFormatter& format) {
  ShotPrompts out;
  const EvaluatorSpec& spec = *inputs.spec;
  if (spec.shots() <= 0) return out;
  if (inputs.shot_samples == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "shots is ", spec.shots(), " but no demonstrations were given; set shots_data to the "
        "data mixture to draw them from"));
  }
  VLMLAB_ASSIGN_OR_RETURN(std::vector<Sample> pool,
                          eval::CollectSamples(*inputs.shot_samples, spec.shots_pool()));
  absl::StatusOr<eval::FewShotSet> set =
      eval::WithDemonstrations(queries, pool, spec.shots(), inputs.seed, format);
  if (!set.ok()) {
    return absl::Status(set.status().code(), absl::StrCat("shots_data '", spec.shots_data(),
                                                          "': ", set.status().message()));
  }
  out.set = std::move(*set);
  return out;
}

absl::StatusOr<Asked> AskShortAnswers(VlmModel& model, const EvalInputs& in,
                                      const std::string& prompt_template) {
  const EvaluatorSpec& spec = *in.spec;
  VLMLAB_ASSIGN_OR_RETURN(std::vector<Sample> all,
                          eval::CollectSamples(*in.samples, spec.max_examples()));
  // The question a sample asks and its reference answers (none: not a question).
  auto question = [&](const Sample& s, std::string* prompt, std::vector<std::string>* gold) {
    if (s.vqa.has_value() && !s.vqa->answers.empty()) {
      *gold = s.vqa->answers;
      *prompt = prompt_template.empty()
                    ? OwnPrompt(s)
                    : eval::FormatPrompt(prompt_template, s.vqa->question, s.images.size());
      return true;
    }
    if (!OwnAnswer(s).empty()) {
      *gold = {OwnAnswer(s)};
      *prompt = OwnPrompt(s);
      return true;
    }
    return false;
  };
  Asked a;
  for (Sample& s : all) {
    std::vector<std::string> gold;
    std::string prompt;
    if (!question(s, &prompt, &gold)) continue;
    a.gold.push_back(std::move(gold));
    a.prompts.push_back(std::move(prompt));
    a.samples.push_back(std::move(s));
  }
  if (a.samples.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("data '", spec.data(), "' holds no samples with reference answers"));
  }
  VLMLAB_ASSIGN_OR_RETURN(
      a.shots, PrepareShots(in, a.samples, [&](const Sample& s) -> std::optional<eval::Demonstration> {
        eval::Demonstration d;
        std::vector<std::string> gold;
        if (!question(s, &d.prompt, &gold)) return std::nullopt;
        d.answer = MajorityAnswer(gold);
        return d;
      }));
  VLMLAB_ASSIGN_OR_RETURN(
      a.replies, eval::GenerateReplies(model, a.shots.Samples(a.samples), a.prompts,
                                       spec.generation(), spec.batch_size(), in.seed,
                                       a.shots.set.contexts));
  return a;
}

nlohmann::json ExampleRecord(const Sample& sample, const std::string& prompt,
                             const std::string& prediction, double score) {
  nlohmann::json j = {{"key", sample.key},
                      {"prompt", prompt},
                      {"prediction", prediction},
                      {"score", score}};
  if (sample.vqa.has_value()) {
    j["question_id"] = sample.vqa->question_id;
    j["question"] = sample.vqa->question;
    j["id"] = sample.vqa->question_id;
  } else if (sample.image_id >= 0) {
    j["id"] = sample.image_id;
  } else {
    j["id"] = sample.key;
  }
  if (sample.image_id >= 0) j["image_id"] = sample.image_id;
  std::string image = eval::ImageDataUri(sample);
  if (!image.empty()) j["image"] = image;
  return j;
}

void AddGroupMetrics(const std::string& prefix, const std::vector<double>& scores,
                     const std::vector<std::string>& groups, const metrics::BootstrapOptions& b,
                     EvalOutput* out) {
  std::map<std::string, std::vector<double>> by_group;
  for (size_t i = 0; i < scores.size() && i < groups.size(); ++i) {
    if (!groups[i].empty()) by_group[groups[i]].push_back(scores[i]);
  }
  for (const auto& [g, s] : by_group) out->metrics[prefix + "/" + g] = MeanWithCi(s, b);
}

}  // namespace vlmlab
