// `mim`: masked image modelling of the encoder (MimOptions in platform/spec/stages.proto).
//
// Per image, exactly round(mask_ratio x G) of the G cells of the encoder's output grid are
// masked: their pixels are set to 0 (the normalised mean; SimMIM-style masking at the input,
// so any grid encoder takes part, the conv encoder included). The stage head, a linear layer
// from the encoder width to the target width, reads the encoder's tokens (CLS dropped) and the
// loss covers the masked cells only:
//   PIXELS   mean over masked cells and pixel values of (prediction - cell pixels)^2, the
//            pixels of each cell normalised to mean 0, variance 1 first (normalize_pixels)
//   TEACHER  mean over masked cells of 1 - cos(prediction, teacher token), the teacher seeing
//            the unmasked image, frozen, in eval mode
// Masks are a pure function of (experiment seed, micro-batch number, image row), so a resumed
// run continues with the masks it would have drawn.
#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/autograd/grad_mode.h"
#include "platform/base/status_macros.h"
#include "platform/data/batch.h"
#include "platform/model/costs.h"
#include "platform/model/module_init.h"
#include "platform/model/vlm_model.h"
#include "platform/nn/linear.h"
#include "platform/ops/composite_ops.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/vision_ops.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/plugin_api/validation_context.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/slot_resolver.h"
#include "platform/spec/stages.pb.h"
#include "platform/tensor/counter_random.h"

namespace vlmlab {
namespace {

// The grid tokens of an encoder's output: [N, G, D] with the CLS token dropped.
absl::StatusOr<Tensor> GridTokens(const EncodedImages& e, const char* who) {
  const int64_t g = e.grid_h * e.grid_w;
  if (g <= 0 || e.tokens.size(1) != g + (e.cls ? 1 : 0)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "mim: the ", who, " gave ", e.tokens.DebugString(), " for a ", e.grid_h, " x ", e.grid_w,
        " grid; masked image modelling needs one token per grid cell (an encoder with a patch "
        "grid, no patch dropping in this stage)"));
  }
  if (!e.cls) return e.tokens;
  return ops::Slice(e.tokens, 1, 1, 1 + g);
}

class MimStage : public Stage {
 public:
  MimStage(const MimOptions& o, const BuildContext& ctx) : options_(o), context_(ctx) {}

