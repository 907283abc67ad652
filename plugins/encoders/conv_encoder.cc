// `conv`: a small residual CNN encoder, a different inductive bias to compare with `vit`.
//
//   encoder { conv { image_size: 64 width: 32 stages: 3 blocks_per_stage: 2 } }
//
// Feature maps stay channels-last ([N, H, W, C]) throughout, so the normalisation is a
// LayerNorm over each position's channels and the output needs no transpose. Pre-activation
// residual design (ResNet v2), with act = GELU (tanh approximation) or ReLU and norm =
// LayerNorm over channels or nothing:
//   stem:   PATCHIFY: conv k x k, stride stem_stride (k = 3, padding 1 for strides 1 and 2;
//           otherwise k = stem_stride, no padding: a patchify stem), channels -> width
//           CONV3_STACK: log2(stem_stride) convs 3x3 stride 2 (padding 1), the first
//           channels -> width and the rest width -> width, with act(norm(.)) between them
//           ("early convolutions": overlapping receptive fields before the first token)
//   stage 0: blocks_per_stage residual blocks at width
//   stage s > 0: down doubling the channels, then blocks; down is a conv 3x3 stride 2 (padding
//           1) after norm and act (NORM_ACT_CONV3), or a conv 2x2 stride 2 after the norm alone
//           (NORM_CONV2, ConvNeXt: a linear path from the stem to the tokens)
//   block:  x + conv2(act(norm2(conv1(act(norm1(x))))))      (3x3 convs, padding 1)
//   output: norm(x) flattened to tokens [N, h*w, width * 2^(stages-1)], grid h x w
// Images may be any size whose sides are multiples of the total stride
// (stem_stride * 2^(stages-1)); the grid in EncodedImages is the actual one.
//
// Parameter names (children of the model's "encoder"):
//   stem.{weight,bias}                                   weight [width, channels, k, k]
//   or, CONV3_STACK: stem.convs.<i>.{weight,bias}, stem.norms.<i>.{weight,bias} (i < last)
//   stages.<s>.down_norm.{weight,bias}, stages.<s>.down.{weight,bias}      (s > 0)
//   stages.<s>.blocks.<b>.{norm1,conv1,norm2,conv2}.{weight,bias}
//   norm.{weight,bias}
// (no norm_* / down_norm / norm parameters with norm: NO_NORM).
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/nn/module.h"
#include "platform/nn/norm_layers.h"
#include "platform/ops/conv_ops.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/encoders.pb.h"
#include "plugins/encoders/conv_layer.h"

namespace vlmlab {
namespace {

constexpr float kNormEps = 1e-6f;

// Total downsampling: the stem's stride, then a halving per stage after the first.
int64_t Downsampling(const ConvEncoderOptions& o) {
  return static_cast<int64_t>(o.stem_stride()) << (o.stages() - 1);
}

int64_t StemKernel(int64_t stride) { return stride <= 2 ? 3 : stride; }
int64_t StemPadding(int64_t stride) { return stride <= 2 ? 1 : 0; }

// CONV3_STACK halves the grid per conv, so its stride must be 2, 4, 8, ...
bool StemStrideFitsStem(const ConvEncoderOptions& o) {
  const int64_t s = o.stem_stride();
  return o.stem() != ConvEncoderOptions::CONV3_STACK || (s >= 2 && (s & (s - 1)) == 0);
}

// Convolutions of a CONV3_STACK stem: log2(stem_stride).
int64_t StackedStemLayers(int64_t stride) {
  int64_t layers = 0;
  while ((int64_t{2} << layers) <= stride) ++layers;
  return layers;
}
int64_t DownKernel(ConvEncoderOptions::Downsample d) {
  return d == ConvEncoderOptions::NORM_CONV2 ? 2 : 3;
}
int64_t DownPadding(ConvEncoderOptions::Downsample d) {
  return d == ConvEncoderOptions::NORM_CONV2 ? 0 : 1;
}

// norm (optional) then the activation.
class NormAct {
 public:
  NormAct(nn::Submodule norm, ConvEncoderOptions::Activation act) : norm_(norm), act_(act) {}
  absl::StatusOr<Tensor> operator()(const Tensor& x) const {
    Tensor h = x;
    if (norm_) {
      VLMLAB_ASSIGN_OR_RETURN(h, norm_->Forward(h));
    }
    return act_ == ConvEncoderOptions::RELU ? ops::Relu(h) : ops::Gelu(h);
  }

