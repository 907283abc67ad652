// k-shot in-context evaluation: before each query the model is shown k solved examples
// (image, question, answer) as earlier turns of the same conversation, formatted with the
// evaluator's own prompt template, through the chat template like a training conversation.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::vector<Sample> pool, CollectSamples(*inputs.shot_samples, 256));
//   VLMLAB_ASSIGN_OR_RETURN(FewShotSet set, WithDemonstrations(queries, pool, 2, seed,
//       [&](const Sample& s) -> std::optional<Demonstration> {
//         if (!s.vqa) return std::nullopt;
//         return Demonstration{FormatPrompt(tmpl, s.vqa->question, s.images.size()),
//                              s.vqa->answers[0]};
//       }));
//   GenerateReplies(model, set.samples, prompts, generation, 32, seed, set.contexts);
//
// Choice: the demonstrations of a query depend only on (seed, the query's key, the pool): a
// counter-based stream (platform/tensor/counter_random.h) keyed by the seed and a 64-bit
// FNV-1a hash of the query's key draws k distinct
// pool entries (a partial Fisher-Yates shuffle), skipping every entry whose key equals the
// query's (so a pool drawn from the evaluation data itself never shows the query its own
// answer) and entries the formatter rejects. The same query gets the same demonstrations
// whatever the evaluation order or max_examples.
#ifndef VLMLAB_PLATFORM_EVAL_FEW_SHOT_H_
#define VLMLAB_PLATFORM_EVAL_FEW_SHOT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/data/sample.h"
#include "platform/eval/eval_batches.h"

namespace vlmlab::eval {

// One solved example as shown to the model: the user turn (one "<image>" per image of the
// sample, as the evaluator formats its queries) and the assistant's answer.
struct Demonstration {
  std::string prompt;
  std::string answer;
};

// Formats a pool sample as a demonstration; nullopt when it cannot be one (no answer).
using DemonstrationFormatter = std::function<std::optional<Demonstration>(const Sample&)>;

struct FewShotSet {
  // Each query with the demonstrations' images first, then its own.
  std::vector<Sample> samples;
  // Per query: (user, assistant) per demonstration, for GenerateReplies / ScoreReplies.
  Contexts contexts;
  // Per query: the demonstrations' keys, in the order shown.
  std::vector<std::vector<std::string>> shot_keys;
};

// Indices into `pool_keys` of `shots` distinct demonstrations for the query `query_key`,
// never one whose key equals it, restricted to `eligible[i]` entries (empty = all).
// FailedPrecondition when fewer than `shots` entries qualify.
absl::StatusOr<std::vector<size_t>> PickDemonstrations(const std::vector<std::string>& pool_keys,
                                                       const std::vector<bool>& eligible,
                                                       absl::string_view query_key, int shots,
                                                       uint64_t seed);

// Every query with `shots` demonstrations from `pool`. `shots` 0 returns the queries with
// empty contexts.
absl::StatusOr<FewShotSet> WithDemonstrations(const std::vector<Sample>& queries,
                                              const std::vector<Sample>& pool, int shots,
                                              uint64_t seed,
                                              const DemonstrationFormatter& format);

}  // namespace vlmlab::eval

#endif  // VLMLAB_PLATFORM_EVAL_FEW_SHOT_H_
