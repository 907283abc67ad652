#!/usr/bin/env bash
# End-to-end tests of the vlmlab command line: exit status and messages for good and bad input.
set -uo pipefail

VLMLAB="$1"
PLUGIN_DIR="$2"
EXPERIMENTS="experiments"
TMP="${TEST_TMPDIR:-$(mktemp -d)}/cli"
mkdir -p "$TMP"
source tests/cli_expect.sh


# Usage errors.
expect 2 "usage: vlmlab COMMAND" -- "$VLMLAB"
expect 2 "unknown command 'frobnicate'" -- "$VLMLAB" frobnicate
expect 2 "validate needs at least one file" -- "$VLMLAB" validate
expect 2 "diff compares two files" -- "$VLMLAB" diff a
expect 2 "is not a plugin kind" -- "$VLMLAB" plugins --kind=widget

# Help: vlmlab's usage, or one command's, with exit status 0.
expect 0 "usage: vlmlab COMMAND" -- "$VLMLAB" --help
expect 0 "--resume, --take_over, --run_id" -- "$VLMLAB" run --help
expect 0 "tokenizer decode" -- "$VLMLAB" tokenizer --help
expect 2 "unknown command 'frobnicate'" -- "$VLMLAB" frobnicate --help

# Listing.
expect 0 "pixel_shuffle - Pixel shuffle" -- "$VLMLAB" plugins --kind=projector
expect 0 "factor (int32, default 2, >= 1)" -- "$VLMLAB" plugins --kind=projector
expect 0 '"name": "vqa_accuracy"' -- "$VLMLAB" plugins --json

# Compute backends: the capability table lists oneDNN and the reference for matmul.
expect 0 "matmul: onednn/cpu (f32" -- "$VLMLAB" kernels
expect 0 '"backend": "reference"' -- "$VLMLAB" kernels --json

# The committed plugin reference matches the registered plugins.
if ! diff <("$VLMLAB" plugins --markdown) docs/plugin-reference.md >/dev/null; then
  echo "FAIL: docs/plugin-reference.md is stale; regenerate it with"
  echo "      ./vlmlab plugins --markdown > docs/plugin-reference.md"
  failures=$((failures + 1))
fi

