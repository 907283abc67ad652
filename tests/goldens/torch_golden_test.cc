// Whole-model goldens from PyTorch (tools/goldens/make_goldens.py, run with Debian's
// python3-torch): the quickstart model and the `small` benchmark model, built here through the
// registry from their experiment files and the production CPU kernels, must reproduce
// PyTorch's loss, logits, every parameter's gradient and two AdamW steps of the stage's
// optimizer (lr multipliers, weight decay for rank >= 2, global-norm clipping).
//
// The fixture holds no weights: every parameter and the images come from a counter-based hash
// that both sides compute bit for bit (HashUniform below and hash_uniform in the script), with
// an (offset, scale) per parameter stored in the fixture. Tensors are compared through
// statistics (sum, sum of |x|, L2, a projection on a hashed +-1 vector) and their first 16
// values, which keeps the fixtures small and still catches a single wrong element.
//
// Tolerances (f32 end to end, different summation orders): loss and gradient norm 2e-5
// relative; a statistic within 2e-4 of the tensor's sum of |x| (its scale); first values
// within 1e-4 of the tensor's largest first value plus 1e-6 absolute. After two AdamW steps,
// whose first update is nearly lr * sign(g), the change of each parameter is compared
// within 2e-3 of its sum of |change|: an element whose gradient is ~eps flips the sign of a
// ~lr update on round-off.
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/autograd/grad_mode.h"
#include "platform/model/vlm_model.h"
#include "platform/optim/clip.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/optim/from_spec.h"
#include "platform/plugin_api/tokenizer.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/spec_loader.h"
#include "platform/weights/safetensors.h"

namespace vlmlab {
namespace {

uint64_t Fnv1a64(const std::string& text) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  uint64_t z = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// n values in [-1, 1), exact in 24 bits: the script's hash_uniform.
std::vector<float> HashUniform(const std::string& name, int64_t n) {
  const uint64_t base = Fnv1a64(name);
  std::vector<float> u(n);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = static_cast<int64_t>(SplitMix64(base + i) >> 40) - (int64_t{1} << 23);
    u[i] = static_cast<float>(k) / static_cast<float>(1 << 23);
  }
  return u;
}

Tensor HashTensor(const std::string& name, const Shape& shape, float offset, float scale) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<float> v = HashUniform(name, n);
  for (float& x : v) {
    const volatile float scaled = scale * x;  // no fused multiply-add: the script rounds twice
    x = offset + scaled;
  }
  return Tensor::FromVector(shape, v);
}

struct Stats {
  double sum = 0, abs_sum = 0, l2 = 0, projection = 0;
  std::vector<float> head;
};

Stats StatsOf(const Tensor& t) {
  std::vector<float> v = t.Contiguous().ToVector();
  std::vector<float> signs = HashUniform("projection", static_cast<int64_t>(v.size()));
  Stats s;
  for (size_t i = 0; i < v.size(); ++i) {
    s.sum += v[i];
    s.abs_sum += std::fabs(v[i]);
    s.l2 += static_cast<double>(v[i]) * v[i];
    s.projection += signs[i] >= 0 ? v[i] : -v[i];
  }
  s.l2 = std::sqrt(s.l2);
  s.head.assign(v.begin(), v.begin() + std::min<size_t>(16, v.size()));
  return s;
}

class Golden {
 public:
  explicit Golden(const std::string& path) {
    absl::StatusOr<weights::SafetensorsFile> f = weights::ReadSafetensors(path);
    CHECK(f.ok()) << f.status();
    file_ = std::move(*f);
  }
  bool Has(const std::string& key) const { return file_.tensors.count(key) > 0; }
  const Tensor& At(const std::string& key) const {
    auto it = file_.tensors.find(key);
    CHECK(it != file_.tensors.end()) << "the fixture has no tensor " << key;
    return it->second;
  }
  float Scalar(const std::string& key) const { return At(key).ToVector()[0]; }
  int64_t CountWithPrefix(const std::string& prefix) const {
    int64_t n = 0;
    for (const auto& [key, t] : file_.tensors) n += key.rfind(prefix, 0) == 0;
    return n;
  }

  // Compares `got` with the fixture's "<key>.stats" and "<key>.head".
  void ExpectMatches(const std::string& key, const Tensor& got, double rtol) const {
    const std::vector<float> want = At(key + ".stats").ToVector();  // sum, |x|, L2, projection
    const std::vector<float> want_head = At(key + ".head").ToVector();
    const Stats s = StatsOf(got);
    const double scale = std::max<double>(want[1], 1e-12);
    const double tol = rtol * scale + 1e-7;
    EXPECT_NEAR(s.sum, want[0], tol) << key << ": sum";
    EXPECT_NEAR(s.abs_sum, want[1], tol) << key << ": sum of |x|";
    EXPECT_NEAR(s.l2, want[2], rtol * want[2] * 10 + 1e-7) << key << ": L2";
    EXPECT_NEAR(s.projection, want[3], tol) << key << ": projection";
    ASSERT_EQ(s.head.size(), want_head.size()) << key;
    float head_scale = 0;
    for (float w : want_head) head_scale = std::max(head_scale, std::fabs(w));
    for (size_t i = 0; i < want_head.size(); ++i) {
      EXPECT_NEAR(s.head[i], want_head[i], rtol / 2 * head_scale + 1e-6) << key << "[" << i << "]";
    }
  }

