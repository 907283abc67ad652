// The `multi` encoder built through its registry entry from an EncoderSlot list: SEQUENCE and
// CHANNEL outputs equal the children's outputs concatenated, shapes match OutputShape, child
// parameter names, gradients reach both children, errors for mismatched children.
#include <memory>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "platform/ops/testing/gradcheck.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/encoders.pb.h"

namespace vlmlab {
namespace {

VitOptions SmallVit() {
  VitOptions o;
  o.set_image_size(16);
  o.set_patch_size(4);
  o.set_width(8);
  o.set_depth(1);
  o.set_heads(2);
  return o;
}

ConvEncoderOptions SmallConv(int width) {
  ConvEncoderOptions o;
  o.set_image_size(16);
  o.set_width(width);
  o.set_stages(2);
  o.set_blocks_per_stage(1);
  return o;  // grid 16 / 4 = 4x4, like the vit's
}

absl::StatusOr<std::unique_ptr<Encoder>> Create(const MultiEncoderOptions& o, uint64_t seed = 1) {
  const PluginEntry<Encoder>* entry = GlobalRegistries().Get<Encoder>().Find("multi");
  CHECK(entry != nullptr);
  return entry->create(o, BuildContext{seed, &GlobalRegistries()});
}

std::unique_ptr<Encoder> Make(const MultiEncoderOptions& o) {
  absl::StatusOr<std::unique_ptr<Encoder>> e = Create(o);
  CHECK(e.ok()) << e.status();
  CHECK((*e)->Build().ok());
  return *std::move(e);
}

// The child's tokens, run directly through the child module.
Tensor ChildTokens(Encoder& multi, int i, const Tensor& x) {
  auto* child = dynamic_cast<Encoder*>(multi.FindModule(absl::StrCat("encoders.", i)));
  CHECK(child != nullptr);
  return child->Encode({x})->tokens;
}

TEST(Multi, ChannelConcatenatesFeaturesPerToken) {
  MultiEncoderOptions o;
  o.set_combine(MultiEncoderOptions::CHANNEL);
  *o.add_encoders()->mutable_vit() = SmallVit();
  *o.add_encoders()->mutable_conv() = SmallConv(3);  // out width 6
  std::unique_ptr<Encoder> multi = Make(o);
  const VisualShape shape = multi->OutputShape();
  EXPECT_EQ(shape.tokens, 16);
  EXPECT_EQ(shape.dim, 8 + 6);
  Tensor x = Tensor::RandN({2, 3, 16, 16}, 3);
  absl::StatusOr<EncodedImages> out = multi->Encode({x});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->tokens.shape(), (Shape{2, shape.tokens, shape.dim}));
  EXPECT_EQ(out->grid_h, 4);
  EXPECT_EQ(out->grid_w, 4);
  std::vector<float> got = out->tokens.ToVector(), a = ChildTokens(*multi, 0, x).ToVector(),
                     b = ChildTokens(*multi, 1, x).ToVector();
  for (int t = 0; t < 32; ++t) {
    for (int c = 0; c < 8; ++c) ASSERT_EQ(got[t * 14 + c], a[t * 8 + c]);
    for (int c = 0; c < 6; ++c) ASSERT_EQ(got[t * 14 + 8 + c], b[t * 6 + c]);
  }
  std::set<std::string> names;
  for (const auto& [n, t] : multi->NamedParameters()) names.insert(n);
  EXPECT_TRUE(names.count("encoders.0.blocks.0.attn.q.weight"));
  EXPECT_TRUE(names.count("encoders.1.stem.weight"));
  EXPECT_DOUBLE_EQ(multi->ForwardFlops(),
                   dynamic_cast<Encoder*>(multi->FindModule("encoders.0"))->ForwardFlops() +
                       dynamic_cast<Encoder*>(multi->FindModule("encoders.1"))->ForwardFlops());
}

TEST(Multi, SequenceConcatenatesTokens) {
  MultiEncoderOptions o;
  VitOptions cls = SmallVit();
  cls.set_cls_token(true);
  *o.add_encoders()->mutable_vit() = cls;
  *o.add_encoders()->mutable_conv() = SmallConv(4);  // out width 8
  std::unique_ptr<Encoder> multi = Make(o);
  const VisualShape shape = multi->OutputShape();
  EXPECT_EQ(shape.tokens, 17 + 16);
  EXPECT_EQ(shape.dim, 8);
  EXPECT_EQ(shape.grid_h, 0);
  EXPECT_FALSE(shape.cls);
  Tensor x = Tensor::RandN({2, 3, 16, 16}, 4);
  absl::StatusOr<EncodedImages> out = multi->Encode({x});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->tokens.shape(), (Shape{2, 33, 8}));
  EXPECT_EQ(out->grid_h, 0);
  EXPECT_FALSE(out->cls);
  std::vector<float> got = out->tokens.ToVector(), a = ChildTokens(*multi, 0, x).ToVector(),
                     b = ChildTokens(*multi, 1, x).ToVector();
  for (int n = 0; n < 2; ++n) {
    for (int i = 0; i < 17 * 8; ++i) ASSERT_EQ(got[n * 33 * 8 + i], a[n * 17 * 8 + i]);
    for (int i = 0; i < 16 * 8; ++i) ASSERT_EQ(got[n * 33 * 8 + 17 * 8 + i], b[n * 16 * 8 + i]);
  }
}