  absl::StatusOr<std::unique_ptr<nn::Module>> BuildHead(const VlmModel& model) override {
    const ModelSummary& m = model.summary();
    const VisualShape& out = m.encoder_output;
    if (out.grid_h <= 0 || out.grid_w <= 0 || m.encoder_input.size % out.grid_h != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "mim: encoder '", m.encoder, "' gives no patch grid that divides its ",
          m.encoder_input.size, " px images; masked image modelling needs one"));
    }
    int64_t target_dim = 0;
    if (options_.target() == MimOptions::TEACHER) {
      VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<Encoder> t, CreateTeacher());
      target_dim = t->OutputShape().dim;
    } else {
      const int64_t cell = m.encoder_input.size / out.grid_h;
      target_dim = m.encoder_input.channels * cell * cell;
    }
    return std::make_unique<nn::Linear>(out.dim, target_dim);
  }

  absl::Status Prepare(VlmModel& model, const StageContext& context) override {
    micro_batches_ = context.micro_batches_done;
    if (options_.target() != MimOptions::TEACHER) return absl::OkStatus();
    VLMLAB_ASSIGN_OR_RETURN(teacher_, CreateTeacher());
    VLMLAB_RETURN_IF_ERROR(Prefixed(teacher_->Build(), "mim.teacher"));
    std::vector<std::string> notes;
    VLMLAB_RETURN_IF_ERROR(InitModuleFromCheckpoint(
        "mim.teacher", options_.teacher().init(), *teacher_, *teacher_, &notes));
    for (auto& [name, p] : teacher_->NamedParameters()) p.set_requires_grad(false);
    teacher_->SetTraining(false);
    return absl::OkStatus();
  }

  absl::StatusOr<StageLoss> Loss(VlmModel& model, const data::Batch& batch) override {
    if (!batch.images.defined() || batch.images.size(0) == 0) {
      return absl::InvalidArgumentError(
          "mim: the batch has no images; masked image modelling needs image data");
    }
    nn::Module* head = model.stage_head();
    if (head == nullptr || head->NumParameters() == 0) {
      return absl::FailedPreconditionError("mim: the stage head was not attached");
    }
    VLMLAB_ASSIGN_OR_RETURN(Encoder * encoder, model.encoder());
    const Tensor& images = batch.images;  // [N, C, H, W]
    const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
    const VisualShape grid = encoder->OutputShape();
    const int64_t gh = grid.grid_h, gw = grid.grid_w, g = gh * gw;
    if (gh <= 0 || h % gh != 0 || w % gw != 0 || h / gh != w / gw) {
      return absl::FailedPreconditionError(absl::StrCat(
          "mim: ", h, " x ", w, " px images do not divide into the encoder's ", gh, " x ", gw,
          " grid of square cells"));
    }
    const int64_t cell = h / gh;
    const uint64_t draw = micro_batches_++;
    // Masks: exactly k cells per image, a partial Fisher-Yates shuffle of the counter stream.
    const int64_t k = std::clamp<int64_t>(std::llround(options_.mask_ratio() * g), 1, g);
    std::vector<float> masked(n * g, 0.0f);
    for (int64_t i = 0; i < n; ++i) {
      std::vector<int64_t> order(g);
      std::iota(order.begin(), order.end(), 0);
      const uint64_t stream = Mix64(context_.seed ^ Mix64(draw * 1000003ull + i));
      for (int64_t j = 0; j < k; ++j) {
        const int64_t pick = j + static_cast<int64_t>(CounterBits(stream, j) % (g - j));
        std::swap(order[j], order[pick]);
        masked[i * g + order[j]] = 1.0f;
      }
    }
    // The masked input: the cells' pixels set to 0.
    std::vector<float> pixels = images.Contiguous().ToVector();
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t cell_index = 0; cell_index < g; ++cell_index) {
        if (masked[i * g + cell_index] == 0) continue;
        const int64_t y0 = (cell_index / gw) * cell, x0 = (cell_index % gw) * cell;
        for (int64_t ch = 0; ch < c; ++ch) {
          for (int64_t y = y0; y < y0 + cell; ++y) {
            float* row = &pixels[((i * c + ch) * h + y) * w + x0];
            std::fill(row, row + cell, 0.0f);
          }
        }
      }
    }
    absl::StatusOr<EncodedImages> encoded =
        encoder->Encode(ImageBatch{Tensor::FromVector(images.shape(), pixels), batch.image_sizes});
    VLMLAB_RETURN_IF_ERROR(Prefixed(encoded.status(), "model.encoder"));
    VLMLAB_ASSIGN_OR_RETURN(Tensor tokens, GridTokens(*encoded, "encoder"));  // [N, G, D]
    VLMLAB_ASSIGN_OR_RETURN(Tensor prediction, head->Forward(tokens));        // [N, G, P]
    const int64_t p = prediction.size(2);

    StageLoss out;
    out.samples = batch.size();
    const double encoder_flops = ForwardFlopsPerSample(model, 0, 1).encoder;
    out.flops = 3 * n * (encoder_flops + 2.0 * grid.dim * p);
    if (options_.target() == MimOptions::TEACHER) {
      if (teacher_ == nullptr) return absl::FailedPreconditionError("mim: no teacher loaded");
      Tensor target;
      {
        NoGradScope no_grad;
        absl::StatusOr<EncodedImages> t = teacher_->Encode(ImageBatch{images, batch.image_sizes});
        VLMLAB_RETURN_IF_ERROR(Prefixed(t.status(), "mim.teacher"));
        VLMLAB_ASSIGN_OR_RETURN(target, GridTokens(*t, "teacher"));
      }
      if (target.size(1) != g || target.size(2) != p) {
        return absl::FailedPreconditionError(absl::StrCat(
            "mim.teacher: its tokens ", target.DebugString(), " do not match the encoder's ",
            gh, " x ", gw, " grid of ", p, "-wide predictions"));
      }
      out.flops += n * teacher_->ForwardFlops();
      VLMLAB_ASSIGN_OR_RETURN(Tensor pn, ops::L2Normalize(prediction));
      VLMLAB_ASSIGN_OR_RETURN(Tensor tn, ops::L2Normalize(target.Detach()));
      VLMLAB_ASSIGN_OR_RETURN(Tensor prod, ops::Mul(pn, tn));
      VLMLAB_ASSIGN_OR_RETURN(Tensor cosine, ops::Sum(prod, {-1}));  // [N, G]
      std::vector<float> weights(masked);
      for (float& x : weights) x /= static_cast<float>(n * k);
      VLMLAB_ASSIGN_OR_RETURN(Tensor weighted,
                              ops::Mul(cosine, Tensor::FromVector({n, g}, weights)));
      VLMLAB_ASSIGN_OR_RETURN(Tensor mean_cos, ops::Sum(weighted));
      VLMLAB_ASSIGN_OR_RETURN(Tensor neg, ops::Scale(mean_cos, -1.0f));
      VLMLAB_ASSIGN_OR_RETURN(out.loss, ops::AddScalar(neg, 1.0f));
      out.metrics["mim/cosine"] = mean_cos.ToVector()[0];
      return out;
    }
    VLMLAB_ASSIGN_OR_RETURN(Tensor patches, ops::ImageToPatches(images.Detach(), cell));
    std::vector<float> target = patches.Contiguous().ToVector();  // [N, G, C * cell * cell]
    if (static_cast<int64_t>(target.size()) != n * g * p) {
      return absl::FailedPreconditionError(absl::StrCat(
          "mim: the head predicts ", p, " values per cell, the cells hold ",
          target.size() / (n * g), " (the encoder's cell size changed since the stage began)"));
    }
    if (options_.normalize_pixels()) {
      for (int64_t r = 0; r < n * g; ++r) {
        float* v = &target[r * p];
        double mean = 0, var = 0;
        for (int64_t j = 0; j < p; ++j) mean += v[j] / p;
        for (int64_t j = 0; j < p; ++j) var += (v[j] - mean) * (v[j] - mean) / p;
        const double inv = 1.0 / std::sqrt(var + 1e-6);
        for (int64_t j = 0; j < p; ++j) v[j] = static_cast<float>((v[j] - mean) * inv);
      }
    }
    VLMLAB_ASSIGN_OR_RETURN(Tensor diff,
                            ops::Sub(prediction, Tensor::FromVector({n, g, p}, target)));
    VLMLAB_ASSIGN_OR_RETURN(Tensor sq, ops::Square(diff));
    std::vector<float> weights(masked);
    for (float& x : weights) x /= static_cast<float>(n * k * p);
    VLMLAB_ASSIGN_OR_RETURN(Tensor weighted,
                            ops::Mul(sq, Tensor::FromVector({n, g, 1}, weights)));
    VLMLAB_ASSIGN_OR_RETURN(out.loss, ops::Sum(weighted));
    return out;
  }

 private:
  absl::StatusOr<std::unique_ptr<Encoder>> CreateTeacher() const {
    absl::StatusOr<std::unique_ptr<Encoder>> t =
        CreateFromSlot<Encoder>(options_.teacher(), *context_.registries, context_);
    VLMLAB_RETURN_IF_ERROR(Prefixed(t.status(), "mim.teacher"));
    return std::move(*t);
  }

  MimOptions options_;
  BuildContext context_;
  std::unique_ptr<Encoder> teacher_;
  int64_t micro_batches_ = 0;
};

