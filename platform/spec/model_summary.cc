#include "platform/spec/model_summary.h"

#include "absl/strings/str_cat.h"
#include "platform/spec/slot_resolver.h"

namespace vlmlab {

std::string ModelSummary::ToString() const {
  return absl::StrCat(encoder, " -> ", projector, " -> ", fusion, " -> ", llm, " (", tokenizer,
                      " tokenizer): ", visual_tokens.tokens, " visual tokens per image of width ",
                      visual_tokens.dim, " (encoder: ", encoder_output.tokens, " x ",
                      encoder_output.dim, "); LLM ", llm_shape.layers, " layers, hidden ",
                      llm_shape.hidden, ", vocabulary ", llm_shape.vocab_size,
                      text_tower.empty() ? ""
                                         : absl::StrCat("; text tower ", text_tower, " (",
                                                        text_shape.layers, " layers, hidden ",
                                                        text_shape.hidden, ")"));
}

absl::StatusOr<ModelSummary> SummarizeModel(const Model& model, const PluginRegistries& registries,
                                            const BuildContext& context, std::string* failing_part,
                                            int64_t image_size) {
  ModelSummary out;
  auto fail = [&](const char* part, const absl::Status& status) {
    *failing_part = part;
    return status;
  };
  TokenizerSlot tokenizer_slot = model.tokenizer();
  if (!model.has_tokenizer()) tokenizer_slot.mutable_byte();
  absl::StatusOr<ResolvedSlot> names[5] = {
      ResolveSlot(model.encoder(), registries), ResolveSlot(model.projector(), registries),
      ResolveSlot(model.fusion(), registries), ResolveSlot(model.llm(), registries),
      ResolveSlot(tokenizer_slot, registries)};
  const char* parts[5] = {"encoder", "projector", "fusion", "llm", "tokenizer"};
  for (int i = 0; i < 5; ++i) {
    if (!names[i].ok()) return fail(parts[i], names[i].status());
  }
  out.encoder = names[0]->name;
  out.projector = names[1]->name;
  out.fusion = names[2]->name;
  out.llm = names[3]->name;
  out.tokenizer = names[4]->name;

  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer =
      CreateFromSlot<Tokenizer>(tokenizer_slot, registries, context);
  if (!tokenizer.ok()) return fail("tokenizer", tokenizer.status());
  absl::StatusOr<std::unique_ptr<Llm>> llm = CreateFromSlot<Llm>(model.llm(), registries, context);
  if (!llm.ok()) return fail("llm", llm.status());
  out.llm_shape = (*llm)->Shape();
  int64_t tokenizer_vocab = (*tokenizer)->vocab_size();
  if (out.llm_shape.vocab_size == 0) {
    out.llm_shape.vocab_size = tokenizer_vocab;
  } else if (out.llm_shape.vocab_size < tokenizer_vocab) {
    return fail("llm", absl::InvalidArgumentError(absl::StrCat(
                           "vocab_size ", out.llm_shape.vocab_size, " is smaller than the ",
                           out.tokenizer, " tokenizer's ", tokenizer_vocab,
                           " tokens; set it to at least that, or 0 to follow the tokenizer")));
  }
  absl::StatusOr<std::unique_ptr<Encoder>> encoder =
      CreateFromSlot<Encoder>(model.encoder(), registries, context);
  if (!encoder.ok()) return fail("encoder", encoder.status());
  if (image_size > 0 && image_size != (*encoder)->InputSpec().size) {
    absl::Status resized = (*encoder)->SetImageSize(image_size);
    if (!resized.ok()) return fail("encoder", resized);
  }
  out.encoder_input = (*encoder)->InputSpec();
  out.encoder_output = (*encoder)->OutputShape();
  absl::StatusOr<std::unique_ptr<Projector>> projector =
      CreateFromSlot<Projector>(model.projector(), registries, context);
  if (!projector.ok()) return fail("projector", projector.status());
  absl::StatusOr<VisualShape> projected =
      (*projector)->OutputShape(out.encoder_output, out.llm_shape);
  if (!projected.ok()) return fail("projector", projected.status());
  out.visual_tokens = *projected;
  absl::StatusOr<std::unique_ptr<Fusion>> fusion =
      CreateFromSlot<Fusion>(model.fusion(), registries, context);
  if (!fusion.ok()) return fail("fusion", fusion.status());
  absl::Status fits = (*fusion)->CheckCompatible(out.visual_tokens, out.llm_shape);
  if (!fits.ok()) return fail("fusion", fits);
  if (model.has_text_tower()) {
    const TextTowerSpec& tower = model.text_tower();
    switch (tower.text_encoder_case()) {
      case TextTowerSpec::kModelLlm:
        out.text_tower = "model_llm";
        out.text_shape = out.llm_shape;
        break;
      case TextTowerSpec::kTransformer: {
        absl::StatusOr<ResolvedSlot> name = ResolveSlot(tower.transformer(), registries);
        if (!name.ok()) return fail("text_tower.transformer", name.status());
        absl::StatusOr<std::unique_ptr<Llm>> text =
            CreateFromSlot<Llm>(tower.transformer(), registries, context);
        if (!text.ok()) return fail("text_tower.transformer", text.status());
        out.text_tower = name->name;
        out.text_shape = (*text)->Shape();
        if (out.text_shape.vocab_size == 0) {
          out.text_shape.vocab_size = tokenizer_vocab;
        } else if (out.text_shape.vocab_size < tokenizer_vocab) {
          return fail("text_tower.transformer",
                      absl::InvalidArgumentError(absl::StrCat(
                          "vocab_size ", out.text_shape.vocab_size, " is smaller than the ",
                          out.tokenizer, " tokenizer's ", tokenizer_vocab,
                          " tokens (the text tower shares the model's tokenizer); set it to at "
                          "least that, or 0 to follow the tokenizer")));
        }
        break;
      }
      case TextTowerSpec::TEXT_ENCODER_NOT_SET:
        return fail("text_tower", absl::InvalidArgumentError(
                                      "choose what reads the captions: transformer { <an LLM "
                                      "plugin> } or model_llm {}"));
    }
  }
  return out;
}

}  // namespace vlmlab