TEST(Multi, GradientsReachEveryChild) {
  MultiEncoderOptions o;
  o.set_combine(MultiEncoderOptions::CHANNEL);
  *o.add_encoders()->mutable_vit() = SmallVit();
  *o.add_encoders()->mutable_conv() = SmallConv(4);
  std::unique_ptr<Encoder> multi = Make(o);
  const std::vector<std::string> params = {"encoders.0.patch_embed.weight", "encoders.1.stem.bias"};
  std::vector<Tensor> inputs = {Tensor::RandN({1, 3, 16, 16}, 5)};
  for (const std::string& p : params) inputs.push_back(multi->StateDict().at(p).To(DType::kF32));
  Encoder* m = multi.get();
  GradCheckOptions gc;
  gc.eps = 3e-3;
  gc.max_elements_per_input = 16;
  absl::Status s = GradCheck(
      [m, params](const std::vector<Tensor>& in) -> absl::StatusOr<Tensor> {
        for (size_t i = 0; i < params.size(); ++i) {
          absl::Status st = m->SetParameter(params[i], in[i + 1]);
          if (!st.ok()) return st;
        }
        absl::StatusOr<EncodedImages> out = m->Encode({in[0]});
        if (!out.ok()) return out.status();
        return out->tokens;
      },
      inputs, gc);
  EXPECT_TRUE(s.ok()) << s;
}

TEST(Multi, MismatchedChildrenAreErrors) {
  MultiEncoderOptions seq;
  *seq.add_encoders()->mutable_vit() = SmallVit();
  *seq.add_encoders()->mutable_conv() = SmallConv(3);  // width 6 vs 8
  absl::StatusOr<std::unique_ptr<Encoder>> e = Create(seq);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(std::string(e.status().message()).find("SEQUENCE needs equal widths"),
            std::string::npos)
      << e.status();
  MultiEncoderOptions ch;
  ch.set_combine(MultiEncoderOptions::CHANNEL);
  VitOptions cls = SmallVit();
  cls.set_cls_token(true);
  *ch.add_encoders()->mutable_vit() = cls;
  *ch.add_encoders()->mutable_conv() = SmallConv(3);
  e = Create(ch);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(std::string(e.status().message()).find("CHANNEL needs the same tokens"),
            std::string::npos)
      << e.status();
  // At run time: native-resolution images give the vit another grid than the conv.
  MultiEncoderOptions native;
  native.set_combine(MultiEncoderOptions::CHANNEL);
  VitOptions nv = SmallVit();
  nv.set_native_resolution(true);
  *native.add_encoders()->mutable_vit() = nv;
  *native.add_encoders()->mutable_vit() = nv;
  std::unique_ptr<Encoder> ok = Make(native);
  EXPECT_TRUE(ok->Encode({Tensor::RandN({1, 3, 8, 16}, 1)}).ok());
  // A vit with 2-pixel patches on 8-pixel images has the same configured 4x4 grid, but an
  // 8x8 image gives it 4x4 and the first vit 2x2.
  MultiEncoderOptions mixed = native;
  VitOptions fine = nv;
  fine.set_image_size(8);
  fine.set_patch_size(2);
  *mixed.mutable_encoders(1)->mutable_vit() = fine;
  std::unique_ptr<Encoder> m = Make(mixed);
  EXPECT_TRUE(m->Encode({Tensor::RandN({1, 3, 8, 8}, 1)})
                  .status()
                  .message()
                  .find("CHANNEL needs the same tokens per image, but for these images encoders[0] "
                        "gives 4 (2x2) and encoders[1] gives 16 (4x4)") != absl::string_view::npos)
      << m->Encode({Tensor::RandN({1, 3, 8, 8}, 1)}).status();
  // A child's own error names the child.
  absl::StatusOr<EncodedImages> bad = m->Encode({Tensor::RandN({1, 3, 16, 16}, 1)});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("multi.encoders[1]: vit: images"),
            std::string::npos)
      << bad.status();
}

}  // namespace
}  // namespace vlmlab