VLMLAB_REGISTER_PLUGIN(
    Stage, MimOptions, "mim",
    "Masked image modelling of the encoder: pixels (MAE/SimMIM) or a frozen teacher's features "
    "(EVA)",
    [](const MimOptions& o, const BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<Stage>> {
      if (ctx.registries == nullptr) {
        return absl::InvalidArgumentError("mim: built without plugin registries");
      }
      return std::make_unique<MimStage>(o, ctx);
    },
    [](const MimOptions& o, ValidationContext& ctx) {
      const bool teacher = o.target() == MimOptions::TEACHER;
      if (teacher && !o.has_teacher()) {
        ctx.Error("teacher", "required with target: TEACHER: the frozen encoder whose tokens "
                             "are the target, e.g. teacher { conv { ... } init { path: ... } }");
      }
      if (teacher && o.has_teacher() && !o.teacher().has_init()) {
        ctx.Error("teacher.init", "the teacher must be a trained encoder: give its checkpoint, "
                                  "init { path: \"runs/RUN/checkpoints/ckpt-00002000\" prefix: "
                                  "\"encoder.\" }");
      }
      if (!teacher && o.has_teacher()) {
        ctx.Error("teacher", "used only with target: TEACHER; remove it or set the target");
      }
      if (teacher && o.has_normalize_pixels()) {
        ctx.Error("normalize_pixels", "applies to target: PIXELS only; remove it");
      }
      return absl::OkStatus();
    });

}  // namespace
}  // namespace vlmlab