 private:
  nn::Submodule norm_;
  ConvEncoderOptions::Activation act_;
};

class ResidualBlock : public nn::Module {
 public:
  ResidualBlock(int64_t channels, bool norm, ConvEncoderOptions::Activation act) : act_(act) {
    if (norm) norm1_ = RegisterModule("norm1", std::make_unique<nn::LayerNorm>(channels, kNormEps));
    conv1_ = RegisterModule("conv1", std::make_unique<Conv2dLayer>(channels, channels, 3, 1, 1));
    if (norm) norm2_ = RegisterModule("norm2", std::make_unique<nn::LayerNorm>(channels, kNormEps));
    conv2_ = RegisterModule("conv2", std::make_unique<Conv2dLayer>(channels, channels, 3, 1, 1));
  }
  const char* type_name() const override { return "ResidualBlock"; }
  absl::StatusOr<Tensor> Forward(const Tensor& x) override {  // [N, H, W, C]
    VLMLAB_ASSIGN_OR_RETURN(Tensor h, NormAct(norm1_, act_)(x));
    VLMLAB_ASSIGN_OR_RETURN(h, conv1_->Forward(h));
    VLMLAB_ASSIGN_OR_RETURN(h, NormAct(norm2_, act_)(h));
    VLMLAB_ASSIGN_OR_RETURN(h, conv2_->Forward(h));
    return ops::Add(x, h);
  }

 private:
  ConvEncoderOptions::Activation act_;
  nn::Submodule norm1_, conv1_, norm2_, conv2_;
};

class ConvStage : public nn::Module {
 public:
  // in_channels == channels for the first stage (no downsampling).
  ConvStage(int64_t in_channels, int64_t channels, int64_t blocks, bool norm,
            ConvEncoderOptions::Activation act, ConvEncoderOptions::Downsample downsample)
      : act_(act), down_act_(downsample == ConvEncoderOptions::NORM_ACT_CONV3) {
    if (in_channels != channels) {
      if (norm) {
        down_norm_ =
            RegisterModule("down_norm", std::make_unique<nn::LayerNorm>(in_channels, kNormEps));
      }
      const int64_t k = DownKernel(downsample);
      down_ = RegisterModule("down", std::make_unique<Conv2dLayer>(in_channels, channels, k, 2,
                                                                   DownPadding(downsample)));
    }
    auto list = std::make_unique<nn::ModuleList>();
    for (int64_t b = 0; b < blocks; ++b) {
      list->Append(std::make_unique<ResidualBlock>(channels, norm, act));
    }
    blocks_ = RegisterModule("blocks", std::move(list));
  }
  const char* type_name() const override { return "ConvStage"; }
  absl::StatusOr<Tensor> Forward(const Tensor& x) override {
    Tensor h = x;
    if (down_) {
      if (down_act_) {
        VLMLAB_ASSIGN_OR_RETURN(h, NormAct(down_norm_, act_)(h));
      } else if (down_norm_) {
        VLMLAB_ASSIGN_OR_RETURN(h, down_norm_->Forward(h));
      }
      VLMLAB_ASSIGN_OR_RETURN(h, down_->Forward(h));
    }
    return blocks_->Forward(h);
  }

 private:
  ConvEncoderOptions::Activation act_;
  bool down_act_;
  nn::Submodule down_norm_, down_, blocks_;
};

// CONV3_STACK stem: 3x3 stride-2 convs with act(norm(.)) between them.
class StackedStem : public nn::Module {
 public:
  StackedStem(int64_t in_channels, int64_t width, int64_t layers, bool norm,
              ConvEncoderOptions::Activation act)
      : act_(act) {
    auto convs = std::make_unique<nn::ModuleList>();
    auto norms = std::make_unique<nn::ModuleList>();
    for (int64_t i = 0; i < layers; ++i) {
      convs_.push_back(convs->Append(
          std::make_unique<Conv2dLayer>(i == 0 ? in_channels : width, width, 3, 2, 1)));
      // Between convolutions only; with NO_NORM the activation stays.
      norms_.push_back(norm && i + 1 < layers
                           ? norms->Append(std::make_unique<nn::LayerNorm>(width, kNormEps))
                           : nn::Submodule());
    }
    RegisterModule("convs", std::move(convs));
    if (norms->size() > 0) RegisterModule("norms", std::move(norms));
  }
  const char* type_name() const override { return "StackedStem"; }
  absl::StatusOr<Tensor> Forward(const Tensor& x) override {  // [N, H, W, C]
    Tensor h = x;
    for (size_t i = 0; i < convs_.size(); ++i) {
      VLMLAB_ASSIGN_OR_RETURN(h, convs_[i]->Forward(h));  // [N, H / 2^(i+1), W / 2^(i+1), width]
      if (i + 1 < convs_.size()) {
        VLMLAB_ASSIGN_OR_RETURN(h, NormAct(norms_[i], act_)(h));
      }
    }
    return h;
  }

