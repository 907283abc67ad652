#include "platform/runner/evaluation.h"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"
#include "nlohmann/json.hpp"
#include "platform/base/atomic_file.h"
#include "platform/base/file_io.h"
#include "platform/base/status_macros.h"
#include "platform/data/mixture.h"
#include "platform/eval/eval_batches.h"
#include "platform/runner/data_setup.h"
#include "platform/runner/progress.h"
#include "platform/spec/slot_resolver.h"

namespace vlmlab::runner {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool HasMixture(const Experiment& exp, const std::string& name) {
  for (const DataMixture& m : exp.data()) {
    if (m.name() == name) return true;
  }
  return false;
}

// The experiment's evaluators named in `names` (all when empty), in the experiment's order.
absl::StatusOr<std::vector<const EvaluatorSpec*>> Select(const Experiment& exp,
                                                         const std::vector<std::string>& names) {
  std::vector<std::string> available;
  for (const EvaluatorSpec& e : exp.evaluators()) available.push_back(e.name());
  for (const std::string& n : names) {
    if (std::find(available.begin(), available.end(), n) == available.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "experiment '", exp.name(), "' has no evaluator named '", n, "'; ",
          available.empty() ? std::string("it has no evaluators")
                            : absl::StrCat("it has: ", absl::StrJoin(available, ", "))));
    }
  }
  std::vector<const EvaluatorSpec*> out;
  for (const EvaluatorSpec& e : exp.evaluators()) {
    if (names.empty() || std::find(names.begin(), names.end(), e.name()) != names.end()) {
      out.push_back(&e);
    }
  }
  return out;
}

// The official results file the evaluator asked for (EvalOutput::official_results) built from
// its example records, or "" when it asked for none.
std::string OfficialResults(const OfficialResultsFormat& format, const std::vector<json>& records,
                            const std::string& name) {
  if (format.id_field.empty()) return "";
  const std::string& id_field = format.id_field;
  const std::string& text_field = format.text_field;
  nlohmann::ordered_json out = nlohmann::ordered_json::array();  // id first, as the benchmarks
  std::set<int64_t> seen;
  int64_t repeated = 0, without_id = 0;
  for (const json& r : records) {
    if (!r.is_object() || !r.contains(id_field) || !r[id_field].is_number_integer()) {
      ++without_id;
      continue;
    }
    const int64_t id = r[id_field].get<int64_t>();
    if (!seen.insert(id).second) {
      ++repeated;
      continue;
    }
    nlohmann::ordered_json entry;
    entry[id_field] = id;
    entry[text_field] = r.value("prediction", std::string());
    out.push_back(std::move(entry));
  }
  if (repeated > 0 || without_id > 0) {
    LOG(WARNING) << "evaluator " << name << ": the official results leave out " << repeated
                 << " examples whose " << id_field << " repeats an earlier one and "
                 << without_id << " without one";
  }
  return out.dump() + "\n";
}

// Replaces the run's `evaluators[NAME].prompt_template_sha256` fields of the evaluators run.
absl::Status RecordPromptHashes(store::Store& db, const std::string& run_id,
                                const std::vector<EvaluatorResult>& results) {
  VLMLAB_ASSIGN_OR_RETURN(store::RunRecord run, db.GetRun(run_id));
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunField> fields, db.RunFields({run_id}));
  std::map<std::string, std::string> mine;
  for (const EvaluatorResult& r : results) {
    mine[absl::StrCat("evaluators[", r.name, "].prompt_template_sha256")] =
        r.prompt_template_sha256;
  }
  store::RunDefinition def;
  def.id = run.id;
  def.sweep_id = run.sweep_id;
  def.variant = run.variant;
  def.seed = run.seed;
  def.spec_hash = run.spec_hash;
  def.spec_text = run.spec_text;
  for (const store::RunField& f : fields) {
    if (!mine.count(f.path)) def.fields.push_back({"", f.path, f.value});
  }
  for (const auto& [path, value] : mine) {
    if (!value.empty()) def.fields.push_back({"", path, value});
  }
  return db.UpsertRun(def);
}

