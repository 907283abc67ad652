// LoRA / DoRA: values against hand computations, identity at init, merging, gradients,
// ApplyLora's selection and errors.
#include "platform/nn/lora.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/nn/mlp.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab::nn {
namespace {

using ::testing::HasSubstr;

class Group : public Module {
 public:
  using Module::RegisterModule;
};

LoraConfig Config(int64_t rank, float alpha, bool dora = false) {
  LoraConfig c;
  c.rank = rank;
  c.alpha = alpha;
  c.dora = dora;
  c.seed = 5;
  return c;
}

std::vector<std::string> Names(const Module& m, bool trainable_only) {
  std::vector<std::string> out;
  for (const auto& [n, t] : m.NamedParameters(trainable_only)) out.push_back(n);
  return out;
}

TEST(LoraLinear, LoraValuesMatchAHandComputation) {
  Linear base(3, 2);
  ASSERT_TRUE(base.LoadStateDict({{"weight", Tensor::FromVector({2, 3}, {1, 2, 3, -1, 0, 1})},
                                  {"bias", Tensor::FromVector({2}, {0.5f, -2})}})
                  .ok());
  LoraLinear lora(base, Config(1, 2), ParamInit(0, ""));  // scale 2
  ASSERT_TRUE(lora.LoadStateDict({{"weight", base.weight()},
                                  {"bias", base.bias()},
                                  {"lora_a", Tensor::FromVector({1, 3}, {1, 0, -1})},
                                  {"lora_b", Tensor::FromVector({2, 1}, {0.5f, 2})}})
                  .ok());
  // x = [1, 0, 2]: base [7.5, -1]; A x = 1 - 2 = -1; B (A x) = [-0.5, -2]; times 2: [-1, -4].
  Tensor x = Tensor::FromVector({1, 3}, {1, 0, 2});
  EXPECT_EQ(lora.Forward(x)->ToVector(), (std::vector<float>{6.5f, -5}));
}

TEST(LoraLinear, DoraValuesMatchAHandComputation) {
  Linear base(2, 2, /*bias=*/false);
  ASSERT_TRUE(base.LoadStateDict({{"weight", Tensor::FromVector({2, 2}, {3, 4, 0, 1})}}).ok());
  LoraLinear dora(base, Config(1, 1, /*dora=*/true), ParamInit(0, ""));
  // Magnitude starts at the row norms of W: [5, 1].
  EXPECT_EQ(dora.magnitude().ToVector(), (std::vector<float>{5, 1}));
  ASSERT_TRUE(dora.LoadStateDict({{"weight", base.weight()},
                                  {"lora_a", Tensor::FromVector({1, 2}, {0, 1})},
                                  {"lora_b", Tensor::FromVector({2, 1}, {0, 1})},
                                  {"lora_magnitude", Tensor::FromVector({2}, {10, 4})}})
                  .ok());
  // W' = W + B A = [[3, 4], [0, 2]]; row norms [5, 2]; g = [2, 2]; W'' = [[6, 8], [0, 4]].
  Tensor x = Tensor::FromVector({1, 2}, {1, 1});
  EXPECT_EQ(dora.Forward(x)->ToVector(), (std::vector<float>{14, 4}));
  EXPECT_EQ(dora.MergedWeight()->ToVector(), (std::vector<float>{6, 8, 0, 4}));
}

TEST(LoraLinear, FreshAdaptersLeaveTheOutputUnchanged) {
  Linear base(6, 4, true, 3);
  Tensor x = Tensor::RandN({2, 5, 6}, 9);
  Tensor expected = *base.Forward(x);
  LoraLinear lora(base, Config(2, 4), ParamInit(1, "fc."));
  EXPECT_EQ(lora.lora_b().ToVector(), std::vector<float>(8, 0.0f));
  EXPECT_NE(lora.lora_a().ToVector(), std::vector<float>(12, 0.0f));
  EXPECT_EQ(lora.Forward(x)->ToVector(), expected.ToVector());
  LoraLinear dora(base, Config(2, 4, true), ParamInit(1, "fc."));
  EXPECT_LT(MaxAbsDiff(*dora.Forward(x), expected), 1e-6);
}

TEST(LoraLinear, KeepsTheBaseTensorsAndFreezesThem) {
  Linear base(3, 2);
  LoraLinear lora(base, Config(2, 2), ParamInit(0, ""));
  EXPECT_EQ(lora.weight().id(), base.weight().id());
  EXPECT_EQ(lora.bias().id(), base.bias().id());
  EXPECT_FALSE(lora.weight().requires_grad());
  EXPECT_EQ(Names(lora, false), (std::vector<std::string>{"weight", "bias", "lora_a", "lora_b"}));
  EXPECT_EQ(Names(lora, true), (std::vector<std::string>{"lora_a", "lora_b"}));
  LoraLinear dora(base, Config(2, 2, true), ParamInit(0, ""));
  EXPECT_EQ(Names(dora, true), (std::vector<std::string>{"lora_a", "lora_b", "lora_magnitude"}));
}

// Non-trivial adapters (B and magnitude moved away from their initial values).
void Perturb(LoraLinear& l, uint64_t seed) {
  ASSERT_TRUE(AssignValues(l.lora_b(), Tensor::RandN(l.lora_b().shape(), seed, 0.5f)).ok());
  if (l.magnitude().defined()) {
    Tensor m = *ops::Reshape(Tensor::RandUniform({l.out_features()}, seed + 1, 0.5f, 2.0f),
                             {l.out_features()});
    ASSERT_TRUE(AssignValues(l.magnitude(), m).ok());
  }
}

TEST(LoraLinear, GradientsReachOnlyTheAdapters) {
  for (bool use_dora : {false, true}) {
    Linear base(4, 3);
    LoraLinear l(base, Config(2, 2, use_dora), ParamInit(0, ""));
    Perturb(l, 11);
    Tensor x = Tensor::RandN({5, 4}, 2);
    x.set_requires_grad(true);
    Tensor y = *ops::Sum(*l.Forward(x));
    ASSERT_TRUE(Backward(y).ok());
    EXPECT_FALSE(l.weight().grad().defined());
    EXPECT_FALSE(l.bias().grad().defined());
    EXPECT_TRUE(l.lora_a().grad().defined());
    EXPECT_TRUE(l.lora_b().grad().defined());
    EXPECT_TRUE(x.grad().defined());
    if (use_dora) EXPECT_TRUE(l.magnitude().grad().defined());
  }
}

TEST(LoraLinear, GradCheck) {
  for (bool use_dora : {false, true}) {
    Linear base(4, 3, true, 2);
    LoraLinear l(base, Config(2, 3, use_dora), ParamInit(0, ""));
    Perturb(l, 21);
    std::vector<Tensor> inputs = {Tensor::RandN({2, 3, 4}, 4), l.lora_a().Detach(),
                                  l.lora_b().Detach()};
    if (use_dora) inputs.push_back(l.magnitude().Detach());
    absl::Status s = GradCheck(
        [&](const std::vector<Tensor>& in) -> absl::StatusOr<Tensor> {
          if (!l.SetParameter("lora_a", in[1]).ok() || !l.SetParameter("lora_b", in[2]).ok() ||
              (use_dora && !l.SetParameter("lora_magnitude", in[3]).ok())) {
            return absl::InternalError("set_parameter");
          }
          return l.Forward(in[0]);
        },
        inputs);
    EXPECT_TRUE(s.ok()) << (use_dora ? "dora: " : "lora: ") << s;
  }
}

TEST(LoraLinear, MergedLinearComputesTheSameFunction) {
  for (bool use_dora : {false, true}) {
    Linear base(6, 5, true, 7);
    LoraLinear l(base, Config(3, 6, use_dora), ParamInit(0, ""));
    Perturb(l, 31);
    Tensor x = Tensor::RandN({4, 6}, 8);
    Tensor expected = *l.Forward(x);
    std::unique_ptr<Linear> merged = *l.Merge();
    EXPECT_EQ(merged->weight().id(), base.weight().id());
    EXPECT_LT(MaxAbsDiff(*merged->Forward(x), expected), 1e-5) << use_dora;
  }
}

TEST(LoraLinear, DropoutActsOnlyInTraining) {
  for (bool use_dora : {false, true}) {
    Linear base(8, 8, true, 1);
    LoraConfig c = Config(4, 4, use_dora);
    c.dropout = 0.5f;
    LoraLinear l(base, c, ParamInit(0, ""));
    Perturb(l, 41);
    Tensor x = Tensor::RandN({3, 8}, 6);
    l.SetTraining(false);
    Tensor eval = *l.Forward(x);
    l.SetTraining(true);
    Tensor train1 = *l.Forward(x);
    Tensor train2 = *l.Forward(x);
    EXPECT_GT(MaxAbsDiff(train1, eval), 1e-3);
    EXPECT_GT(MaxAbsDiff(train1, train2), 1e-3);  // a fresh mask per call
    LoraConfig no_drop = c;
    no_drop.dropout = 0;
    LoraLinear same(base, no_drop, ParamInit(0, ""));
    ASSERT_TRUE(same.LoadStateDict(l.StateDict()).ok());
    EXPECT_EQ(same.Forward(x)->ToVector(), eval.ToVector());
  }
}

// mlp (MLP 4 -> 8 -> 4 at "mlp.layers.{0,1}") and head (Linear 4 -> 2).
std::unique_ptr<Group> Tree() {
  auto root = std::make_unique<Group>();
  root->RegisterModule(
      "mlp", std::make_unique<MLP>(std::vector<int64_t>{4, 8, 4}, Activation::kGeluTanh, true, 1));
  root->RegisterModule("head", std::make_unique<Linear>(4, 2, true, 2));
  return root;
}

absl::StatusOr<Tensor> RunTree(Module& root, const Tensor& x) {
  absl::StatusOr<Tensor> h = root.FindModule("mlp")->Forward(x);
  if (!h.ok()) return h.status();
  return root.FindModule("head")->Forward(*h);
}

TEST(ApplyLora, WrapsMatchingLinearsAndKeepsNames) {
  auto root = Tree();
  std::vector<std::string> before = Names(*root, false);
  absl::StatusOr<int> n = ApplyLora(*root, {"mlp.*"}, Config(2, 4));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(LoraModuleNames(*root), (std::vector<std::string>{"mlp.layers.0", "mlp.layers.1"}));
  EXPECT_EQ(std::string(root->FindModule("head")->type_name()), "Linear");
  EXPECT_EQ(
      Names(*root, true),
      (std::vector<std::string>{"mlp.layers.0.lora_a", "mlp.layers.0.lora_b", "mlp.layers.1.lora_a",
                                "mlp.layers.1.lora_b", "head.weight", "head.bias"}));
  // Every base name survives.
  std::vector<std::string> after = Names(*root, false);
  for (const std::string& name : before) {
    EXPECT_NE(std::find(after.begin(), after.end(), name), after.end()) << name;
  }
  // Wrapping again skips what is wrapped: only the head is left.
  EXPECT_EQ(*ApplyLora(*root, {}, Config(2, 4)), 1);
}

TEST(ApplyLora, EmptyPatternsMeanEveryLinearExceptExcluded) {
  auto root = Tree();
  LoraConfig c = Config(2, 4);
  c.exclude = {"head"};
  EXPECT_EQ(*ApplyLora(*root, {}, c), 2);
  EXPECT_EQ(std::string(root->FindModule("head")->type_name()), "Linear");
}

TEST(ApplyLora, PatternMatchingNoLinearIsAnErrorNamingIt) {
  auto root = Tree();
  absl::StatusOr<int> n = ApplyLora(*root, {"mlp.*", "blocks.*"}, Config(2, 4));
  ASSERT_FALSE(n.ok());
  EXPECT_THAT(n.status().message(), HasSubstr("\"blocks.*\""));
  EXPECT_THAT(n.status().message(), HasSubstr("no module at all"));
  EXPECT_TRUE(LoraModuleNames(*root).empty());  // nothing changed
  absl::StatusOr<int> m = ApplyLora(*root, {"mlp"}, Config(2, 4));
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("only mlp (MLP)"));
  EXPECT_FALSE(ApplyLora(*root, {}, Config(0, 4)).ok());
  Group empty;
  EXPECT_FALSE(ApplyLora(empty, {}, Config(2, 4)).ok());
}