# The shipped experiments and sweeps are valid.
for f in "$EXPERIMENTS"/*.textproto "$EXPERIMENTS"/sweeps/*.textproto; do
  expect 0 "OK $f" -- "$VLMLAB" validate "$f"
done
expect 0 "visual tokens per image" -- "$VLMLAB" validate "$EXPERIMENTS/idefics2_small.textproto"
# Serving beyond loopback needs a token (or the explicit opt-out); refused before binding.
expect 2 "set --token or VLMLAB_DASHBOARD_TOKEN, or pass --insecure_no_token" -- \
  env -u VLMLAB_DASHBOARD_TOKEN "$VLMLAB" serve --host 0.0.0.0 --port 0 --store "$TMP/none.sqlite"

# A sweep given to `run` points to `sweep`.
expect 2 "is a sweep; run its runs with \`vlmlab sweep" -- \
  "$VLMLAB" run "$EXPERIMENTS/sweeps/quickstart_projector.sweep.textproto"

# Descriptions are shown with the file they describe.
expect 0 "description: Small conv-encoder VLM trained on the synthetic world in minutes" -- \
  "$VLMLAB" validate "$EXPERIMENTS/quickstart.textproto"
expect 0 "description: MLP vs linear projector on the quickstart VLM" -- \
  "$VLMLAB" validate "$EXPERIMENTS/sweeps/quickstart_projector.sweep.textproto"

# Rising resolution and image splitting end to end, at a few steps: pre-training at 32 px, then
# fine-tuning at the encoder's 64 px on 2 x 2 tiles plus the global view.
RR_ARGS=("stages[pretrain].steps=2" "stages[sft].steps=2" "stages[pretrain].batch_size=2"
  "stages[sft].batch_size=2" "evaluators[vqa].max_examples=4"
  --output_dir "$TMP/rising" --store "$TMP/rising/store.sqlite")
expect 0 "stage pretrain: images at 32 px, 4 visual tokens per image tensor" -- \
  "$VLMLAB" run "$EXPERIMENTS/idefics3_rising_resolution.textproto" "${RR_ARGS[@]}" --run_id rr1
expect 0 "stage sft: images at 64 px, 16 visual tokens per image tensor, split into up to 2 x 2" -- \
  "$VLMLAB" run "$EXPERIMENTS/idefics3_rising_resolution.textproto" "${RR_ARGS[@]}" --run_id rr2

# bf16 where oneDNN has no native bf16 matmul (capped at AVX2 here) stops before training.
DNNL_MAX_CPU_ISA=AVX2 expect 1 "runtime.dtype: BF16 needs native bf16 dot products" -- \
  "$VLMLAB" run "$EXPERIMENTS/idefics3_rising_resolution.textproto" "${RR_ARGS[@]}" \
  runtime.dtype=BF16 --run_id rr_bf16
expect 0 "pixel_shuffle {" -- "$VLMLAB" validate --canonical "$EXPERIMENTS/idefics3_pixel_shuffle.textproto"

# Each class of bad input: a clear message and exit status 1.
printf 'name: "x"\nmodel {\n  encoder { vit { depth: 2 }\n' > "$TMP/malformed.textproto"
expect 1 "malformed.textproto:4:1:" -- "$VLMLAB" validate "$TMP/malformed.textproto"
printf 'name: "x"\nmodel { encoder { vit { dpeth: 2 } } }\n' > "$TMP/unknown_field.textproto"
expect 1 "unknown_field.textproto:2:25: VitOptions has no field named \"dpeth\" (did you mean 'depth'?)" \
  -- "$VLMLAB" validate "$TMP/unknown_field.textproto"
printf 'name: "x"\nmodel { llm { external { name: "lama" } } }\n' > "$TMP/unknown_plugin.textproto"
expect 1 "unknown llm plugin 'lama' (did you mean 'llama'?); registered: gpt2, llama" \
  -- "$VLMLAB" validate "$TMP/unknown_plugin.textproto"
printf 'name: "x"\nseed: "zero"\n' > "$TMP/wrong_type.textproto"
expect 1 "wrong_type.textproto:2:7:" -- "$VLMLAB" validate "$TMP/wrong_type.textproto"
expect 1 "model.encoder.vit.depth: must be at least 1, got 0" \
  -- "$VLMLAB" validate "$EXPERIMENTS/idefics2_small.textproto" model.encoder.vit.depth=0
printf 'name: "x"\n' > "$TMP/missing_part.textproto"
expect 1 "missing_part.textproto: model: required but not set" \
  -- "$VLMLAB" validate "$TMP/missing_part.textproto"
expect 1 "cannot read spec file '$TMP/nope.textproto'" -- "$VLMLAB" validate "$TMP/nope.textproto"
printf 'base: "cycle_b.textproto"\n' > "$TMP/cycle_a.textproto"
printf 'base: "cycle_a.textproto"\n' > "$TMP/cycle_b.textproto"
expect 1 "makes a cycle" -- "$VLMLAB" validate "$TMP/cycle_a.textproto"
printf 'name: "s"\nbase: "absent.textproto"\n' > "$TMP/missing_base.sweep.textproto"
expect 1 "missing_base.sweep.textproto:2:1: base 'absent.textproto' does not exist" \
  -- "$VLMLAB" validate "$TMP/missing_base.sweep.textproto"
expect 1 "override 'model.encoder.vit.dpeth=3'" \
  -- "$VLMLAB" validate "$EXPERIMENTS/idefics2_small.textproto" model.encoder.vit.dpeth=3
expect 1 "--merge: merge fragment:1:" \
  -- "$VLMLAB" validate "$EXPERIMENTS/idefics2_small.textproto" --merge='model { oops }'
# Every error line is prefixed and there is no crash output.
out="$("$VLMLAB" validate "$TMP/malformed.textproto" 2>&1)"
if grep -qv '^vlmlab: error: ' <<<"$out"; then echo "FAIL: unprefixed error output: $out"; failures=$((failures + 1)); fi

# Overrides and fragments that are fine.
expect 0 "OK" -- "$VLMLAB" validate "$EXPERIMENTS/idefics2_small.textproto" \
  model.encoder.vit.depth=6 --clear=evaluators --merge='model { projector { mlp {} } }'

# diff: 0 same, 1 different, 2 trouble.
expect 0 "no differences" -- "$VLMLAB" diff "$EXPERIMENTS/idefics2_small.textproto" "$EXPERIMENTS/idefics2_small.textproto"
expect 1 "+ model.projector.pixel_shuffle: { factor: 2 layers: 1 }" \
  -- "$VLMLAB" diff "$EXPERIMENTS/idefics2_small.textproto" "$EXPERIMENTS/idefics3_pixel_shuffle.textproto"
expect 1 "- model.projector.perceiver:" \
  -- "$VLMLAB" diff "$EXPERIMENTS/idefics2_small.textproto" "$EXPERIMENTS/idefics3_pixel_shuffle.textproto"
expect 2 "cannot read spec file" -- "$VLMLAB" diff "$EXPERIMENTS/idefics2_small.textproto" "$TMP/nope.textproto"

# expand.
expect 0 "sweep 'projector_ablation': 6 runs" -- "$VLMLAB" expand "$EXPERIMENTS/sweeps/projector_ablation.sweep.textproto"
expect 0 '"overrides": [' -- "$VLMLAB" expand --json "$EXPERIMENTS/sweeps/projector_ablation.sweep.textproto"

# Out-of-tree plugins.
expect 0 "toy_encoder - Sample out-of-tree encoder" \
  -- "$VLMLAB" plugins --kind=encoder --plugin_lib="$PLUGIN_DIR/libtoy_encoder_plugin.so"
expect 1 "built for vlmlab plugin API version 99" \
  -- "$VLMLAB" plugins --plugin_lib="$PLUGIN_DIR/libfuture_api_plugin.so"
expect 1 "does not export vlmlab_plugin_info()" \
  -- "$VLMLAB" plugins --plugin_lib="$PLUGIN_DIR/libnot_a_plugin.so"

# score: official metrics on official-format files (platform/metrics has the detailed tests).
printf '{"annotations": [{"question_id": 1, "image_id": 1, "answer_type": "number", "answers": [{"answer": "2"}, {"answer": "2"}, {"answer": "2"}, {"answer": "2"}]}, {"question_id": 2, "image_id": 1, "answer_type": "other", "answers": [{"answer": "cat"}]}]}' > "$TMP/vqa_annotations.json"
printf '[{"question_id": 1, "answer": "Two"}]' > "$TMP/vqa_results.json"
printf '[{"question_id": 7, "answer": "x"}]' > "$TMP/vqa_unknown.json"
# The humans agree on "2", so the current script compares "Two" unprocessed (0); the
# pre-2021 script normalised every prediction first ("Two" -> "2": 1).
expect 0 "accuracy     0.0000" -- "$VLMLAB" score --evaluator vqa_accuracy \
  --annotations "$TMP/vqa_annotations.json" --results "$TMP/vqa_results.json" --bootstrap 100
expect 0 "accuracy     0.5000" -- "$VLMLAB" score --evaluator vqa_accuracy --vqa_script pre2021 \
  --annotations "$TMP/vqa_annotations.json" --results "$TMP/vqa_results.json" --bootstrap 100
expect 0 "1 of 2 questions have no prediction" -- "$VLMLAB" score --evaluator vqa_accuracy \
  --annotations "$TMP/vqa_annotations.json" --results "$TMP/vqa_results.json"
expect 0 '"value": 1.0' -- "$VLMLAB" score --evaluator vqa_accuracy --json --vqa_script pre2021 \
  --annotations "$TMP/vqa_annotations.json" --results "$TMP/vqa_results.json" --bootstrap 0
expect 2 "--vqa_script: unknown VQA script version '2019'" -- "$VLMLAB" score \
  --evaluator vqa_accuracy --vqa_script 2019 --annotations "$TMP/vqa_annotations.json" \
  --results "$TMP/vqa_results.json"
expect 1 "vqa_unknown.json: has predictions for 1 question id(s) the gold data lacks" \
  -- "$VLMLAB" score --evaluator vqa_accuracy --annotations "$TMP/vqa_annotations.json" \
  --results "$TMP/vqa_unknown.json"
expect 2 "score needs --evaluator" -- "$VLMLAB" score
expect 2 "unknown evaluator 'bleu'" -- "$VLMLAB" score --evaluator bleu --annotations a --results b

# eval: a trained model on its own (tests/eval_command_test.cc trains and evaluates one).
expect 2 "eval needs one run directory, checkpoint or run id" -- "$VLMLAB" eval
expect 1 "does not exist" -- "$VLMLAB" eval "$TMP/no/such/run"
mkdir -p "$TMP/untrained/checkpoints"
cp "$EXPERIMENTS/quickstart.textproto" "$TMP/untrained/experiment.textproto"
expect 1 "no checkpoint in $TMP/untrained/checkpoints" -- "$VLMLAB" eval "$TMP/untrained" \
  --store "$TMP/eval.sqlite"
expect 1 "has no evaluator named 'nope'" -- "$VLMLAB" eval "$TMP/untrained" --evaluators nope \
  --store "$TMP/eval.sqlite"

finish "CLI"
