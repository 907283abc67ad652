#!/usr/bin/env bash
# End to end: `vlmlab sweep` runs a tiny sweep with real `vlmlab run` workers (training only, a
# few steps), resumes without re-running, and `vlmlab report` prints its table; usage errors.
set -uo pipefail

VLMLAB="$(pwd)/$1"
TMP="${TEST_TMPDIR:-$(mktemp -d)}/sweep_cli"
rm -rf "$TMP"
mkdir -p "$TMP"
source tests/cli_expect.sh
cd "$TMP" || exit 1


cat > base.textproto <<'SPEC'
name: "tiny"
model {
  encoder { vit { image_size: 32 patch_size: 8 width: 32 depth: 1 heads: 2 } }
  projector { mlp {} }
  fusion { self_attention { max_images_per_sample: 1 } }
  llm { llama { hidden: 32 layers: 1 heads: 2 max_seq_len: 128 } }
  tokenizer { byte {} }
}
data { name: "caps" components { dataset { synthetic { tasks: CAPTION num_images: 64 } } } }
stages { name: "pretrain" pretrain {} steps: 2 batch_size: 4 mixture: "caps" }
runtime { threads: 1 output_dir: "out" store: "out/store.sqlite" }
SPEC
cat > tiny.sweep.textproto <<'SPEC'
name: "tiny_sweep"
base: "base.textproto"
variants { name: "linear" merge: "model { projector { linear {} } }" }
seeds: 0
seeds: 1
SPEC

expect 2 "sweep takes one sweep file" -- "$VLMLAB" sweep
expect 2 "--workers is 0; give 1 or more" -- "$VLMLAB" sweep tiny.sweep.textproto --workers 0
expect 2 "report needs a sweep file" -- "$VLMLAB" report
expect 1 "base 'absent.textproto' does not exist" -- "$VLMLAB" sweep <(printf 'name: "s"\nbase: "absent.textproto"\n')

# A dry run lists the runs and their worker commands, and runs nothing.
expect 0 "linear seed 1" -- "$VLMLAB" sweep tiny.sweep.textproto --dry_run
expect 0 "--variant=linear --store=out/store.sqlite --threads=" -- \
  "$VLMLAB" sweep tiny.sweep.textproto --dry_run
if ls out/*/log.txt >/dev/null 2>&1; then
  echo "FAIL: --dry_run started workers"; failures=$((failures + 1))
fi

expect 0 "sweep 'tiny_sweep': 4 completed" -- "$VLMLAB" sweep tiny.sweep.textproto --workers 2
logs=(out/*/log.txt)
if [[ "${#logs[@]}" != 4 ]]; then
  echo "FAIL: expected 4 worker logs, found ${#logs[@]}"; failures=$((failures + 1))
fi
# Again: nothing to do.
expect 0 "4 skipped (already completed)" -- "$VLMLAB" sweep tiny.sweep.textproto --workers 2
if [[ "$(cat out/*/log.txt | grep -c 'vlmlab sweep starts')" != 4 ]]; then
  echo "FAIL: completed runs were started again"; failures=$((failures + 1))
fi

# Eight real `vlmlab run` workers at once on one SQLite store: every run completes and every
# run's metrics reach the store (report counts two seeds per variant, each with a VQA score).
sed -e 's|store: "out/store.sqlite"|store: "out8/store.sqlite"|' -e 's|output_dir: "out"|output_dir: "out8"|' \
  base.textproto > base8.textproto
cat >> base8.textproto <<'SPEC'
data { name: "val" components { dataset { synthetic { tasks: VQA split: VAL num_images: 8 } } } }
evaluators { name: "vqa" vqa_accuracy {} data: "val" generation { max_new_tokens: 2 } bootstrap_samples: 0 }
SPEC
cat > eight.sweep.textproto <<'SPEC'
name: "eight"
base: "base8.textproto"
variants { name: "linear" merge: "model { projector { linear {} } }" }
variants { name: "wide" merge: "model { llm { llama { hidden: 48 } } }" }
variants { name: "deep" merge: "model { llm { llama { layers: 2 } } }" }
seeds: 0
seeds: 1
SPEC
expect 0 "sweep 'eight': 8 completed" -- "$VLMLAB" sweep eight.sweep.textproto --workers 8
csv="$("$VLMLAB" report eight.sweep.textproto --format csv 2>&1)"
# Per variant: seeds_completed and the number of runs with a vqa/overall value, by header name.
counts="$(awk -F, 'NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
  { print $1, $col["seeds_completed"], $col["vqa/overall n"] }' <<<"$csv" | sort | tr '\n' ';')"
if [[ "$counts" != "baseline 2 2;deep 2 2;linear 2 2;wide 2 2;" ]]; then
  echo "FAIL: each variant should have 2 completed seeds and 2 VQA results, got: $counts"
  echo "$csv"; failures=$((failures + 1))
fi

