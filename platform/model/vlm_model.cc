#include "platform/model/vlm_model.h"

#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "platform/autograd/grad_mode.h"
#include "platform/base/status_macros.h"
#include "platform/ops/cross_entropy_ops.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/spec/slot_resolver.h"

namespace vlmlab {
namespace {

template <typename T>
absl::StatusOr<T*> Child(const nn::Submodule& m, const char* name) {
  T* p = m.As<T>();
  if (p == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("vlm model: child \"", name,
                                                      "\" was replaced by a ", m->type_name(),
                                                      ", which is not a ", name, " plugin"));
  }
  return p;
}

absl::Status InPart(const char* part, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat("model.", part, ": ", s.message()));
}

bool IsI32Matrix(const Tensor& t, int64_t b, int64_t n) {
  return t.defined() && t.dtype() == DType::kI32 && t.dim() == 2 && t.size(0) == b &&
         t.size(1) == n;
}

}  // namespace

Tensor PositionsFromMask(const Tensor& mask, int64_t batch, int64_t tokens,
                         const Tensor& segment_ids) {
  std::vector<int32_t> pos(batch * tokens);
  std::vector<int32_t> m = mask.defined() ? mask.Contiguous().ToInts() : std::vector<int32_t>();
  std::vector<int32_t> seg =
      segment_ids.defined() ? segment_ids.Contiguous().ToInts() : std::vector<int32_t>();
  std::map<int32_t, int32_t> seen;  // segment -> real tokens so far in this row
  for (int64_t b = 0; b < batch; ++b) {
    seen.clear();
    for (int64_t t = 0; t < tokens; ++t) {
      int32_t& count = seen[seg.empty() ? 0 : seg[b * tokens + t]];
      pos[b * tokens + t] = count;
      if (m.empty() || m[b * tokens + t] != 0) ++count;
    }
  }
  return Tensor::FromInts({batch, tokens}, pos);
}

ImageSettings StageImageSettings(const StageSpec& stage) {
  ImageSettings s;
  s.image_size = stage.image_size();
  s.max_tiles_per_side = stage.image_splitting() ? stage.max_tiles_per_side() : 0;
  return s;
}

absl::Status VlmModel::SetImageSettings(const ImageSettings& settings) {
  VLMLAB_ASSIGN_OR_RETURN(Encoder * enc, encoder());
  VLMLAB_ASSIGN_OR_RETURN(Projector * proj, projector());
  VLMLAB_ASSIGN_OR_RETURN(Fusion * fuse, fusion());
  const int64_t size = settings.image_size > 0 ? settings.image_size : configured_image_size_;
  const int64_t before = enc->InputSpec().size;
  auto fail = [&](const char* part, const absl::Status& s) {
    // Leave the encoder at its previous size; the model stays as it was.
    if (enc->InputSpec().size != before) enc->SetImageSize(before).IgnoreError();
    return absl::Status(s.code(),
                        absl::StrCat("at image size ", size, ": model.", part, ": ", s.message()));
  };
  if (size != before) {
    absl::Status s = enc->SetImageSize(size);
    if (!s.ok()) return fail("encoder", s);
  }
  const VisualShape encoded = enc->OutputShape();
  absl::StatusOr<VisualShape> visual = proj->OutputShape(encoded, summary_.llm_shape);
  if (!visual.ok()) return fail("projector", visual.status());
  absl::Status fits = fuse->CheckCompatible(*visual, summary_.llm_shape);
  if (!fits.ok()) return fail("fusion", fits);
  summary_.encoder_input = enc->InputSpec();
  summary_.encoder_output = encoded;
  summary_.visual_tokens = *visual;
  layout_ = fuse->Layout(*visual);
  image_settings_ = settings;
  return absl::OkStatus();
}

absl::StatusOr<Encoder*> VlmModel::encoder() const { return Child<Encoder>(encoder_, "encoder"); }
absl::StatusOr<Projector*> VlmModel::projector() const {
  return Child<Projector>(projector_, "projector");
}
absl::StatusOr<Fusion*> VlmModel::fusion() const { return Child<Fusion>(fusion_, "fusion"); }
absl::StatusOr<Llm*> VlmModel::llm() const { return Child<Llm>(llm_, "llm"); }

void VlmModel::SetStageHead(std::unique_ptr<nn::Module> head) {
  if (head == nullptr) head = std::make_unique<nn::Module>();  // no parameters
  head->SetTraining(is_training());
  if (stage_head() == nullptr) {
    RegisterModule("stage_head", std::move(head));
    return;
  }
  absl::StatusOr<std::unique_ptr<nn::Module>> old = ReplaceModule("stage_head", std::move(head));
  CHECK(old.ok()) << old.status();  // the child exists: replacing it cannot fail
}