 private:
  ConvEncoderOptions::Activation act_;
  std::vector<nn::Submodule> convs_, norms_;
};

class ConvEncoder : public Encoder {
 public:
  ConvEncoder(const ConvEncoderOptions& options, uint64_t seed)
      : options_(options), seed_(seed), size_(options.image_size()) {}
  const char* type_name() const override { return "ConvEncoder"; }

  int64_t out_width() const {
    return static_cast<int64_t>(options_.width()) << (options_.stages() - 1);
  }

  ImageInputSpec InputSpec() const override {
    ImageInputSpec in;  // images normalised to [-1, 1]
    in.size = size_;
    in.channels = options_.channels();
    in.patch = Downsampling(options_);
    return in;
  }

  VisualShape OutputShape() const override {
    int64_t grid = size_ / Downsampling(options_);
    return VisualShape{grid * grid, out_width(), grid, grid};
  }

  absl::Status Build() override {
    if (built_) return absl::FailedPreconditionError("conv: Build called twice");
    VLMLAB_RETURN_IF_ERROR(CheckOptions());
    const bool norm = options_.norm() == ConvEncoderOptions::LAYER_NORM;
    const int64_t s = options_.stem_stride();
    if (options_.stem() == ConvEncoderOptions::CONV3_STACK) {
      stem_ = RegisterModule(
          "stem", std::make_unique<StackedStem>(options_.channels(), options_.width(),
                                                StackedStemLayers(s), norm, options_.activation()));
    } else {
      stem_ = RegisterModule("stem",
                             std::make_unique<Conv2dLayer>(options_.channels(), options_.width(),
                                                           StemKernel(s), s, StemPadding(s)));
    }
    auto stages = std::make_unique<nn::ModuleList>();
    int64_t channels = options_.width();
    for (int i = 0; i < options_.stages(); ++i) {
      const int64_t out = i == 0 ? channels : channels * 2;
      stages->Append(std::make_unique<ConvStage>(channels, out, options_.blocks_per_stage(), norm,
                                                 options_.activation(), options_.downsample()));
      channels = out;
    }
    stages_ = RegisterModule("stages", std::move(stages));
    if (norm) norm_ = RegisterModule("norm", std::make_unique<nn::LayerNorm>(channels, kNormEps));
    built_ = true;
    Initialize(seed_);
    return absl::OkStatus();
  }

  absl::StatusOr<EncodedImages> Encode(const ImageBatch& images) override {
    if (!built_) return absl::FailedPreconditionError("conv: Encode before Build");
    const Tensor& pixels = images.pixels;
    VLMLAB_RETURN_IF_ERROR(CheckImages(pixels));
    VLMLAB_ASSIGN_OR_RETURN(Tensor x, ops::Permute(pixels, {0, 2, 3, 1}));  // [N, H, W, C]
    VLMLAB_ASSIGN_OR_RETURN(x, stem_->Forward(x));
    VLMLAB_ASSIGN_OR_RETURN(x, stages_->Forward(x));  // [N, h, w, D]
    if (norm_) {
      VLMLAB_ASSIGN_OR_RETURN(x, norm_->Forward(x));
    }
    EncodedImages out;
    out.grid_h = x.size(1);
    out.grid_w = x.size(2);
    VLMLAB_ASSIGN_OR_RETURN(out.tokens,
                            ops::Reshape(x, {x.size(0), out.grid_h * out.grid_w, x.size(3)}));
    return out;
  }

  // Fully convolutional: any multiple of the total stride works with the same weights.
  absl::Status SetImageSize(int64_t size) override {
    const int64_t down = Downsampling(options_);
    if (size < down || size % down != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "conv: image size ", size, " is not a positive multiple of the total stride ", down));
    }
    size_ = size;
    return absl::OkStatus();
  }

