#include "platform/store/spec_fields.h"

#include <map>
#include <set>
#include <string>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "platform/spec/experiment.pb.h"

namespace vlmlab::store {
namespace {

std::map<std::string, std::string> FieldMap(const google::protobuf::Message& spec) {
  std::map<std::string, std::string> out;
  for (const RunField& f : SpecFields(spec)) {
    EXPECT_TRUE(out.emplace(f.path, f.value).second) << "duplicate path " << f.path;
  }
  return out;
}

Experiment Parse(const std::string& text) {
  Experiment e;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &e));
  return e;
}

TEST(SpecFieldsTest, FlattensSetFieldsDefaultsChoicesAndKeyedLists) {
  const Experiment e = Parse(R"pb(
    name: "small"
    tags: "a"
    tags: "b"
    model {
      projector { perceiver { num_latents: 16 } }
      llm { llama { layers: 4 } }
    }
    data {
      name: "caps"
      components {
        weight: 0.1
        dataset { synthetic { num_images: 7 } }
      }
      components { dataset { synthetic {} } }
    }
    stages {
      name: "pretrain"
      pretrain {}
      steps: 600
      optimizer { lr: 2e-3 }
    }
    stages {
      name: "sft"
      sft {}
      steps: 10
    }
  )pb");
  const std::map<std::string, std::string> f = FieldMap(e);
  EXPECT_EQ(f.at("name"), "small");
  EXPECT_EQ(f.at("tags[0]"), "a");
  EXPECT_EQ(f.at("tags[1]"), "b");
  EXPECT_EQ(f.at("model.projector"), "perceiver");  // the plugin choice
  EXPECT_EQ(f.at("model.projector.perceiver.num_latents"), "16");
  EXPECT_EQ(f.at("model.llm"), "llama");
  EXPECT_EQ(f.at("model.llm.llama.layers"), "4");
  EXPECT_EQ(f.count("model.projector.mlp.hidden"), 0u);       // unchosen plugins give nothing
  EXPECT_EQ(f.count("model.encoder"), 0u);                    // no encoder chosen
  EXPECT_EQ(f.at("data[caps].components[0].weight"), "0.1");  // shortest exact float
  EXPECT_EQ(f.at("data[caps].components[1].weight"), "1");    // default
  EXPECT_EQ(f.at("data[caps].components[0].dataset"), "synthetic");
  EXPECT_EQ(f.at("data[caps].components[0].dataset.synthetic.num_images"), "7");
  EXPECT_EQ(f.at("stages[pretrain].steps"), "600");
  EXPECT_EQ(f.at("stages[pretrain].optimizer.lr"), "0.002");
  EXPECT_EQ(f.at("stages[sft].optimizer.lr"), "0.001");  // default, from an unset message
  EXPECT_EQ(f.at("stages[sft].optimizer.kind"), "ADAMW");
  EXPECT_EQ(f.at("stages[pretrain].image_splitting"), "false");
  EXPECT_EQ(f.at("runtime.backend"), "CPU");
  EXPECT_EQ(f.at("runtime.store"), "runs/vlmlab.sqlite");
}

TEST(SpecFieldsTest, RepeatedKeysFallBackToPositions) {
  const Experiment e = Parse(R"pb(
    stages { name: "x" steps: 1 }
    stages { name: "x" steps: 2 }
    stages { steps: 3 }
  )pb");
  const std::map<std::string, std::string> f = FieldMap(e);
  EXPECT_EQ(f.at("stages[x].steps"), "1");
  EXPECT_EQ(f.at("stages[1].steps"), "2");
  EXPECT_EQ(f.at("stages[2].steps"), "3");
}

TEST(SpecFieldsTest, UnknownAnyGivesItsTypeUrl) {
  const Experiment e = Parse(R"pb(
    model { projector { external { name: "toy" } } }
  )pb");
  Experiment with_any = e;
  with_any.mutable_model()
      ->mutable_projector()
      ->mutable_external()
      ->mutable_options()
      ->set_type_url("type.googleapis.com/elsewhere.Options");
  std::map<std::string, std::string> f = FieldMap(with_any);
  EXPECT_EQ(f.at("model.projector"), "external");
  EXPECT_EQ(f.at("model.projector.external.name"), "toy");
  EXPECT_EQ(f.at("model.projector.external.options"), "type.googleapis.com/elsewhere.Options");
  f = FieldMap(e);
  EXPECT_EQ(f.count("model.projector.external.options"), 0u);  // unset Any
}

}  // namespace
}  // namespace vlmlab::store