nn::TensorMap WithoutStageHead(const nn::TensorMap& tensors) {
  nn::TensorMap out;
  for (const auto& [name, t] : tensors) {
    if (!absl::StartsWith(name, kStageHeadPrefix)) out[name] = t;
  }
  return out;
}

absl::StatusOr<TextTower*> VlmModel::text_tower() const {
  if (!text_tower_) {
    return absl::FailedPreconditionError(
        "model.text_tower is not set: contrastive training and zero-shot evaluation embed "
        "captions with it; add e.g. text_tower { transformer { gpt2 { hidden: 64 layers: 2 "
        "heads: 4 max_seq_len: 64 } } } (or model_llm {}) to the model");
  }
  return Child<TextTower>(text_tower_, "text_tower");
}

absl::StatusOr<Tensor> VlmModel::ImageEmbeddings(
    const Tensor& images, const std::vector<std::array<int64_t, 2>>& sizes) {
  VLMLAB_ASSIGN_OR_RETURN(TextTower * tower, text_tower());
  VLMLAB_ASSIGN_OR_RETURN(Encoder * enc, encoder());
  if (!images.defined() || images.dim() != 4 || images.size(0) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("image embeddings need images f32 [N, C, H, W] with N > 0, got ",
                     images.DebugString()));
  }
  absl::StatusOr<EncodedImages> encoded = enc->Encode(ImageBatch{images, sizes});
  if (!encoded.ok()) return InPart("encoder", encoded.status());
  absl::StatusOr<Tensor> e = tower->EmbedImages(*encoded);
  if (!e.ok()) return InPart("text_tower", e.status());
  return *e;
}

absl::StatusOr<Tensor> VlmModel::TextEmbeddings(const Tensor& ids, const Tensor& mask) {
  VLMLAB_ASSIGN_OR_RETURN(TextTower * tower, text_tower());
  VLMLAB_ASSIGN_OR_RETURN(Llm * lm, llm());
  absl::StatusOr<Tensor> e = tower->EmbedText(ids, mask, *lm);
  if (!e.ok()) return InPart("text_tower", e.status());
  return *e;
}