TEST(ApplyLora, RefusesTiedWeights) {
  auto root = Tree();
  auto* head = dynamic_cast<Linear*>(root->FindModule("head"));
  // Tie head.weight [2, 4] to a second head of the same shape.
  root->RegisterModule("head2", std::make_unique<Linear>(4, 2));
  ASSERT_TRUE(root->SetParameter("head2.weight", head->weight()).ok());
  absl::StatusOr<int> n = ApplyLora(*root, {"head"}, Config(2, 4));
  ASSERT_FALSE(n.ok());
  EXPECT_THAT(n.status().message(), HasSubstr("head.weight is tied"));
  EXPECT_THAT(n.status().message(), HasSubstr("head2.weight"));
}

TEST(MergeLora, MergedModelGivesTheSameOutputs) {
  for (bool use_dora : {false, true}) {
    auto root = Tree();
    ASSERT_EQ(*ApplyLora(*root, {}, Config(2, 4, use_dora)), 3);
    uint64_t seed = 50;
    for (const std::string& path : LoraModuleNames(*root)) {
      Perturb(*dynamic_cast<LoraLinear*>(root->FindModule(path)), seed += 2);
    }
    Tensor x = Tensor::RandN({3, 4}, 3);
    Tensor expected = *RunTree(*root, x);
    EXPECT_EQ(*MergeLora(*root), 3);
    EXPECT_TRUE(LoraModuleNames(*root).empty());
    EXPECT_EQ(std::string(root->FindModule("mlp.layers.0")->type_name()), "Linear");
    EXPECT_EQ(
        Names(*root, false),
        (std::vector<std::string>{"mlp.layers.0.weight", "mlp.layers.0.bias", "mlp.layers.1.weight",
                                  "mlp.layers.1.bias", "head.weight", "head.bias"}));
    EXPECT_LT(MaxAbsDiff(*RunTree(*root, x), expected), 1e-5) << use_dora;
    EXPECT_EQ(*MergeLora(*root), 0);
  }
}

TEST(LoraLinear, InitializeIsDeterministicPerName) {
  auto a = Tree();
  auto b = Tree();
  ASSERT_TRUE(ApplyLora(*a, {}, Config(2, 4)).ok());
  ASSERT_TRUE(ApplyLora(*b, {}, Config(2, 4)).ok());
  EXPECT_EQ(a->StateDict().at("mlp.layers.0.lora_a").ToVector(),
            b->StateDict().at("mlp.layers.0.lora_a").ToVector());
  // Same shape [2, 4], other name: other values.
  EXPECT_NE(a->StateDict().at("mlp.layers.0.lora_a").ToVector(),
            a->StateDict().at("head.lora_a").ToVector());
}

}  // namespace
}  // namespace vlmlab::nn
