// `zero_shot`: the text tower's embedding space asked directly, with no generation
// (ZeroShotOptions in platform/spec/evaluators.proto). Attribute classification reads what
// each synthetic image shows from Sample::meta["world"] (the scene description the synthetic
// world writes); retrieval needs captions (Sample::captions, else the last assistant turn).
//
// Metrics, each with its bootstrap interval over the examples behind it:
//   shape, color, size   accuracy on scenes with one object (n = those scenes)
//   count                accuracy on every scene, classes 1 .. the largest count present
//                        (not asked when every scene has one object)
//   chance/<attribute>   1 / the number of classes (n = classes), the level to beat
//   overall              the mean over every attribute decision
//   i2t_r1, i2t_r5, t2i_r1, t2i_r5   retrieval among the evaluated pairs (n = pairs); the
//                        gallery is the evaluated samples, so R@K falls as max_examples grows
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"
#include "platform/autograd/grad_mode.h"
#include "platform/base/status_macros.h"
#include "platform/data/image_preprocess.h"
#include "platform/data/synth/vocabulary.h"
#include "platform/eval/eval_batches.h"
#include "platform/ops/shape_ops.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/evaluators.pb.h"
#include "plugins/evaluators/evaluator_support.h"
#include "plugins/evaluators/zero_shot_scoring.h"

namespace vlmlab {
namespace {

using nlohmann::json;

// One evaluated image and what the world says it shows.
struct Item {
  const Sample* sample = nullptr;
  std::map<std::string, std::string> truth;  // attribute -> class name
  std::string caption;                       // "" when the sample has none
};

std::string CaptionOf(const Sample& s) {
  if (!s.captions.empty()) return s.captions.front();
  return OwnAnswer(s);
}

// The attributes of a one-image synthetic scene; empty when the sample is not one.
std::map<std::string, std::string> SceneTruth(const Sample& s) {
  std::map<std::string, std::string> out;
  auto it = s.meta.find("world");
  if (it == s.meta.end() || s.images.size() != 1) return out;
  json world = json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (!world.is_array() || world.size() != 1 || !world[0].is_object() ||
      world[0].value("kind", "") != "scene" || !world[0].contains("objects") ||
      !world[0]["objects"].is_array()) {
    return out;
  }
  const json& objects = world[0]["objects"];
  if (objects.empty()) return out;
  out["count"] = std::to_string(objects.size());
  if (objects.size() == 1 && objects[0].is_object()) {
    out["shape"] = objects[0].value("shape", "");
    out["color"] = objects[0].value("color", "");
    out["size"] = objects[0].value("size", "");
  }
  return out;
}

class ZeroShotEvaluator : public Evaluator {
 public:
  EvaluatorSettingsUsed SettingsUsed() const override {
    return {.generation = false, .shots = false, .baseline_data = false};
  }
  explicit ZeroShotEvaluator(const ZeroShotOptions& o) : options_(o) {}

  absl::StatusOr<EvalOutput> Evaluate(VlmModel& model, const EvalInputs& in) override {
    const EvaluatorSpec& spec = *in.spec;
    VLMLAB_RETURN_IF_ERROR(model.text_tower().status());  // before reading any data
    VLMLAB_ASSIGN_OR_RETURN(std::vector<Sample> samples,
                            eval::CollectSamples(*in.samples, spec.max_examples()));
    std::vector<Item> items;
    for (const Sample& s : samples) {
      Item item{&s, SceneTruth(s), CaptionOf(s)};
      if (s.images.size() != 1) continue;
      if (item.truth.empty() && (item.caption.empty() || !options_.retrieval())) continue;
      items.push_back(std::move(item));
    }
    if (items.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "zero_shot: data '", spec.data(),
          "' holds no one-image synthetic scene", options_.retrieval() ? " or captioned image" : "",
          " among ", samples.size(), " samples; use the synthetic world's CAPTION or ALT_TEXT "
          "tasks"));
    }
    NoGradScope no_grad;
    const bool was_training = model.is_training();
    model.SetTraining(false);
    absl::StatusOr<EvalOutput> out = Score(model, spec, items, in.seed);
    model.SetTraining(was_training);
    return out;
  }

