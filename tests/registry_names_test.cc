// Every built-in plugin registers itself; a library dropped by the linker (a missing
// alwayslink) shows up here as a missing name.
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/empty.pb.h"
#include "gtest/gtest.h"
#include "platform/metrics/score_files.h"
#include "platform/registry/global_registries.h"

namespace vlmlab {
namespace {

TEST(BuiltinRegistry, RegistersExactlyTheBuiltinPlugins) {
  const std::map<PluginKind, std::vector<std::string>> expected = {
      {PluginKind::kEncoder, {"conv", "multi", "vit"}},
      {PluginKind::kProjector,
       {"avg_pool", "linear", "mlp", "perceiver", "pixel_shuffle", "qformer"}},
      {PluginKind::kFusion, {"cross_attention", "self_attention"}},
      {PluginKind::kLlm, {"gpt2", "llama"}},
      {PluginKind::kStage, {"contrastive", "dpo", "mim", "pretrain", "sft"}},
      {PluginKind::kEvaluator,
       {"anls", "caption", "exact_match", "llm_judge", "mcq", "pope", "preference", "vqa_accuracy",
        "zero_shot"}},
      {PluginKind::kDataset,
       {"coco_captions", "docvqa", "image_folder", "synthetic", "textvqa", "vqav2", "webdataset"}},
      {PluginKind::kTokenizer, {"bpe", "byte"}},
  };
  for (PluginKind kind : kAllPluginKinds) {
    EXPECT_THAT(GlobalRegistries().ForKind(kind).Names(),
                ::testing::ElementsAreArray(expected.at(kind)))
        << PluginKindName(kind);
  }
}

TEST(BuiltinRegistry, EveryEntryHasADescriptionAndItsOptionsType) {
  for (PluginKind kind : kAllPluginKinds) {
    for (const PluginEntryBase* e : GlobalRegistries().ForKind(kind).Entries()) {
      EXPECT_FALSE(e->description.empty()) << e->name;
      EXPECT_EQ(e->origin, "built-in") << e->name;
      ASSERT_NE(e->options_prototype, nullptr) << e->name;
    }
  }
}

TEST(Registry, RefusesDuplicateNamesAndNamesTheirOrigins) {
  PluginRegistries registries;
  auto create = [](const google::protobuf::Empty&,
                   const BuildContext&) -> absl::StatusOr<std::unique_ptr<Stage>> {
    return nullptr;
  };
  ASSERT_TRUE((AddPlugin<Stage, google::protobuf::Empty>(registries, "s", "d", create)).ok());
  registries.set_origin("libother.so");
  absl::Status dup = AddPlugin<Stage, google::protobuf::Empty>(registries, "s", "d", create);
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(dup.message(), ::testing::HasSubstr("libother.so")) << dup;
  EXPECT_THAT(dup.message(), ::testing::HasSubstr("built-in")) << dup;
  EXPECT_FALSE((AddPlugin<Stage, google::protobuf::Empty>(registries, "", "d", create)).ok());
}

// `vlmlab score` scores the official result files of these evaluators offline; each must be an
// evaluator of the registry under the same name (a renamed plugin would otherwise leave a
// scorer under a name no run writes).
TEST(BuiltinRegistry, EveryOfflineScorerIsARegisteredEvaluator) {
  const std::vector<std::string> evaluators =
      GlobalRegistries().ForKind(PluginKind::kEvaluator).Names();
  for (const std::string& name : metrics::EvaluatorNames()) {
    EXPECT_THAT(evaluators, ::testing::Contains(name)) << "vlmlab score --evaluator=" << name;
  }
}

}  // namespace
}  // namespace vlmlab
