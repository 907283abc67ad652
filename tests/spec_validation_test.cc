// Loading and validation of experiment files: every class of bad input gives an error that
// names the file, line, column and field path, and says what would fix it.
#include <filesystem>
#include <string>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/spec_loader.h"
#include "platform/spec/spec_validator.h"
#include "tests/test_files.h"

namespace vlmlab {
namespace {

// Loads then validates; returns the error message, or "" when the file is valid.
std::string Check(const std::string& path, const std::vector<std::string>& overrides = {}) {
  absl::StatusOr<LoadedExperiment> loaded = LoadExperimentFile(path, overrides);
  if (!loaded.ok()) return std::string(loaded.status().message());
  absl::Status valid = ValidateExperiment(*loaded, GlobalRegistries());
  return std::string(valid.message());
}

std::string Variant(const std::string& from, const std::string& to) {
  std::string text = absl::StrReplaceAll(kValidExperiment, {{from, to}});
  EXPECT_NE(text, kValidExperiment) << "fixture does not contain: " << from;
  return text;
}

class SpecValidationTest : public ::testing::Test {
 protected:
  TestFiles files_{::testing::UnitTest::GetInstance()->current_test_info()->name()};
};

TEST_F(SpecValidationTest, ValidFilePasses) {
  EXPECT_EQ(Check(files_.Write("a.textproto", kValidExperiment)), "");
}

TEST_F(SpecValidationTest, MalformedTextNamesLineAndColumn) {
  std::string path = files_.Write("a.textproto", Variant("width: 64 depth", "width: 64 } depth"));
  std::string err = Check(path);
  EXPECT_CONTAINS(err, path + ":3:");
}

TEST_F(SpecValidationTest, UnknownFieldSuggestsTheClosest) {
  std::string path = files_.Write("a.textproto", Variant("depth: 2", "dpeth: 2"));
  std::string err = Check(path);
  EXPECT_CONTAINS(err, path + ":3:");
  EXPECT_CONTAINS(err, "VitOptions has no field named \"dpeth\" (did you mean 'depth'?)");
}

TEST_F(SpecValidationTest, UnknownBuiltinPluginSuggestsTheClosest) {
  std::string path = files_.Write("a.textproto", Variant("vit {", "vitt {"));
  EXPECT_CONTAINS(Check(path), "EncoderSlot has no field named \"vitt\" (did you mean 'vit'?)");
}

TEST_F(SpecValidationTest, UnknownExternalPluginListsTheRegisteredOnes) {
  std::string path = files_.Write(
      "a.textproto", Variant("projector { mlp {} }", "projector { external { name: \"mpl\" } }"));
  std::string err = Check(path);
  EXPECT_CONTAINS(err, path + ":4:");
  EXPECT_CONTAINS(err,
                  "model.projector.external.name: unknown projector plugin 'mpl' "
                  "(did you mean 'mlp'?); registered: avg_pool, linear, mlp, perceiver, "
                  "pixel_shuffle");
}

TEST_F(SpecValidationTest, WrongTypeIsAParseError) {
  std::string path = files_.Write("a.textproto", Variant("depth: 2", "depth: \"two\""));
  std::string err = Check(path);
  EXPECT_CONTAINS(err, path + ":3:");
  EXPECT_CONTAINS(err, "integer");
}

TEST_F(SpecValidationTest, ValueOutOfRangeNamesFieldPathAndBound) {
  std::string path = files_.Write("a.textproto", Variant("depth: 2", "depth: 0"));
  std::string err = Check(path);
  EXPECT_CONTAINS(err, path + ":3:");
  EXPECT_CONTAINS(err, "model.encoder.vit.depth: must be at least 1, got 0");
  std::string p2 =
      files_.Write("b.textproto", Variant("steps: 10", "steps: 10 optimizer { lr: 0 }"));
  EXPECT_CONTAINS(Check(p2), "stages[pretrain].optimizer.lr: must be greater than 0, got 0");
}

TEST_F(SpecValidationTest, MissingRequiredParts) {
  std::string no_llm = files_.Write(
      "a.textproto", Variant("  llm { llama { hidden: 64 layers: 2 heads: 4 } }\n", ""));
  EXPECT_CONTAINS(Check(no_llm), "model.llm: required but not set");
  std::string no_steps = files_.Write("b.textproto", Variant("steps: 10 ", ""));
  EXPECT_CONTAINS(Check(no_steps), "stages[pretrain].steps: required but not set");
  std::string no_plugin = files_.Write("c.textproto", Variant("pretrain {} ", ""));
  EXPECT_CONTAINS(
      Check(no_plugin),
      "stages[pretrain]: no stage plugin chosen; add one of: pretrain {}, sft {}, dpo {}");
}

TEST_F(SpecValidationTest, NonexistentFile) {
  std::string err = Check(files_.Path("missing.textproto"));
  EXPECT_CONTAINS(err, "cannot read spec file");
  EXPECT_CONTAINS(err, "missing.textproto");
}

TEST_F(SpecValidationTest, PluginCrossFieldChecksPointAtTheField) {
  std::string path = files_.Write(
      "a.textproto", Variant("heads: 4 } }\n  projector", "heads: 6 } }\n  projector"));
  std::string err = Check(path);
  EXPECT_CONTAINS(err, path + ":3:");
  EXPECT_CONTAINS(err, "model.encoder.vit.heads: 6 heads do not divide width 64");
}

TEST_F(SpecValidationTest, AStackedConvStemNeedsAPowerOfTwoStride) {
  const std::string conv =
      "encoder { conv { image_size: 48 stages: 1 stem_stride: 6 stem: CONV3_STACK } }";
  std::string path = files_.Write(
      "a.textproto",
      Variant("encoder { vit { image_size: 32 patch_size: 8 width: 64 depth: 2 heads: 4 } }",
              conv));
  std::string err = Check(path);
  EXPECT_CONTAINS(err, path + ":3:");
  EXPECT_CONTAINS(err, "model.encoder.conv.stem: CONV3_STACK halves the grid per 3x3 conv");
  EXPECT_CONTAINS(err, "not 6; use stem: PATCHIFY");
  EXPECT_EQ(
      Check(files_.Write(
          "b.textproto",
          Variant("encoder { vit { image_size: 32 patch_size: 8 width: 64 depth: 2 heads: 4 } }",
                  absl::StrReplaceAll(conv, {{"stem_stride: 6", "stem_stride: 8"}})))),
      "");
}

TEST_F(SpecValidationTest, ModelPartsMustFitTogether) {
  std::string path = files_.Write(
      "a.textproto", Variant("projector { mlp {} }", "projector { pixel_shuffle { factor: 3 } }"));
  std::string err = Check(path);
  EXPECT_CONTAINS(err, path + ":4:");
  EXPECT_CONTAINS(err,
                  "model.projector: pixel_shuffle.factor 3 does not divide the 4x4 patch grid");
}

TEST_F(SpecValidationTest, ReferencesBetweenPartsAreChecked) {
  std::string path = files_.Write("a.textproto", Variant("mixture: \"caps\"", "mixture: \"cpas\""));
  EXPECT_CONTAINS(Check(path),
                  "stages[pretrain].mixture: no data mixture named 'cpas' (did you mean 'caps'?)");
}

TEST_F(SpecValidationTest, EvaluatorMixturesMustExist) {
  const std::string ev = "evaluators { name: \"vqa\" vqa_accuracy {} data: \"caps\"";
  std::string good = files_.Write(
      "good.textproto", Variant(ev, ev + " baseline_data: \"caps\" shots: 2 shots_data: \"caps\""));
  EXPECT_EQ(Check(good), "");

  std::string data =
      files_.Write("data.textproto", Variant("data: \"caps\" }", "data: \"cpas\" }"));
  std::string err = Check(data);
  EXPECT_CONTAINS(err, data + ":10:");
  EXPECT_CONTAINS(err,
                  "evaluators[vqa].data: no data mixture named 'cpas' (did you mean 'caps'?)"
                  "; defined: caps");

  std::string baseline =
      files_.Write("baseline.textproto", Variant(ev, ev + " baseline_data: \"train\""));
  err = Check(baseline);
  EXPECT_CONTAINS(err, baseline + ":10:");
  EXPECT_CONTAINS(err,
                  "evaluators[vqa].baseline_data: no data mixture named 'train'; defined: caps");

  std::string shots =
      files_.Write("shots.textproto", Variant(ev, ev + " shots: 2 shots_data: \"caps2\""));
  err = Check(shots);
  EXPECT_CONTAINS(err, shots + ":10:");
  EXPECT_CONTAINS(err,
                  "evaluators[vqa].shots_data: no data mixture named 'caps2' "
                  "(did you mean 'caps'?); defined: caps");
}

TEST_F(SpecValidationTest, ShotsNeedShotsData) {
  const std::string ev = "evaluators { name: \"vqa\" vqa_accuracy {} data: \"caps\"";
  std::string path = files_.Write("a.textproto", Variant(ev, ev + " shots: 4"));
  std::string err = Check(path);
  EXPECT_CONTAINS(err, path + ":10:");
  EXPECT_CONTAINS(err,
                  "evaluators[vqa].shots_data: required when shots > 0 (shots is 4); name a "
                  "data mixture");
  // shots: 0 needs none.
  std::string zero = files_.Write("b.textproto", Variant(ev, ev + " shots: 0"));
  EXPECT_EQ(Check(zero), "");
}

TEST_F(SpecValidationTest, PackingIsAStageOptionButNotForDpo) {
  const std::string stage = "pretrain {} steps: 10";
  std::string packed =
      files_.Write("a.textproto", Variant(stage, "pretrain {} packing: true steps: 10"));
  EXPECT_EQ(Check(packed), "");
  std::string dpo = files_.Write("b.textproto", Variant(stage, "dpo {} packing: true steps: 10"));
  std::string err = Check(dpo);
  EXPECT_CONTAINS(err, dpo + ":9:");
  EXPECT_CONTAINS(err,
                  "stages[pretrain].packing: dpo compares the log-probabilities of whole rows");
}

TEST_F(SpecValidationTest, FieldsWhoseFeatureIsNotBuiltAreRefused) {
  // Each would otherwise be accepted and change nothing (docs/spec.md, "Refused fields").
  // bf16 is accepted by validate (whether this CPU can run it is checked when a run starts:
  // runner_test RunnerTest.Bf16TrainingTracksF32, tests/cli_test.sh).
  EXPECT_EQ(Check(files_.Write("a.textproto",
                               std::string(kValidExperiment) + "runtime { dtype: BF16 }\n")),
            "");
  std::string cuda =
      files_.Write("c.textproto", std::string(kValidExperiment) + "runtime { backend: CUDA }\n");
  EXPECT_CONTAINS(Check(cuda), "runtime.backend: the CUDA backend is not implemented yet");
}

TEST_F(SpecValidationTest, AStageImageSizeMustFitTheModelAtThatSize) {
  const std::string stage = "pretrain {} steps: 10";
  // The encoder takes 32 px with 8 px patches: 64 raises the resolution (64 visual tokens).
  EXPECT_EQ(
      Check(files_.Write("a.textproto", Variant(stage, "pretrain {} image_size: 64 steps: 10"))),
      "");
  std::string odd =
      files_.Write("b.textproto", Variant(stage, "pretrain {} image_size: 36 steps: 10"));
  std::string err = Check(odd);
  EXPECT_CONTAINS(err, odd + ":9:");
  EXPECT_CONTAINS(err,
                  "stages[pretrain].image_size: at image_size 36 (the encoder's is 32), "
                  "model.encoder: vit: image size 36 is not a positive multiple of "
                  "patch_size 8");
  // 512 px: 4096 visual tokens do not fit the LLM's context.
  std::string huge =
      files_.Write("c.textproto", Variant(stage, "pretrain {} image_size: 512 steps: 10"));
  EXPECT_CONTAINS(Check(huge), "at image_size 512 (the encoder's is 32), model.fusion:");
}

TEST_F(SpecValidationTest, ImageSplittingAndItsGridLimit) {
  const std::string stage = "pretrain {} steps: 10";
  EXPECT_EQ(Check(files_.Write("a.textproto", Variant(stage,
                                                      "pretrain {} image_splitting: true "
                                                      "max_tiles_per_side: 2 steps: 10"))),
            "");
  // The limit alone would change nothing.
  std::string alone =
      files_.Write("b.textproto", Variant(stage, "pretrain {} max_tiles_per_side: 2 steps: 10"));
  std::string err = Check(alone);
  EXPECT_CONTAINS(err, alone + ":9:");
  EXPECT_CONTAINS(err,
                  "stages[pretrain].max_tiles_per_side: max_tiles_per_side has no effect "
                  "without image_splitting");
  std::string big = files_.Write(
      "c.textproto",
      Variant(stage, "pretrain {} image_splitting: true max_tiles_per_side: 17 steps: 10"));
  EXPECT_CONTAINS(Check(big), "max_tiles_per_side");
  // A native-resolution encoder takes whole images of any shape: tiles would defeat it.
  std::string native = files_.Write(
      "d.textproto",
      absl::StrReplaceAll(
          Variant(stage, "pretrain {} image_splitting: true steps: 10"),
          {{"depth: 2 heads: 4 } }", "depth: 2 heads: 4 native_resolution: true } }"}}));
  err = Check(native);
  EXPECT_CONTAINS(err, native + ":9:");
  EXPECT_CONTAINS(err,
                  "stages[pretrain].image_splitting: encoder 'vit' takes images at their "
                  "native resolution");
}

TEST_F(SpecValidationTest, AModuleInitNeedsItsFileAndPrefixOnlyWithVlmlabNaming) {
  const std::string weights = files_.Write("w.safetensors", "not read by validate");
  const std::string llm = "llm { llama { hidden: 64 layers: 2 heads: 4 } }";
  auto with_init = [&](const std::string& body) {
    return absl::StrReplaceAll(
        kValidExperiment,
        {{llm, "llm { llama { hidden: 64 layers: 2 heads: 4 } init { " + body + " } }"}});
  };
  EXPECT_EQ(Check(files_.Write("a.textproto", with_init("path: \"" + weights + "\""))), "");
  std::string missing = files_.Write("b.textproto", with_init("path: \"nope.safetensors\""));
  std::string err = Check(missing);
  EXPECT_CONTAINS(err, missing + ":6:");
  EXPECT_CONTAINS(err, "model.llm.init.path: no file or directory 'nope.safetensors'");
  std::string prefix = files_.Write(
      "c.textproto", with_init("path: \"" + weights + "\" naming: HF_LLAMA prefix: \"llm.\""));
  EXPECT_CONTAINS(Check(prefix),
                  "model.llm.init.prefix: prefix applies to VLMLAB naming only; "
                  "HF_LLAMA maps the whole file");
}

TEST_F(SpecValidationTest, DuplicateNamesAreRefused) {
  std::string path = files_.Write(
      "a.textproto", std::string(kValidExperiment) +
                         "stages { name: \"pretrain\" sft {} steps: 1 mixture: \"caps\" }\n");
  EXPECT_CONTAINS(Check(path), "two elements of stages have name 'pretrain'");
}

TEST_F(SpecValidationTest, AllProblemsAreReportedTogether) {
  std::string path = files_.Write("a.textproto", Variant("depth: 2", "depth: 0 patch_drop: 2"));
  std::string err = Check(path);
  EXPECT_CONTAINS(err, "vit.depth");
  EXPECT_CONTAINS(err, "vit.patch_drop: must be at most 0.95, got 2");
}

TEST_F(SpecValidationTest, BaseInheritanceMergesAndLocatesInheritedFields) {
  std::string base = files_.Write("base.textproto", Variant("depth: 2", "depth: 0"));
  std::string child =
      files_.Write("sub/child.textproto", "base: \"../base.textproto\"\nname: \"child\"\n");
  std::string err = Check(child);
  EXPECT_CONTAINS(err, base + ":3:");  // the bad value lives in the base file
  std::string fixed = files_.Write("sub/fixed.textproto",
                                   "base: \"../base.textproto\"\n"
                                   "model { encoder { vit { depth: 3 } } }\n");
  EXPECT_EQ(Check(fixed), "");
  absl::StatusOr<LoadedExperiment> loaded = LoadExperimentFile(fixed);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->experiment.model().encoder().vit().width(), 64);  // inherited
  EXPECT_FALSE(loaded->experiment.has_base());
}

TEST_F(SpecValidationTest, EndlessAndHugeSpecFilesAreRefusedBeforeReading) {
  // A device that streams without end, as the file or as its base: refused at once.
  EXPECT_CONTAINS(Check("/dev/zero"), "/dev/zero is not a regular file");
  std::string child = files_.Write("child.textproto", "base: \"/dev/zero\"\nname: \"c\"\n");
  EXPECT_CONTAINS(Check(child), "/dev/zero is not a regular file");
  // A file over the size limit is refused without being read.
  std::string big = files_.Write("big.textproto", "");
  std::filesystem::resize_file(big, kMaxSpecFileBytes + 1);
  EXPECT_CONTAINS(Check(big), "over the 16 MiB limit for a spec file");
}

TEST_F(SpecValidationTest, ASweepCannotBeABase) {
  // A sweep known only by its header comment, not its name.
  files_.Write("base.textproto", kValidExperiment);
  files_.Write("ablation.textproto",
               "# proto-file: platform/spec/sweep.proto\n# proto-message: vlmlab.Sweep\n"
               "name: \"s\"\nbase: \"base.textproto\"\nseeds: 1\n");
  std::string child =
      files_.Write("child.textproto", "name: \"c\"\nbase: \"ablation.textproto\"\n");
  std::string err = Check(child);
  EXPECT_CONTAINS(err, child + ":2:");
  EXPECT_CONTAINS(err, "base 'ablation.textproto' is a sweep file, and a sweep cannot be a base");
}

TEST_F(SpecValidationTest, AnOverrideOutOfRangeIsReportedAtTheOverride) {
  std::string path = files_.Write("a.textproto", kValidExperiment);
  std::string err = Check(path, {"stages[pretrain].steps=0"});
  EXPECT_CONTAINS(err,
                  "override 'stages[pretrain].steps=0': stages[pretrain].steps: must be at "
                  "least 1, got 0");
  // Each problem is located at the override that set it.
  err = Check(path, {"stages[pretrain].steps=0", "model.llm.llama.heads=3"});
  EXPECT_CONTAINS(err, "override 'model.llm.llama.heads=3'");
  EXPECT_EQ(Check(path, {"model.llm.llama.layers=3"}), "");
}

TEST_F(SpecValidationTest, MissingAndCyclicBasesAreRefused) {
  std::string missing = files_.Write("a.textproto", "base: \"nowhere.textproto\"\n");
  std::string err = Check(missing);
  EXPECT_CONTAINS(err, missing + ":1:1: base 'nowhere.textproto' does not exist");
  files_.Write("x.textproto", "base: \"y.textproto\"\n");
  files_.Write("y.textproto", "base: \"z.textproto\"\n");
  files_.Write("z.textproto", "base: \"x.textproto\"\n");
  std::string cycle = Check(files_.Path("x.textproto"));
  EXPECT_CONTAINS(cycle, "makes a cycle:");
  EXPECT_CONTAINS(cycle, "x.textproto -> ");
  std::string self = files_.Write("self.textproto", "base: \"self.textproto\"\n");
  EXPECT_CONTAINS(Check(self), "makes a cycle");
}

TEST_F(SpecValidationTest, OverridesApplyAndTheirErrorsNameThem) {
  std::string path = files_.Write("a.textproto", kValidExperiment);
  EXPECT_EQ(Check(path, {"model.encoder.vit.depth=5", "stages[pretrain].steps=3"}), "");
  EXPECT_CONTAINS(Check(path, {"model.encoder.vit.depth=0"}),
                  "model.encoder.vit.depth: must be at least 1, got 0");
  EXPECT_CONTAINS(Check(path, {"model.encoder.vit.deptj=5"}),
                  "override 'model.encoder.vit.deptj=5': VitOptions has no field 'deptj'");
}

TEST_F(SpecValidationTest, StoreMustBeAPathOrPostgresUrl) {
  std::string path = files_.Write(
      "a.textproto", std::string(kValidExperiment) + "runtime { store: \"mysql://x\" }\n");
  EXPECT_CONTAINS(Check(path), "runtime.store: store 'mysql://x' is neither");
}

}  // namespace
}  // namespace vlmlab
