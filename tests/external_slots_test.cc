// The `external { name options }` form of every plugin slot (projector, fusion, llm,
// tokenizer, dataset, stage, evaluator; the encoder's is in plugin_loader_test with a shared
// library): plugins registered under other names, each wrapping a built-in, are chosen by
// name with their options in an Any, and the run equals the one that names the built-ins
// directly, weights and metrics bit for bit; every external factory was called.
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "kernels/cpu/threads.h"
#include "platform/registry/global_registries.h"
#include "platform/runner/run_experiment.h"
#include "platform/weights/safetensors.h"
#include "tests/test_files.h"
#include "tests/tiny_experiment.h"

namespace vlmlab {
namespace {

std::map<std::string, int>& Calls() {
  static auto* calls = new std::map<std::string, int>();
  return *calls;
}

// Registers `alias` as a copy of the built-in `builtin` whose factory counts its calls.
template <typename Interface>
void RegisterAlias(const std::string& builtin, const std::string& alias) {
  Registry<Interface>& registry = GlobalRegistries().Get<Interface>();
  if (registry.Find(alias) != nullptr) return;
  const PluginEntry<Interface>* entry = registry.Find(builtin);
  CHECK(entry != nullptr) << builtin;
  PluginEntry<Interface> copy = *entry;
  copy.name = alias;
  copy.origin = "external_slots_test";
  auto create = entry->create;
  copy.create = [create, alias](const google::protobuf::Message& o, const BuildContext& c) {
    ++Calls()[alias];
    return create(o, c);
  };
  CHECK(registry.Add(std::move(copy)).ok()) << alias;
}

constexpr char kStages[] = R"pb(
  name: "ext"
  seed: 3
  stages {
    name: "captions"
    pretrain {}
    steps: 4
    batch_size: 4
    mixture: "captions"
    optimizer { lr: 3e-3 }
  }
  stages {
    name: "vqa"
    sft {}
    steps: 2
    batch_size: 4
    mixture: "vqa_train"
  }
  evaluators {
    name: "vqa"
    vqa_accuracy { prompt: "{question}" }
    data: "vqa_val"
    max_examples: 6
    bootstrap_samples: 20
    generation { max_new_tokens: 3 }
  }
  runtime { threads: 1 }
)pb";

// The same parts, each named through its slot's `external` form.
constexpr char kExternal[] = R"pb(
  model {
    projector {
      external {
        name: "ext_avg_pool"
        options {
          [type.googleapis.com/vlmlab.AvgPoolProjectorOptions] { kernel: 2 }
        }
      }
    }
    fusion {
      external {
        name: "ext_self_attention"
        options {
          [type.googleapis.com/
           vlmlab.SelfAttentionFusionOptions] { image_delimiters: false max_images_per_sample: 1 }
        }
      }
    }
    llm {
      external {
        name: "ext_llama"
        options {
          [type.googleapis.com/
           vlmlab.LlamaOptions] { hidden: 32 layers: 1 heads: 2 max_seq_len: 160 }
        }
      }
    }
    tokenizer {
      external {
        name: "ext_byte"
        options {
          [type.googleapis.com/vlmlab.ByteTokenizerOptions] {}
        }
      }
    }
  }
  data {
    name: "captions"
    components {
      dataset {
        external {
          name: "ext_synthetic"
          options {
            [type.googleapis.com/vlmlab.SyntheticWorldOptions] {
              tasks: CAPTION
              image_size: 16
              num_images: 200
              max_objects: 2
            }
          }
        }
      }
    }
  }
  stages {
    name: "captions"
    external {
      name: "ext_pretrain"
      options {
        [type.googleapis.com/vlmlab.PretrainOptions] {}
      }
    }
  }
  stages {
    name: "vqa"
    external {
      name: "ext_sft"
      options {
        [type.googleapis.com/vlmlab.SftOptions] {}
      }
    }
  }
  evaluators {
    name: "vqa"
    external {
      name: "ext_vqa_accuracy"
      options {
        [type.googleapis.com/vlmlab.VqaAccuracyOptions] { prompt: "{question}" }
      }
    }
  }
)pb";