absl::Status VlmModel::CheckInputs(const ModelInputs& in, bool need_labels) const {
  const Tensor& ids = in.input_ids;
  if (!ids.defined() || ids.dtype() != DType::kI32 || ids.dim() != 2 || ids.size(1) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("model inputs: input_ids ", ids.defined() ? ids.DebugString() : "undefined",
                     " must be i32 [batch, tokens] with at least one token"));
  }
  const int64_t b = ids.size(0), t = ids.size(1);
  if (in.key_padding_mask.defined() && !IsI32Matrix(in.key_padding_mask, b, t)) {
    return absl::InvalidArgumentError(
        absl::StrCat("model inputs: key_padding_mask ", in.key_padding_mask.DebugString(),
                     " must be i32 [", b, ", ", t, "] like input_ids"));
  }
  auto check_optional = [&](const char* name, const Tensor& tensor) {
    if (!tensor.defined() || IsI32Matrix(tensor, b, t)) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("model inputs: ", name, " ",
                                                   tensor.DebugString(), " must be i32 [", b, ", ",
                                                   t, "] like input_ids"));
  };
  VLMLAB_RETURN_IF_ERROR(check_optional("segment_ids", in.segment_ids));
  VLMLAB_RETURN_IF_ERROR(check_optional("positions", in.positions));
  if (need_labels && !IsI32Matrix(in.labels, b, t)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model inputs: labels ", in.labels.defined() ? in.labels.DebugString() : "undefined",
        " must be i32 [", b, ", ", t, "] like input_ids (-1 where there is no target)"));
  }
  if (t > summary_.llm_shape.max_seq_len && summary_.llm_shape.max_seq_len > 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model inputs: ", t, " tokens exceed the LLM's max_seq_len ",
        summary_.llm_shape.max_seq_len, "; truncate the samples or raise llm.max_seq_len"));
  }
  if (in.images.defined() && in.images.dim() != 4) {
    return absl::InvalidArgumentError(absl::StrCat("model inputs: images ", in.images.DebugString(),
                                                   " must be f32 [N, C, H, W]"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Tensor> VlmModel::VisualTokens(const Tensor& images,
                                              const std::vector<std::array<int64_t, 2>>& sizes) {
  if (!images.defined() || images.size(0) == 0) return Tensor();
  VLMLAB_ASSIGN_OR_RETURN(Encoder * enc, encoder());
  VLMLAB_ASSIGN_OR_RETURN(Projector * proj, projector());
  absl::StatusOr<EncodedImages> encoded = enc->Encode(ImageBatch{images, sizes});
  if (!encoded.ok()) return InPart("encoder", encoded.status());
  absl::StatusOr<Tensor> visual = proj->Project(*encoded);  // [N, V, H]
  if (!visual.ok()) return InPart("projector", visual.status());
  const VisualShape& v = summary_.visual_tokens;
  if (visual->dim() != 3 || visual->size(0) != images.size(0) || visual->size(1) != v.tokens ||
      visual->size(2) != v.dim) {
    return absl::InternalError(absl::StrCat("model.projector: produced ", visual->DebugString(),
                                            " for ", images.size(0),
                                            " images; its OutputShape "
                                            "promised [",
                                            images.size(0), ", ", v.tokens, ", ", v.dim, "]"));
  }
  return *visual;
}

absl::StatusOr<FusedSequence> VlmModel::FuseInputs(const ModelInputs& in) {
  VLMLAB_ASSIGN_OR_RETURN(Tensor visual, VisualTokens(in.images, in.image_sizes));
  VLMLAB_ASSIGN_OR_RETURN(Fusion * fuse, fusion());
  VLMLAB_ASSIGN_OR_RETURN(Llm * lm, llm());
  absl::StatusOr<Tensor> text = lm->Embed(in.input_ids);  // [B, T, H]
  if (!text.ok()) return InPart("llm", text.status());
  absl::StatusOr<FusedSequence> fused = fuse->Fuse(FusionInputs{
      in.input_ids, visual, image_token_id_, in.segment_ids, in.image_crops, *text});
  if (!fused.ok()) return InPart("fusion", fused.status());
  return std::move(*fused);
}

absl::StatusOr<Tensor> VlmModel::Hidden(const ModelInputs& in, const FusedSequence& fused) {
  VLMLAB_ASSIGN_OR_RETURN(Llm * lm, llm());
  LlmInputs li;
  li.embeddings = fused.embeddings;
  li.positions = in.positions.defined()
                     ? in.positions
                     : PositionsFromMask(in.key_padding_mask, in.input_ids.size(0),
                                         in.input_ids.size(1), in.segment_ids);
  li.key_padding_mask = in.key_padding_mask;
  li.segment_ids = in.segment_ids;
  li.hook = fused.hook ? &fused.hook : nullptr;
  absl::StatusOr<Tensor> h = lm->Run(li);
  if (!h.ok()) return InPart("llm", h.status());
  return *h;
}

absl::StatusOr<Tensor> VlmModel::Logits(const ModelInputs& in) {
  VLMLAB_RETURN_IF_ERROR(CheckInputs(in, /*need_labels=*/false));
  VLMLAB_ASSIGN_OR_RETURN(FusedSequence fused, FuseInputs(in));
  VLMLAB_ASSIGN_OR_RETURN(Tensor h, Hidden(in, fused));  // [B, T, H]
  VLMLAB_ASSIGN_OR_RETURN(Llm * lm, llm());
  absl::StatusOr<Tensor> logits = lm->Logits(h);  // [B, T, V]
  if (!logits.ok()) return InPart("llm", logits.status());
  return *logits;
}

absl::StatusOr<Tensor> VlmModel::Loss(const ModelInputs& in) {
  VLMLAB_RETURN_IF_ERROR(CheckInputs(in, /*need_labels=*/true));
  VLMLAB_ASSIGN_OR_RETURN(Tensor logits, Logits(in));  // [B, T, V]
  CrossEntropyParams p;
  p.ignore_index = -1;
  absl::StatusOr<Tensor> loss = ops::CrossEntropy(logits, in.labels, p);
  if (!loss.ok())
    return absl::InvalidArgumentError(absl::StrCat("labels: ", loss.status().message()));
  return *loss;
}

absl::StatusOr<Tensor> VlmModel::SequenceLogProbs(const ModelInputs& in) {
  VLMLAB_RETURN_IF_ERROR(CheckInputs(in, /*need_labels=*/true));
  if (in.segment_ids.defined()) {
    return absl::InvalidArgumentError(
        "model inputs: SequenceLogProbs sums each row, but segment_ids say the rows are packed "
        "with several samples; give it one sample per row (packing off)");
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor logits, Logits(in));  // [B, T, V]
  CrossEntropyParams p;
  p.ignore_index = -1;
  p.reduction = CrossEntropyReduction::kNone;
  absl::StatusOr<Tensor> nll = ops::CrossEntropy(logits, in.labels, p);  // [B, T], 0 if ignored
  if (!nll.ok())
    return absl::InvalidArgumentError(absl::StrCat("labels: ", nll.status().message()));
  VLMLAB_ASSIGN_OR_RETURN(Tensor sum, ops::Sum(*nll, {1}));  // [B]
  return ops::Scale(sum, -1.0f);
}

absl::StatusOr<std::vector<GeneratedSequence>> VlmModel::Generate(
    const ModelInputs& prompts, const GenerationOptions& options) {
  VLMLAB_RETURN_IF_ERROR(CheckInputs(prompts, /*need_labels=*/false));
  if (prompts.segment_ids.defined() || prompts.positions.defined()) {
    return absl::InvalidArgumentError(
        "model inputs: Generate continues one left-padded prompt per row; segment_ids and "
        "positions (packed rows) must be undefined");
  }
  NoGradScope no_grad;
  const bool was_training = is_training();
  SetTraining(false);  // the whole model: encoder and projector dropout off too
  absl::StatusOr<std::vector<GeneratedSequence>> out =
      [&]() -> absl::StatusOr<std::vector<GeneratedSequence>> {
    VLMLAB_ASSIGN_OR_RETURN(FusedSequence fused, FuseInputs(prompts));
    VLMLAB_ASSIGN_OR_RETURN(Llm * lm, llm());
    return vlmlab::Generate(*lm, fused.embeddings, prompts.key_padding_mask,
                            fused.hook ? &fused.hook : nullptr, options);
  }();
  SetTraining(was_training);
  return out;
}

absl::StatusOr<std::unique_ptr<VlmModel>> BuildVlm(const Model& spec,
                                                   const PluginRegistries& registries,
                                                   uint64_t seed) {
  BuildContext context;
  context.seed = seed;
  context.registries = &registries;
  std::string part;
  absl::StatusOr<ModelSummary> summary = SummarizeModel(spec, registries, context, &part);
  if (!summary.ok()) return InPart(part.c_str(), summary.status());

  std::unique_ptr<VlmModel> model(new VlmModel());
  model->summary_ = *summary;
  TokenizerSlot tokenizer_slot = spec.tokenizer();
  if (!spec.has_tokenizer()) tokenizer_slot.mutable_byte();
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer =
      CreateFromSlot<Tokenizer>(tokenizer_slot, registries, context);
  if (!tokenizer.ok()) return InPart("tokenizer", tokenizer.status());
  model->tokenizer_ = std::move(*tokenizer);
  model->image_token_id_ = model->tokenizer_->SpecialId(SpecialToken::kImage);

  absl::StatusOr<std::unique_ptr<Encoder>> encoder =
      CreateFromSlot<Encoder>(spec.encoder(), registries, context);
  if (!encoder.ok()) return InPart("encoder", encoder.status());
  absl::StatusOr<std::unique_ptr<Projector>> projector =
      CreateFromSlot<Projector>(spec.projector(), registries, context);
  if (!projector.ok()) return InPart("projector", projector.status());
  absl::StatusOr<std::unique_ptr<Fusion>> fusion =
      CreateFromSlot<Fusion>(spec.fusion(), registries, context);
  if (!fusion.ok()) return InPart("fusion", fusion.status());
  absl::StatusOr<std::unique_ptr<Llm>> llm = CreateFromSlot<Llm>(spec.llm(), registries, context);
  if (!llm.ok()) return InPart("llm", llm.status());

  const LlmShape& llm_shape = model->summary_.llm_shape;
  absl::Status s = (*encoder)->Build();
  if (!s.ok()) return InPart("encoder", s);
  s = (*llm)->Build(llm_shape.vocab_size);
  if (!s.ok()) return InPart("llm", s);
  s = (*projector)->Build(model->summary_.encoder_output, llm_shape);
  if (!s.ok()) return InPart("projector", s);
  s = (*fusion)->Build(model->summary_.visual_tokens, llm_shape);
  if (!s.ok()) return InPart("fusion", s);
  model->layout_ = (*fusion)->Layout(model->summary_.visual_tokens);
  model->configured_image_size_ = model->summary_.encoder_input.size;

  model->encoder_ = model->RegisterModule("encoder", std::move(*encoder));
  model->projector_ = model->RegisterModule("projector", std::move(*projector));
  model->fusion_ = model->RegisterModule("fusion", std::move(*fusion));
  model->llm_ = model->RegisterModule("llm", std::move(*llm));
  if (spec.has_text_tower()) {
    std::unique_ptr<Llm> own_text;
    if (spec.text_tower().has_transformer()) {
      absl::StatusOr<std::unique_ptr<Llm>> text =
          CreateFromSlot<Llm>(spec.text_tower().transformer(), registries, context);
      if (!text.ok()) return InPart("text_tower.transformer", text.status());
      s = (*text)->Build(model->summary_.text_shape.vocab_size);
      if (!s.ok()) return InPart("text_tower.transformer", s);
      own_text = std::move(*text);
    }
    model->text_tower_ = model->RegisterModule(
        "text_tower", std::make_unique<TextTower>(std::move(own_text),
                                                  model->summary_.text_shape.hidden,
                                                  model->summary_.encoder_output.dim,
                                                  spec.text_tower().embed_dim()));
  }
  model->Initialize(seed);
  return model;
}

}  // namespace vlmlab