// Writes the files and store rows of one evaluator's output.
absl::Status Record(const EvaluatorSpec& spec, const EvalOutput& out, store::Store& db,
                    const EvaluationOptions& options, EvaluatorResult& result) {
  const std::string& name = spec.name();
  std::vector<store::MetricRecord> metrics;
  for (const auto& [key, m] : out.metrics) {
    metrics.push_back({options.run_id, name, key, m.value, m.ci_low, m.ci_high, m.n});
  }
  // Predictions first to a file (the complete record), then to the store in pages.
  std::error_code ec;
  fs::create_directories(options.predictions_dir, ec);
  std::string jsonl;
  std::vector<json> parsed;
  std::vector<store::PredictionRecord> rows;
  for (size_t i = 0; i < out.predictions_json.size(); ++i) {
    json j = json::parse(out.predictions_json[i], nullptr, /*allow_exceptions=*/false);
    std::string text = out.predictions_json[i];
    if (j.is_object() && !result.prompt_template_sha256.empty()) {
      j["prompt_template_sha256"] = result.prompt_template_sha256;
      text = j.dump();
    }
    jsonl += text;
    jsonl += '\n';
    store::PredictionRecord r;
    r.run_id = options.run_id;
    r.evaluator = name;
    r.example_key = j.is_object() && j.contains("key") && j["key"].is_string()
                        ? j["key"].get<std::string>()
                        : absl::StrCat(i);
    r.json = std::move(text);
    if (i < out.scores.size()) r.score = out.scores[i];
    rows.push_back(std::move(r));
    parsed.push_back(std::move(j));
  }
  result.predictions_path = (fs::path(options.predictions_dir) / (name + ".jsonl")).string();
  VLMLAB_RETURN_IF_ERROR(WriteFileAtomically(result.predictions_path, jsonl));
  std::string official = OfficialResults(out.official_results, parsed, name);
  if (!official.empty()) {
    result.official_results_path =
        (fs::path(options.predictions_dir) / (name + out.official_results.file_suffix)).string();
    VLMLAB_RETURN_IF_ERROR(WriteFileAtomically(result.official_results_path, official));
  }
  VLMLAB_RETURN_IF_ERROR(db.PutMetrics(metrics));
  constexpr size_t kPage = 500;
  for (size_t i = 0; i < rows.size(); i += kPage) {
    size_t n = std::min(kPage, rows.size() - i);
    VLMLAB_RETURN_IF_ERROR(db.PutPredictions(absl::MakeConstSpan(rows.data() + i, n)));
  }
  return absl::OkStatus();
}

// metrics.json with the entries of `results` replacing those of the same evaluators.
absl::Status WriteMetricsJson(const std::string& path,
                              const std::vector<EvaluatorResult>& results) {
  json all = json::object();
  if (absl::StatusOr<std::string> text = ReadFileToString(path, 64 << 20); text.ok()) {
    json old = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (old.is_object()) all = std::move(old);
  }
  for (const EvaluatorResult& r : results) {
    json e = json::object();
    for (const auto& [key, m] : r.metrics) {
      e[key] = {{"value", m.value}, {"ci_low", m.ci_low}, {"ci_high", m.ci_high}, {"n", m.n}};
    }
    if (!r.prompt_template_sha256.empty()) {
      e["prompt_template_sha256"] = r.prompt_template_sha256;
    }
    all[r.name] = std::move(e);
  }
  return WriteFileAtomically(path, all.dump(2) + "\n");
}

}  // namespace

std::string PromptTemplateHash(absl::string_view prompt_template) {
  if (prompt_template.empty()) return "";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  CHECK(EVP_Digest(prompt_template.data(), prompt_template.size(), digest, &length,
                   EVP_sha256(), nullptr) == 1)
      << "SHA-256 failed";
  return absl::BytesToHexString(
             absl::string_view(reinterpret_cast<const char*>(digest), length))
      .substr(0, 16);
}