Experiment Parse(const std::string& text) {
  Experiment e;
  CHECK(google::protobuf::TextFormat::ParseFromString(text, &e)) << text;
  return e;
}

TEST(ExternalSlotsTest, EverySlotTakesARegisteredPluginByNameAndRunsAsTheBuiltIn) {
  SetCpuThreads(1);
  RegisterAlias<Projector>("avg_pool", "ext_avg_pool");
  RegisterAlias<Fusion>("self_attention", "ext_self_attention");
  RegisterAlias<Llm>("llama", "ext_llama");
  RegisterAlias<Tokenizer>("byte", "ext_byte");
  RegisterAlias<Dataset>("synthetic", "ext_synthetic");
  RegisterAlias<Stage>("pretrain", "ext_pretrain");
  RegisterAlias<Stage>("sft", "ext_sft");
  RegisterAlias<Evaluator>("vqa_accuracy", "ext_vqa_accuracy");

  TestFiles files("external_slots");
  Experiment builtin = Parse(TinyModelAndData(200) + kStages);
  Experiment external = builtin;
  Experiment overlay = Parse(kExternal);
  // Replace each slot's plugin: clear the built-in choice, then merge the external one.
  external.mutable_model()->clear_projector();
  external.mutable_model()->clear_fusion();
  external.mutable_model()->clear_llm();
  external.mutable_model()->clear_tokenizer();
  external.mutable_data(0)->mutable_components(0)->clear_dataset();
  external.mutable_stages(0)->clear_pretrain();
  external.mutable_stages(1)->clear_sft();
  external.mutable_evaluators(0)->clear_vqa_accuracy();
  external.mutable_model()->MergeFrom(overlay.model());
  *external.mutable_data(0)->mutable_components(0)->mutable_dataset() =
      overlay.data(0).components(0).dataset();
  *external.mutable_stages(0)->mutable_external() = overlay.stages(0).external();
  *external.mutable_stages(1)->mutable_external() = overlay.stages(1).external();
  *external.mutable_evaluators(0)->mutable_external() = overlay.evaluators(0).external();

  std::map<std::string, runner::RunOutcome> outcomes;
  for (auto& [name, e] :
       std::map<std::string, Experiment*>{{"builtin", &builtin}, {"external", &external}}) {
    e->mutable_runtime()->set_output_dir(files.Path(name + "/runs"));
    e->mutable_runtime()->set_store(files.Path(name + "/store.sqlite"));
    runner::RunOptions o;
    o.run_id = name;
    absl::StatusOr<runner::RunOutcome> r = runner::RunExperiment(*e, o, GlobalRegistries());
    ASSERT_TRUE(r.ok()) << name << ": " << r.status();
    outcomes.emplace(name, *r);
  }
  for (const char* alias : {"ext_avg_pool", "ext_self_attention", "ext_llama", "ext_byte",
                            "ext_synthetic", "ext_pretrain", "ext_sft", "ext_vqa_accuracy"}) {
    EXPECT_GE(Calls()[alias], 1) << alias << " was never created";
  }
  auto weights = [&](const std::string& name) {
    const std::string dir = outcomes.at(name).run_dir + "/checkpoints/ckpt-00000006";
    absl::StatusOr<weights::SafetensorsFile> f =
        weights::ReadSafetensors(dir + "/model.safetensors");
    CHECK(f.ok()) << f.status();
    return f->tensors;
  };
  const auto a = weights("builtin"), b = weights("external");
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a) EXPECT_EQ(t.ToVector(), b.at(name).ToVector()) << name;
  const auto& ma = outcomes.at("builtin").metrics;
  const auto& mb = outcomes.at("external").metrics;
  ASSERT_TRUE(ma.count("vqa/overall"));
  ASSERT_EQ(ma.size(), mb.size());
  for (const auto& [key, m] : ma) EXPECT_EQ(m.value, mb.at(key).value) << key;
}

}  // namespace
}  // namespace vlmlab
