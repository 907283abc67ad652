// Glob patterns over hierarchical parameter and module names, as used by freezing
// (Module::SetTrainable), LR multipliers (OptimizerSpec.lr_multipliers) and LoRA targets.
//
//   GlobMatch("encoder.*", "encoder.blocks.0.attn.qkv.weight");   // true
//   GlobMatch("*.bias", "projector.layers.1.bias");               // true
//   GlobMatch("blocks.?.mlp.*", "blocks.3.mlp.fc.weight");        // true
//
// `*` matches any run of characters, dots included (so "encoder.*" covers every depth);
// `?` matches one character; everything else is literal. The whole name must match: a
// pattern without wildcards is an exact name ("encoder" does not match "encoder.x").
#ifndef VLMLAB_PLATFORM_NN_NAME_PATTERN_H_
#define VLMLAB_PLATFORM_NN_NAME_PATTERN_H_

#include "absl/strings/string_view.h"

namespace vlmlab::nn {

bool GlobMatch(absl::string_view pattern, absl::string_view name);

}  // namespace vlmlab::nn

#endif  // VLMLAB_PLATFORM_NN_NAME_PATTERN_H_
