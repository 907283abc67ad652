#include "platform/data/synth/generator.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/base/status_macros.h"
#include "platform/data/synth/captions.h"
#include "platform/data/synth/questions.h"
#include "platform/data/synth/synth_random.h"
#include "platform/data/synth/world_image.h"

namespace vlmlab {
namespace {

// Stream numbers under a sample's seed.
enum Stream : uint64_t { kTaskStream = 1, kKindStream, kTextStream, kAnswerStream, kImageStream };

// Picks a kind with the given percentages for scene and document (chart gets the rest).
WorldKind PickKind(SynthRng* rng, int scene_pct, int document_pct) {
  const int u = rng->Uniform(100);
  if (u < scene_pct) return WorldKind::kScene;
  if (u < scene_pct + document_pct) return WorldKind::kDocument;
  return WorldKind::kChart;
}

WorldKind KindForTask(SynthTask task, bool scenes_only, SynthRng* rng) {
  if (scenes_only && task != SynthTask::kOcr) return WorldKind::kScene;
  switch (task) {
    case SynthTask::kVqa:
    case SynthTask::kPreference:
      return WorldKind::kScene;
    case SynthTask::kOcr:
      return rng->Bernoulli(0.6) ? WorldKind::kDocument : WorldKind::kChart;
    case SynthTask::kConversation:
      return PickKind(rng, 70, 15);
    case SynthTask::kInterleaved:
      return PickKind(rng, 80, 0);
    default:
      return PickKind(rng, 60, 20);
  }
}

std::string Placeholder() { return kImagePlaceholder; }

void SetVqa(const SynthQuestion& q, int64_t question_id, SynthRng* answer_rng, Sample* s) {
  VqaAnnotation vqa;
  vqa.question_id = question_id;
  vqa.question = q.question;
  vqa.answers = AnnotatorAnswers(q, answer_rng);
  vqa.answer_type = q.answer_type;
  vqa.question_type = q.question_type;
  s->vqa = std::move(vqa);
  s->turns = {{Turn::kUser, Placeholder() + q.question}, {Turn::kAssistant, q.answer}};
}

int QuestionIndex(const std::vector<SynthQuestion>& questions, const SynthQuestion& q) {
  return static_cast<int>(&q - questions.data());
}

}  // namespace

int64_t SynthImageId(const SynthConfig& config, int64_t index) {
  return index + int64_t{100000000} * static_cast<int>(config.split);
}

std::string SynthSampleKey(const SynthConfig& config, int64_t index) {
  char digits[32];
  std::snprintf(digits, sizeof(digits), "%09lld", static_cast<long long>(index));
  return absl::StrCat(SynthSplitName(config.split), "/", digits);
}

SynthTask TaskForIndex(const SynthConfig& config, int64_t index) {
  const uint64_t seed = DeriveSeed({config.world_seed, static_cast<uint64_t>(config.split),
                                    static_cast<uint64_t>(index), kTaskStream});
  SynthRng rng(seed);
  if (config.task_weights.empty()) return rng.Pick(config.tasks);
  double total = 0;
  for (double w : config.task_weights) total += w;
  double u = rng.Float() * total;
  for (size_t i = 0; i < config.tasks.size(); ++i) {
    u -= config.task_weights[i];
    if (u < 0) return config.tasks[i];
  }
  return config.tasks.back();
}

absl::StatusOr<Sample> GenerateSample(const SynthConfig& config, int64_t index) {
  VLMLAB_RETURN_IF_ERROR(ValidateSynthConfig(config));
  if (index < 0 || index >= config.num_images) {
    return absl::OutOfRangeError(absl::StrCat("synthetic ", SynthSplitName(config.split),
                                              " sample index ", index, " is outside [0, ",
                                              config.num_images, ") (num_images)"));
  }
  const uint64_t base = DeriveSeed(
      {config.world_seed, static_cast<uint64_t>(config.split), static_cast<uint64_t>(index)});
  const SynthTask task = TaskForIndex(config, index);
  SynthRng kind_rng(DeriveSeed({base, kKindStream}));
  SynthRng text_rng(DeriveSeed({base, kTextStream}));
  SynthRng answer_rng(DeriveSeed({base, kAnswerStream}));

  Sample s;
  s.key = SynthSampleKey(config, index);
  s.source = absl::StrCat("synthetic world seed ", config.world_seed);
  s.image_id = SynthImageId(config, index);
  s.task = std::string(SynthTaskName(task));
  s.meta["split"] = std::string(SynthSplitName(config.split));

  const int num_images = task == SynthTask::kInterleaved ? kind_rng.Range(2, 3) : 1;
  std::vector<WorldImage> worlds;
  nlohmann::json world_json = nlohmann::json::array();
  std::vector<std::string> kinds;
  for (int slot = 0; slot < num_images; ++slot) {
    const WorldKind kind = KindForTask(task, config.scenes_only, &kind_rng);
    VLMLAB_ASSIGN_OR_RETURN(
        WorldImage world,
        DrawWorldImage(config, kind,
                       DeriveSeed({base, kImageStream, static_cast<uint64_t>(slot)})));
    world_json.push_back(WorldImageJson(world));
    kinds.push_back(std::string(WorldKindName(kind)));
    s.images.push_back(std::move(world.image));
    world.image = Image();
    worlds.push_back(std::move(world));
  }
  s.meta["kind"] = absl::StrJoin(kinds, ",");
  s.meta["world"] = world_json.dump();
  const WorldImage& world = worlds[0];
  const int64_t first_question_id = s.image_id * 1000;

  switch (task) {
    case SynthTask::kCaption: {
      std::string caption = DenseCaption(world);
      s.turns = {{Turn::kUser, Placeholder()}, {Turn::kAssistant, caption}};
      s.captions = {caption};
      break;
    }
    case SynthTask::kAltText: {
      std::string caption = AltText(world, &text_rng);
      s.turns = {{Turn::kUser, Placeholder()}, {Turn::kAssistant, caption}};
      s.captions = {caption};
      break;
    }
    case SynthTask::kVqa:
    case SynthTask::kOcr: {
      const std::vector<SynthQuestion> questions = ImageQuestions(world, &text_rng);
      const SynthQuestion& q = PickQuestion(questions, &text_rng);
      SetVqa(q, first_question_id + QuestionIndex(questions, q), &answer_rng, &s);
      break;
    }
    case SynthTask::kMcq: {
      const std::vector<SynthQuestion> questions = ImageQuestions(world, &text_rng);
      const SynthQuestion& q = PickQuestion(questions, &text_rng);
      ChoiceAnnotation choice;
      choice.question = q.question;
      choice.options = {q.answer};
      for (const std::string& d : q.distractors) {
        if (choice.options.size() < 4) choice.options.push_back(d);
      }
      text_rng.Shuffle(&choice.options);
      choice.correct =
          static_cast<int>(std::find(choice.options.begin(), choice.options.end(), q.answer) -
                           choice.options.begin());
      std::string prompt = Placeholder() + q.question;
      for (size_t i = 0; i < choice.options.size(); ++i) {
        absl::StrAppend(&prompt, "\n", std::string(1, static_cast<char>('A' + i)), ". ",
                        choice.options[i]);
      }
      absl::StrAppend(&prompt, "\n", kChoiceInstruction);
      s.turns = {{Turn::kUser, prompt},
                 {Turn::kAssistant, std::string(1, static_cast<char>('A' + choice.correct))}};
      s.meta["question_type"] = q.question_type;
      s.choice = std::move(choice);
      break;
    }
    case SynthTask::kConversation: {
      std::vector<SynthQuestion> questions = ImageQuestions(world, &text_rng);
      text_rng.Shuffle(&questions);
      const bool describe_first = text_rng.Bernoulli(0.5);
      const int rounds =
          std::min<int>(text_rng.Range(2, 4), questions.size() + (describe_first ? 1 : 0));
      for (int r = 0, q = 0; r < rounds; ++r) {
        std::string user = r == 0 ? Placeholder() : "";
        std::string reply;
        if (describe_first && r == 0) {
          absl::StrAppend(&user, "Describe the image.");
          reply = DenseCaption(world);
        } else {
          absl::StrAppend(&user, questions[q].question);
          reply = questions[q++].answer;
        }
        s.turns.push_back({Turn::kUser, user});
        s.turns.push_back({Turn::kAssistant, reply});
      }
      break;
    }
    case SynthTask::kPreference: {
      PreferenceAnnotation pref;
      if (text_rng.Bernoulli(0.5)) {
        pref.prompt = Placeholder() + "Describe the image.";
        pref.chosen = DenseCaption(world);
        pref.rejected = HallucinatedCaption(world, &text_rng);
      } else {
        const std::vector<SynthQuestion> questions = ImageQuestions(world, &text_rng);
        const SynthQuestion& q = PickQuestion(questions, &text_rng);
        pref.prompt = Placeholder() + q.question;
        pref.chosen = q.answer;
        pref.rejected = text_rng.Pick(q.distractors);
      }
      s.turns = {{Turn::kUser, pref.prompt}, {Turn::kAssistant, pref.chosen}};
      s.preference = std::move(pref);
      break;
    }
    case SynthTask::kInterleaved: {
      for (size_t i = 0; i < worlds.size(); ++i) {
        std::string text = absl::StrCat("Picture ", i + 1, ": ", DenseCaption(worlds[i]));
        if (i > 0 && worlds[i].kind == WorldKind::kScene &&
            worlds[i - 1].kind == WorldKind::kScene) {
          const int diff = static_cast<int>(worlds[i].scene.objects.size()) -
                           static_cast<int>(worlds[i - 1].scene.objects.size());
          if (diff == 0) {
            absl::StrAppend(&text, " It has as many shapes as picture ", i, ".");
          } else {
            absl::StrAppend(&text, " It has ", std::abs(diff), diff > 0 ? " more" : " fewer",
                            std::abs(diff) == 1 ? " shape" : " shapes", " than picture ", i, ".");
          }
        }
        s.turns.push_back({Turn::kUser, Placeholder()});
        s.turns.push_back({Turn::kAssistant, text});
      }
      break;
    }
  }
  return s;
}

}  // namespace vlmlab