 private:
  // [N, E] unit rows of the items' images, in batches of the spec's batch_size.
  absl::StatusOr<std::vector<float>> ImageEmbeddings(VlmModel& model, const std::vector<Item>& items,
                                                     int batch_size) {
    VLMLAB_ASSIGN_OR_RETURN(data::ImagePreprocessOptions o, eval::ImageOptionsForModel(model));
    std::vector<float> out;
    std::vector<Tensor> pending;
    auto flush = [&]() -> absl::Status {
      if (pending.empty()) return absl::OkStatus();
      VLMLAB_ASSIGN_OR_RETURN(Tensor images, ops::Concat(pending, 0));
      VLMLAB_ASSIGN_OR_RETURN(Tensor e, model.ImageEmbeddings(images));
      std::vector<float> v = e.ToVector();
      out.insert(out.end(), v.begin(), v.end());
      pending.clear();
      return absl::OkStatus();
    };
    for (const Item& item : items) {
      VLMLAB_ASSIGN_OR_RETURN(data::PreprocessedImage p,
                              data::PreprocessImage(item.sample->images[0], o));
      if (p.pixels.size(0) != 1) {
        return absl::FailedPreconditionError(
            "zero_shot embeds whole images; the evaluated stage splits images into tiles "
            "(image_splitting): evaluate a model whose last stage does not split");
      }
      if (!pending.empty() && (pending.back().shape() != p.pixels.shape() ||
                               static_cast<int>(pending.size()) >= batch_size)) {
        VLMLAB_RETURN_IF_ERROR(flush());
      }
      pending.push_back(p.pixels);
    }
    VLMLAB_RETURN_IF_ERROR(flush());
    return out;
  }

  absl::StatusOr<std::vector<float>> TextEmbeddings(VlmModel& model,
                                                    const std::vector<std::string>& texts,
                                                    int batch_size) {
    VLMLAB_ASSIGN_OR_RETURN(TextTower * tower, model.text_tower());
    VLMLAB_ASSIGN_OR_RETURN(Llm * llm, model.llm());
    std::vector<float> out;
    for (size_t b = 0; b < texts.size(); b += batch_size) {
      std::vector<std::string> chunk(texts.begin() + b,
                                     texts.begin() + std::min(texts.size(), b + batch_size));
      VLMLAB_ASSIGN_OR_RETURN(TextIds ids,
                              CaptionIds(model.tokenizer(), chunk, tower->max_text_len(*llm)));
      VLMLAB_ASSIGN_OR_RETURN(Tensor e, model.TextEmbeddings(ids.ids, ids.mask));
      std::vector<float> v = e.ToVector();
      out.insert(out.end(), v.begin(), v.end());
    }
    return out;
  }