absl::Status CheckEvaluators(const Experiment& exp, const std::vector<std::string>& names,
                             const PluginRegistries& registries) {
  VLMLAB_ASSIGN_OR_RETURN(std::vector<const EvaluatorSpec*> selected, Select(exp, names));
  for (const EvaluatorSpec* spec : selected) {
    const std::string where = absl::StrCat("evaluators[", spec->name(), "]");
    VLMLAB_RETURN_IF_ERROR(Prefixed(ResolveSlot(*spec, registries).status(), where));
    for (const auto& [field, mixture] :
         std::vector<std::pair<const char*, std::string>>{{"data", spec->data()},
                                                          {"baseline_data", spec->baseline_data()},
                                                          {"shots_data", spec->shots_data()}}) {
      if (!mixture.empty() && !HasMixture(exp, mixture)) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ".", field, ": no data mixture named '", mixture,
            "'; the experiment's data section defines the mixtures"));
      }
    }
    if (spec->shots() > 0 && spec->shots_data().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".shots_data: shots is ", spec->shots(),
          " but no shots_data names the data mixture to draw the demonstrations from"));
    }
    if (spec->shots() > 0 && exp.model().fusion().has_self_attention() &&
        exp.model().fusion().self_attention().max_images_per_sample() < spec->shots() + 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".shots: ", spec->shots(), " demonstrations and the query need ",
          spec->shots() + 1,
          " images per sample, but model.fusion.self_attention.max_images_per_sample is ",
          exp.model().fusion().self_attention().max_images_per_sample(),
          "; raise it (it adds no parameters) or lower shots"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<EvaluatorResult>> EvaluateModel(const Experiment& exp, VlmModel& model,
                                                           const PluginRegistries& registries,
                                                           store::Store& db,
                                                           const EvaluationOptions& options) {
  VLMLAB_RETURN_IF_ERROR(CheckEvaluators(exp, options.evaluators, registries));
  VLMLAB_ASSIGN_OR_RETURN(std::vector<const EvaluatorSpec*> selected,
                          Select(exp, options.evaluators));
  model.SetTraining(false);
  std::vector<EvaluatorResult> results;
  for (const EvaluatorSpec* spec_ptr : selected) {
    const EvaluatorSpec& spec = *spec_ptr;
    const std::string where = absl::StrCat("evaluators[", spec.name(), "]");
    EvaluatorResult result;
    result.name = spec.name();
    absl::StatusOr<ResolvedSlot> slot = ResolveSlot(spec, registries);
    VLMLAB_RETURN_IF_ERROR(Prefixed(slot.status(), where));
    result.plugin = slot->name;
    absl::StatusOr<std::unique_ptr<Evaluator>> evaluator =
        CreateFromSlot<Evaluator>(spec, registries, BuildContext{exp.seed(), &registries});
    VLMLAB_RETURN_IF_ERROR(Prefixed(evaluator.status(), where));
    DatasetOpenOptions open;
    open.seed = exp.seed();
    open.shuffle = false;
    absl::StatusOr<std::unique_ptr<data::Mixture>> samples =
        OpenMixture(exp, spec.data(), registries, open, /*cycle=*/false);
    VLMLAB_RETURN_IF_ERROR(Prefixed(samples.status(), absl::StrCat(where, ".data")));
    std::unique_ptr<data::Mixture> baseline;
    if (!spec.baseline_data().empty()) {
      absl::StatusOr<std::unique_ptr<data::Mixture>> b =
          OpenMixture(exp, spec.baseline_data(), registries, open, /*cycle=*/false);
      VLMLAB_RETURN_IF_ERROR(Prefixed(b.status(), absl::StrCat(where, ".baseline_data")));
      baseline = std::move(*b);
    }
    std::unique_ptr<data::Mixture> shots;
    if (spec.shots() > 0) {
      // A seeded shuffle: the pool is a random subset of the mixture.
      DatasetOpenOptions shuffled;
      shuffled.seed = exp.seed() * 7919 + 17;
      shuffled.shuffle = true;
      absl::StatusOr<std::unique_ptr<data::Mixture>> s =
          OpenMixture(exp, spec.shots_data(), registries, shuffled, /*cycle=*/false);
      VLMLAB_RETURN_IF_ERROR(Prefixed(s.status(), absl::StrCat(where, ".shots_data")));
      shots = std::move(*s);
    }
    EvalInputs in;
    in.spec = &spec;
    in.samples = samples->get();
    in.baseline_samples = baseline.get();
    in.shot_samples = shots.get();
    in.seed = exp.seed();
    LOG(INFO) << "evaluating " << spec.name();
    // A bar per pass of model work (an evaluator may make several: demonstrations, then the
    // questions), from the batches eval::GenerateReplies and ScoreReplies report.
    std::unique_ptr<CountProgress> bar;
    int64_t bar_total = -1, bar_done = 0;
    absl::StatusOr<EvalOutput> out;
    {
      eval::ProgressScope scope([&](int64_t done, int64_t total) {
        if (bar == nullptr || total != bar_total || done < bar_done) {
          if (bar != nullptr) bar->Finish();
          bar = std::make_unique<CountProgress>(absl::StrCat("eval ", spec.name()), total,
                                                "examples", options.interactive);
          bar_total = total;
        }
        bar_done = done;
        bar->Update(done);
      });
      out = (*evaluator)->Evaluate(model, in);
    }
    if (bar != nullptr) bar->Finish();
    VLMLAB_RETURN_IF_ERROR(Prefixed(out.status(), where));
    result.metrics = out->metrics;
    result.examples = static_cast<int64_t>(out->predictions_json.size());
    result.prompt_template = out->prompt_template;
    result.prompt_template_sha256 = PromptTemplateHash(out->prompt_template);
    VLMLAB_RETURN_IF_ERROR(Record(spec, *out, db, options, result));
    results.push_back(std::move(result));
  }
  if (!results.empty()) VLMLAB_RETURN_IF_ERROR(RecordPromptHashes(db, options.run_id, results));
  if (!options.metrics_path.empty()) {
    VLMLAB_RETURN_IF_ERROR(WriteMetricsJson(options.metrics_path, results));
  }
  return results;
}

}  // namespace vlmlab::runner