 private:
  weights::SafetensorsFile file_;
};

struct Case {
  std::string name;
  std::string experiment;
};

class TorchGoldenTest : public ::testing::TestWithParam<Case> {};

TEST_P(TorchGoldenTest, LossLogitsGradientsAndTwoAdamWSteps) {
  const Case& c = GetParam();
  Golden golden("tests/goldens/" + c.name + "_golden.safetensors");
  absl::StatusOr<LoadedExperiment> exp = LoadExperimentFile(c.experiment);
  ASSERT_TRUE(exp.ok()) << exp.status();
  absl::StatusOr<std::unique_ptr<VlmModel>> built =
      BuildVlm(exp->experiment.model(), GlobalRegistries(), /*seed=*/0);
  ASSERT_TRUE(built.ok()) << built.status();
  VlmModel& model = **built;

  // Parameters: exactly the fixture's, set from the hash.
  nn::TensorMap state;
  for (const auto& [name, param] : model.NamedParameters()) {
    const std::string key = "init." + name;
    ASSERT_TRUE(golden.Has(key)) << "the model has a parameter the fixture lacks: " << name;
    const std::vector<float> rule = golden.At(key).ToVector();
    state[name] = HashTensor(name, param.shape(), rule[0], rule[1]);
  }
  ASSERT_TRUE(model.LoadStateDict(state).ok());
  EXPECT_EQ(golden.CountWithPrefix("init."), static_cast<int64_t>(state.size()))
      << "the fixture has parameters the model lacks";

  // Inputs: -1 in the fixture's ids marks an image placeholder.
  const Tensor& ids_fixture = golden.At("input.ids");  // i32 [B, T]
  std::vector<int32_t> ids(ids_fixture.data<int32_t>(),
                           ids_fixture.data<int32_t>() + ids_fixture.numel());
  const int32_t image_id = model.tokenizer().SpecialId(SpecialToken::kImage);
  for (int32_t& id : ids) {
    if (id < 0) id = image_id;
  }
  const int64_t batch = ids_fixture.size(0);
  absl::StatusOr<Encoder*> encoder = model.encoder();
  ASSERT_TRUE(encoder.ok()) << encoder.status();
  const int64_t side = (*encoder)->InputSpec().size;
  ModelInputs in;
  in.input_ids = Tensor::FromInts(ids_fixture.shape(), ids);
  in.labels = golden.At("input.labels");
  in.images = HashTensor("input.images", {batch, 3, side, side}, 0.0f, 1.0f);

  const StageSpec& stage = exp->experiment.stages(0);
  absl::StatusOr<std::unique_ptr<optim::Optimizer>> opt =
      optim::BuildOptimizer(stage.optimizer(), model.NamedParameters(/*trainable_only=*/true));
  ASSERT_TRUE(opt.ok()) << opt.status();

  for (int step = 0; step < 2; ++step) {
    const std::string tag = absl::StrCat("step", step);
    if (step == 0) {
      NoGradScope no_grad;
      absl::StatusOr<Tensor> logits = model.Logits(in);
      ASSERT_TRUE(logits.ok()) << logits.status();
      golden.ExpectMatches("step0.logits", *logits, 2e-4);
    }
    (*opt)->ZeroGrad();
    absl::StatusOr<Tensor> loss = model.Loss(in);
    ASSERT_TRUE(loss.ok()) << loss.status();
    const float want_loss = golden.Scalar(tag + ".loss");
    EXPECT_NEAR(loss->ToVector()[0], want_loss, 2e-5 * want_loss) << tag << " loss";
    ASSERT_TRUE(Backward(*loss).ok());
    if (step == 0) {
      for (const auto& [name, param] : model.NamedParameters()) {
        ASSERT_TRUE(param.grad().defined()) << name << " has no gradient";
        golden.ExpectMatches("grad." + name, param.grad(), 2e-4);
        if (absl::EndsWith(name, "attn.k.bias")) {
          EXPECT_LT(StatsOf(param.grad()).l2, 1e-6) << name << ": a key bias gets no gradient";
        }
      }
    }
    absl::StatusOr<double> norm = optim::ClipGradNorm((*opt)->Parameters(), stage.max_grad_norm());
    ASSERT_TRUE(norm.ok());
    const float want_norm = golden.Scalar(tag + ".grad_norm");
    EXPECT_NEAR(*norm, want_norm, 2e-5 * want_norm) << tag << " gradient norm";
    ASSERT_TRUE((*opt)->Step(stage.optimizer().lr()).ok());
  }
  for (const auto& [name, param] : model.NamedParameters()) {
    if (absl::EndsWith(name, "attn.k.bias")) {
      // A key bias adds the same q.b to every score of a query, which the softmax cancels: its
      // gradient is zero up to round-off, so AdamW's first steps (~lr * sign(g)) are noise on
      // both sides. Its gradient was checked against PyTorch's above (both ~0).
      continue;
    }
    absl::StatusOr<Tensor> delta = ops::Sub(param, state.at(name));
    ASSERT_TRUE(delta.ok());
    golden.ExpectMatches("delta." + name, *delta, 2e-3);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, TorchGoldenTest,
                         ::testing::Values(Case{"quickstart", "experiments/quickstart.textproto"},
                                           Case{"small", "experiments/bench/small.textproto"}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace vlmlab