  Flops ForwardFlops() const override {
    const int64_t s = options_.stem_stride(), k = StemKernel(s);
    int64_t side = size_ / s;
    int64_t c = options_.width();
    int64_t macs = 0;
    if (options_.stem() == ConvEncoderOptions::CONV3_STACK) {
      int64_t in = options_.channels(), stem_side = size_;
      for (int64_t i = 0; i < StackedStemLayers(s); ++i) {
        stem_side /= 2;
        macs += ops::Conv2dMacs(1, stem_side, stem_side, in, c, 3, 3);
        in = c;
      }
    } else {
      macs += ops::Conv2dMacs(1, side, side, options_.channels(), c, k, k);
    }
    for (int i = 0; i < options_.stages(); ++i) {
      if (i > 0) {
        side /= 2;
        const int64_t dk = DownKernel(options_.downsample());
        macs += ops::Conv2dMacs(1, side, side, c, 2 * c, dk, dk);
        c *= 2;
      }
      macs += 2 * options_.blocks_per_stage() * ops::Conv2dMacs(1, side, side, c, c, 3, 3);
    }
    return 2.0 * static_cast<double>(macs);
  }

 private:
  absl::Status CheckOptions() const {
    const ConvEncoderOptions& o = options_;
    if (o.stages() < 1 || o.stages() > 8 || o.stem_stride() < 1 || o.width() < 1 ||
        o.channels() < 1 || o.blocks_per_stage() < 1 || o.image_size() < 1) {
      return absl::InvalidArgumentError(
          "conv: stages must be in 1..8 and image_size, channels, width, blocks_per_stage, "
          "stem_stride >= 1");
    }
    if (!StemStrideFitsStem(o)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "conv.stem CONV3_STACK needs stem_stride a power of two >= 2, not ", o.stem_stride()));
    }
    if (o.image_size() % Downsampling(o) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("conv.image_size ", o.image_size(),
                                                     " is not a multiple of the total stride ",
                                                     Downsampling(o)));
    }
    return absl::OkStatus();
  }

  absl::Status CheckImages(const Tensor& pixels) const {
    const std::string prefix =
        absl::StrCat("conv: images ",
                     pixels.defined() ? pixels.DebugString() : std::string("(undefined)"), ": ");
    if (!pixels.defined() || pixels.dim() != 4 || pixels.dtype() != DType::kF32) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, "want f32 [N, C, H, W]"));
    }
    if (pixels.size(1) != options_.channels()) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, pixels.size(1), " channels, but conv.channels is ",
                       options_.channels(), "; convert the images or set channels"));
    }
    const int64_t down = Downsampling(options_), h = pixels.size(2), w = pixels.size(3);
    if (h < down || w < down || h % down != 0 || w % down != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, "height ", h, " and width ", w,
                       " must be positive multiples of the total stride ", down, " (stem_stride ",
                       options_.stem_stride(), " x 2^(stages - 1))"));
    }
    return absl::OkStatus();
  }

  ConvEncoderOptions options_;
  uint64_t seed_;
  int64_t size_;  // current image side (SetImageSize); the configured image_size by default
  bool built_ = false;
  nn::Submodule stem_, stages_, norm_;
};

void ValidateConv(const ConvEncoderOptions& o, ValidationContext& ctx) {
  if (o.stages() < 1 || o.stages() > 8 || o.stem_stride() < 1) return;  // range errors already
  if (!StemStrideFitsStem(o)) {
    ctx.Error("stem", absl::StrCat("CONV3_STACK halves the grid per 3x3 conv, so stem_stride must "
                                   "be a power of two >= 2 (2, 4, 8, ...), not ",
                                   o.stem_stride(), "; use stem: PATCHIFY for other strides"));
  }
  int64_t down = Downsampling(o);
  if (o.image_size() % down != 0) {
    ctx.Error("image_size",
              absl::StrCat("image_size ", o.image_size(), " is not a multiple of the total stride ",
                           down, " (stem_stride ", o.stem_stride(), " x 2^(stages - 1))"));
  }
}

VLMLAB_REGISTER_PLUGIN(
    Encoder, ConvEncoderOptions, "conv", "Residual CNN: strided stem, stages halving resolution",
    [](const ConvEncoderOptions& o,
       const BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<Encoder>> {
      return std::make_unique<ConvEncoder>(o, ctx.seed);
    },
    ValidateConv);

}  // namespace
}  // namespace vlmlab
