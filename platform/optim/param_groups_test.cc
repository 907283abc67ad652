#include "platform/optim/param_groups.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab::optim {
namespace {

nn::NamedTensors Model() {
  return {
      {"encoder.fc.weight", Tensor::Zeros({4, 3})}, {"encoder.fc.bias", Tensor::Zeros({4})},
      {"encoder.norm.weight", Tensor::Zeros({4})},  {"projector.weight", Tensor::Zeros({2, 4})},
      {"llm.embed.weight", Tensor::Zeros({10, 2})}, {"llm.head.weight", Tensor::Zeros({10, 2})}};
}

std::vector<std::string> Names(const ParamGroup& g) {
  std::vector<std::string> out;
  for (const auto& [n, t] : g.params) out.push_back(n);
  return out;
}

TEST(ParamGroups, FirstMatchingPatternWinsAndOneDimParamsGetNoDecay) {
  ParamGroupOptions o;
  o.weight_decay = 0.1f;
  o.lr_multipliers = {{"encoder.*", 0.1f}, {"*.weight", 2.0f}, {"encoder.fc.*", 5.0f}};
  o.error_on_unmatched_pattern = true;  // encoder.fc.* is shadowed but does match names
  std::vector<ParamGroup> groups = BuildParamGroups(Model(), o).value();
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(Names(groups[0]), (std::vector<std::string>{"encoder.fc.weight"}));
  EXPECT_EQ(groups[0].lr_multiplier, 0.1f);
  EXPECT_EQ(groups[0].weight_decay, 0.1f);
  EXPECT_EQ(Names(groups[1]), (std::vector<std::string>{"encoder.fc.bias", "encoder.norm.weight"}));
  EXPECT_EQ(groups[1].lr_multiplier, 0.1f);
  EXPECT_EQ(groups[1].weight_decay, 0.0f);
  EXPECT_EQ(Names(groups[2]),
            (std::vector<std::string>{"projector.weight", "llm.embed.weight", "llm.head.weight"}));
  EXPECT_EQ(groups[2].lr_multiplier, 2.0f);
}

TEST(ParamGroups, DecayRulesAreConfigurable) {
  ParamGroupOptions o;
  o.weight_decay = 0.05f;
  o.no_decay_patterns = {"*embed*"};
  std::vector<ParamGroup> groups = BuildParamGroups(Model(), o).value();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(Names(groups[0]),
            (std::vector<std::string>{"encoder.fc.weight", "projector.weight", "llm.head.weight"}));
  EXPECT_EQ(Names(groups[1]), (std::vector<std::string>{"encoder.fc.bias", "encoder.norm.weight",
                                                        "llm.embed.weight"}));
  EXPECT_EQ(groups[1].weight_decay, 0.0f);
  o.no_decay_for_1d = false;
  o.no_decay_patterns.clear();
  groups = BuildParamGroups(Model(), o).value();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].params.size(), 6u);
  EXPECT_EQ(groups[0].lr_multiplier, 1.0f);
}

TEST(ParamGroups, Errors) {
  ParamGroupOptions o;
  o.lr_multipliers = {{"encodr.*", 0.1f}};
  absl::StatusOr<std::vector<ParamGroup>> r = BuildParamGroups(Model(), o);
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::HasSubstr("lr_multipliers pattern \"encodr.*\" matches no parameter"));
  o.error_on_unmatched_pattern = false;
  EXPECT_TRUE(BuildParamGroups(Model(), o).ok());
  o.lr_multipliers = {{"*", -1.0f}};
  EXPECT_FALSE(BuildParamGroups(Model(), o).ok());
  nn::NamedTensors dup = Model();
  dup.push_back(dup[0]);
  EXPECT_FALSE(BuildParamGroups(dup, {}).ok());
}

}  // namespace
}  // namespace vlmlab::optim