  absl::StatusOr<EvalOutput> Score(VlmModel& model, const EvaluatorSpec& spec,
                                   const std::vector<Item>& items, uint64_t seed) {
    VLMLAB_ASSIGN_OR_RETURN(TextTower * tower, model.text_tower());
    const int64_t dim = tower->embed_dim();
    VLMLAB_ASSIGN_OR_RETURN(std::vector<float> images,
                            ImageEmbeddings(model, items, spec.batch_size()));
    // The classes of each attribute and their prompts.
    int max_count = 0;
    for (const Item& item : items) {
      auto c = item.truth.find("count");
      if (c != item.truth.end()) max_count = std::max(max_count, std::stoi(c->second));
    }
    struct Attribute {
      std::string name;
      std::vector<std::string> classes;
      std::vector<std::vector<std::string>> prompts;  // per class: its ensemble
    };
    std::vector<Attribute> attributes(4);
    attributes[0].name = "shape";
    for (int k = 0; k < kNumShapes; ++k) {
      attributes[0].classes.push_back(std::string(ShapeName(static_cast<ShapeKind>(k))));
    }
    attributes[1].name = "color";
    for (const NamedColor& c : kColors) attributes[1].classes.push_back(std::string(c.name));
    attributes[2].name = "size";
    attributes[2].classes = {"large", "small"};
    attributes[3].name = "count";
    for (int k = 1; k <= max_count; ++k) attributes[3].classes.push_back(std::to_string(k));
    const std::string templates[4] = {options_.shape_prompt(), options_.color_prompt(),
                                      options_.size_prompt(), options_.count_prompt()};
    // A class's prompts: its own placeholder filled with the class, every other attribute's
    // placeholder in the template filled with each of that attribute's values (prompt
    // ensembling); {shapes} agrees with the count in the prompt ("shapes" without one).
    for (int a = 0; a < 4; ++a) {
      for (const std::string& c : attributes[a].classes) {
        std::vector<std::pair<std::string, std::string>> partial = {
            {absl::StrReplaceAll(templates[a], {{absl::StrCat("{", attributes[a].name, "}"), c}}),
             attributes[a].name == "count" ? c : ""}};
        for (int b = 0; b < 4; ++b) {
          const std::string placeholder = absl::StrCat("{", attributes[b].name, "}");
          if (b == a || !absl::StrContains(templates[a], placeholder)) continue;
          std::vector<std::pair<std::string, std::string>> next;
          for (const auto& [text, count] : partial) {
            for (const std::string& v : attributes[b].classes) {
              next.push_back({absl::StrReplaceAll(text, {{placeholder, v}}),
                              attributes[b].name == "count" ? v : count});
            }
          }
          partial = std::move(next);
        }
        std::vector<std::string> ensemble;
        for (const auto& [text, count] : partial) {
          ensemble.push_back(absl::StrReplaceAll(text, {{"{shapes}", count == "1" ? "shape" : "shapes"}}));
        }
        attributes[a].prompts.push_back(std::move(ensemble));
      }
    }

    EvalOutput out;
    metrics::BootstrapOptions b = BootstrapFor(spec, seed);
    std::vector<json> records(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      records[i] = ExampleRecord(*items[i].sample, "", "", 0);
    }
    std::vector<double> all;
    std::vector<std::vector<double>> per_item(items.size());
    for (const Attribute& attr : attributes) {
      if (attr.classes.size() < 2) continue;  // one count class: nothing to decide
      std::vector<size_t> asked;
      std::vector<float> asked_images;
      for (size_t i = 0; i < items.size(); ++i) {
        if (!items[i].truth.count(attr.name)) continue;
        asked.push_back(i);
        asked_images.insert(asked_images.end(), images.begin() + i * dim,
                            images.begin() + (i + 1) * dim);
      }
      if (asked.empty()) continue;
      // Each class: the normalised mean of its prompts' embeddings.
      std::vector<std::string> flat;
      for (const std::vector<std::string>& e : attr.prompts) flat.insert(flat.end(), e.begin(), e.end());
      VLMLAB_ASSIGN_OR_RETURN(std::vector<float> prompt_embeddings,
                              TextEmbeddings(model, flat, spec.batch_size()));
      std::vector<float> classes(attr.classes.size() * dim, 0.0f);
      size_t row = 0;
      for (size_t c = 0; c < attr.prompts.size(); ++c) {
        float* cls = &classes[c * dim];
        for (size_t k = 0; k < attr.prompts[c].size(); ++k, ++row) {
          for (int64_t d = 0; d < dim; ++d) cls[d] += prompt_embeddings[row * dim + d];
        }
        double norm = 0;
        for (int64_t d = 0; d < dim; ++d) norm += static_cast<double>(cls[d]) * cls[d];
        const float inv = norm > 0 ? static_cast<float>(1 / std::sqrt(norm)) : 0.0f;
        for (int64_t d = 0; d < dim; ++d) cls[d] *= inv;
      }
      std::vector<int> predicted = NearestClass(asked_images, classes, dim);
      std::vector<double> scores;
      for (size_t j = 0; j < asked.size(); ++j) {
        const std::string& guess = attr.classes[predicted[j]];
        const double score = guess == items[asked[j]].truth.at(attr.name) ? 1.0 : 0.0;
        scores.push_back(score);
        per_item[asked[j]].push_back(score);
        records[asked[j]][attr.name] = {{"truth", items[asked[j]].truth.at(attr.name)},
                                        {"predicted", guess},
                                        {"prompt", attr.prompts[predicted[j]].front()},
                                        {"prompts", attr.prompts[predicted[j]].size()}};
      }
      all.insert(all.end(), scores.begin(), scores.end());
      out.metrics[attr.name] = MeanWithCi(scores, b);
      const double chance = 1.0 / attr.classes.size();
      out.metrics[absl::StrCat("chance/", attr.name)] =
          MetricValue{chance, chance, chance, static_cast<int64_t>(attr.classes.size())};
    }
    if (!all.empty()) out.metrics["overall"] = MeanWithCi(all, b);

    if (options_.retrieval()) {
      std::vector<size_t> pairs;
      std::vector<std::string> captions;
      std::vector<float> pair_images;
      for (size_t i = 0; i < items.size(); ++i) {
        if (items[i].caption.empty()) continue;
        pairs.push_back(i);
        captions.push_back(items[i].caption);
        pair_images.insert(pair_images.end(), images.begin() + i * dim,
                           images.begin() + (i + 1) * dim);
      }
      if (pairs.size() >= 2) {
        VLMLAB_ASSIGN_OR_RETURN(std::vector<float> texts,
                                TextEmbeddings(model, captions, spec.batch_size()));
        RetrievalRanks ranks = PairRanks(pair_images, texts, dim);
        auto recall = [&](const std::vector<int64_t>& r, int k) {
          std::vector<double> hits;
          for (int64_t x : r) hits.push_back(x < k ? 1.0 : 0.0);
          return MeanWithCi(hits, b);
        };
        out.metrics["i2t_r1"] = recall(ranks.image_to_text, 1);
        out.metrics["i2t_r5"] = recall(ranks.image_to_text, 5);
        out.metrics["t2i_r1"] = recall(ranks.text_to_image, 1);
        out.metrics["t2i_r5"] = recall(ranks.text_to_image, 5);
        for (size_t j = 0; j < pairs.size(); ++j) {
          records[pairs[j]]["caption"] = captions[j];
          records[pairs[j]]["image_to_text_rank"] = ranks.image_to_text[j];
          records[pairs[j]]["text_to_image_rank"] = ranks.text_to_image[j];
        }
      }
    }
    if (out.metrics.empty()) {
      return absl::FailedPreconditionError(
          "zero_shot: nothing to score (no scene attributes, and fewer than two captioned "
          "images for retrieval)");
    }
    for (size_t i = 0; i < items.size(); ++i) {
      double mean = 0;
      for (double s : per_item[i]) mean += s / per_item[i].size();
      records[i]["score"] = mean;
      out.scores.push_back(mean);
      out.predictions_json.push_back(records[i].dump());
    }
    return out;
  }

  ZeroShotOptions options_;
};

VLMLAB_REGISTER_PLUGIN(
    Evaluator, ZeroShotOptions, "zero_shot",
    "Zero-shot attribute classification and image-text retrieval with the text tower",
    [](const ZeroShotOptions& o, const BuildContext&) -> absl::StatusOr<std::unique_ptr<Evaluator>> {
      return std::make_unique<ZeroShotEvaluator>(o);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