expect 0 "| baseline | mlp | 2 |" -- "$VLMLAB" report tiny_sweep --store out/store.sqlite --format markdown
expect 0 "variant,model.projector,seeds_completed,runs" -- "$VLMLAB" report tiny.sweep.textproto --format csv
expect 0 "\\toprule" -- "$VLMLAB" report tiny.sweep.textproto --format latex
expect 0 "wrote table.md" -- "$VLMLAB" report tiny.sweep.textproto --format md --out table.md
if ! grep -q "| linear | linear | 2 |" table.md; then
  echo "FAIL: table.md lacks the linear row"; cat table.md; failures=$((failures + 1))
fi
expect 1 "'nothing' is neither a sweep file, a sweep id, a sweep name nor a run id" -- \
  "$VLMLAB" report nothing --store out/store.sqlite
expect 1 "--baseline 'zz' is not a variant of these runs; use one of: baseline, linear" -- \
  "$VLMLAB" report tiny.sweep.textproto --baseline zz
expect 2 "--format 'html' is not a table format" -- "$VLMLAB" report tiny.sweep.textproto --format html

# On a terminal (under `script`), the active run's live status lines appear: stage, step/total,
# loss and ETA, then the sweep's ETA. Piped into a file, the default (60 s) prints none for a
# run this short.
sed -e 's/steps: 2 /steps: 600 /' -e 's/mixture: "caps"/mixture: "caps" log_every: 20/' \
  base.textproto > long.textproto
printf 'name: "long"\nbase: "long.textproto"\nseeds: 0\n' > long.sweep.textproto
if command -v script >/dev/null; then
  script -qec "'$VLMLAB' sweep long.sweep.textproto --status_every 1" /dev/null > terminal.txt 2>&1
  if ! grep -Eq "pretrain [0-9]+/600 \(run [0-9]+/600 steps, [0-9]+%\) loss [0-9.]+ ETA" terminal.txt ||
     ! grep -q "sweep: 1 running, 0 waiting, ETA" terminal.txt; then
    echo "FAIL: no live status lines on a terminal:"; cat terminal.txt; failures=$((failures + 1))
  fi
else
  echo "SKIP: no \`script\` command (util-linux) to run the sweep on a terminal"
fi
printf 'name: "long2"\nbase: "long.textproto"\nseeds: 1\n' > long2.sweep.textproto
"$VLMLAB" sweep long2.sweep.textproto > piped.txt 2>&1
if grep -q "ETA" piped.txt; then
  echo "FAIL: status lines every second in a log file:"; cat piped.txt; failures=$((failures + 1))
fi

# --launcher slurm: one sbatch --array job of the runs not completed yet. A fake `sbatch` on
# PATH stands in for Slurm: it runs each array task of the script in turn, as the job would.
sed -e 's|store: "out/store.sqlite"|store: "outS/store.sqlite"|' -e 's|output_dir: "out"|output_dir: "outS"|' \
  base.textproto > baseS.textproto
printf 'name: "slurm_sweep"\nbase: "baseS.textproto"\nvariants { name: "linear" merge: "model { projector { linear {} } }" }\nseeds: 0\n' \
  > slurm.sweep.textproto
expect 2 "--launcher is 'pbs'; give local or slurm" -- \
  "$VLMLAB" sweep slurm.sweep.textproto --launcher pbs
expect 2 "--slurm_extra 'account=lab' must be one sbatch option starting with --" -- \
  "$VLMLAB" sweep slurm.sweep.textproto --launcher slurm --slurm_extra account=lab --dry_run
expect 0 "#SBATCH --array=0-1%1" -- "$VLMLAB" sweep slurm.sweep.textproto --launcher slurm \
  --dry_run --slurm_max_parallel 1 --slurm_partition debug
expect 0 "#SBATCH --partition=debug" -- "$VLMLAB" sweep slurm.sweep.textproto --launcher slurm \
  --dry_run --slurm_partition debug
# One run completed locally: only the other is submitted.
expect 0 "1 completed" -- "$VLMLAB" sweep slurm.sweep.textproto --limit 1
expect 0 "#SBATCH --array=0-0" -- "$VLMLAB" sweep slurm.sweep.textproto --launcher slurm --dry_run
mkdir -p emptybin fakebin
expect 1 "sbatch was not found on PATH" -- env PATH="$TMP/emptybin" "$VLMLAB" sweep \
  slurm.sweep.textproto --launcher slurm
cat > fakebin/sbatch <<'FAKE'
#!/bin/bash
range="$(sed -n 's/^#SBATCH --array=\([0-9]*\)-\([0-9]*\).*/\1 \2/p' "$1")"
read -r first last <<<"$range"
for ((i = first; i <= last; ++i)); do SLURM_ARRAY_TASK_ID=$i bash "$1" || exit 1; done
echo "Submitted batch job 42"
FAKE
chmod +x fakebin/sbatch
expect 0 "Submitted batch job 42" -- env PATH="$TMP/fakebin:$PATH" "$VLMLAB" sweep \
  slurm.sweep.textproto --launcher slurm
expect 0 "nothing to submit: all 2 runs are completed" -- env PATH="$TMP/fakebin:$PATH" \
  "$VLMLAB" sweep slurm.sweep.textproto --launcher slurm
expect 0 "| linear | linear | 1 |" -- "$VLMLAB" report slurm.sweep.textproto --format markdown

finish "sweep CLI"
