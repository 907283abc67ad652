#!/usr/bin/env bash
# A real Slurm on localhost runs a sweep: starts munged, slurmctld and slurmd (one node, the
# configuration of ../shared/docs/cluster-engines.md), submits a two-variant sweep with
# `vlmlab sweep --launcher slurm`, waits for the array job, and finds both runs completed with
# their metrics in the store. Stops the daemons on exit.
#
#   tests/slurm/slurm_sweep_test.sh            # builds vlmlab; needs root, slurm-wlm, munge
#
# Not part of tools/test.sh: it needs root and starts system daemons. Without them it exits 0
# with "SKIP: ..." saying what is missing (docs/sweeps.md).
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
ROOT="$(pwd)"
for tool in slurmctld slurmd sbatch squeue sinfo munged munge unmunge; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool not found; apt-get install slurm-wlm munge"; exit 0
  fi
done
if [[ "$(id -u)" != 0 ]]; then
  echo "SKIP: starting slurmd and munged needs root"; exit 0
fi

bazel build //platform/cli:vlmlab >/dev/null 2>&1 || { echo "FAIL: bazel build"; exit 1; }
VLMLAB="$ROOT/bazel-bin/platform/cli/vlmlab"
TMP="$(mktemp -d /tmp/vlmlab_slurm.XXXXXX)"
chmod 755 "$TMP"
HOST="$(hostname -s)"
DAEMONS=()  # pids of what this test started
cleanup() {
  for f in "$TMP/slurmd.pid" "$TMP/slurmctld.pid"; do
    [[ -f "$f" ]] && DAEMONS+=("$(cat "$f")")
  done
  # slurmctld forks slurmscriptd; both carry the configuration's path in their command line.
  pkill -f -- "$TMP/slurm.conf" 2>/dev/null
  for p in "${DAEMONS[@]}"; do kill "$p" 2>/dev/null; done
  for _ in $(seq 10); do pgrep -f -- "$TMP/slurm.conf" >/dev/null || break; sleep 0.5; done
  if [[ "${KEEP_TMP:-0}" != 1 ]]; then rm -rf "$TMP"; fi
}
trap cleanup EXIT

# MUNGE: the package made the key; its socket directory is made here (no systemd).
mkdir -p /run/munge && chown munge:munge /run/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged || { echo "FAIL: munged did not start"; exit 1; }
  sleep 1
  DAEMONS+=($(pgrep -u munge -x munged))
fi
munge -n | unmunge >/dev/null || { echo "FAIL: munge -n | unmunge"; exit 1; }

mkdir -p "$TMP/state" "$TMP/spool" "$TMP/log"
cat > "$TMP/slurm.conf" <<CONF
ClusterName=vlmlabtest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$TMP/state
SlurmdSpoolDir=$TMP/spool
SlurmctldPidFile=$TMP/slurmctld.pid
SlurmdPidFile=$TMP/slurmd.pid
SlurmctldLogFile=$TMP/log/slurmctld.log
SlurmdLogFile=$TMP/log/slurmd.log
ReturnToService=2
MpiDefault=none
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$TMP/slurm.conf"
slurmctld -f "$SLURM_CONF" || { echo "FAIL: slurmctld"; cat "$TMP/log/slurmctld.log"; exit 1; }
slurmd -f "$SLURM_CONF" || { echo "FAIL: slurmd"; cat "$TMP/log/slurmd.log"; exit 1; }
for _ in $(seq 30); do
  sinfo -h -o %t 2>/dev/null | grep -q idle && break
  sleep 1
done
if ! sinfo -h -o %t | grep -q idle; then
  echo "FAIL: the node did not come up idle"; sinfo; tail -20 "$TMP/log/"*.log; exit 1
fi

# A sweep of two tiny runs (a few training steps and a VQA evaluation each).
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
data { name: "val" components { dataset { synthetic { tasks: VQA split: VAL num_images: 8 } } } }
stages { name: "pretrain" pretrain {} steps: 4 batch_size: 4 mixture: "caps" }
evaluators { name: "vqa" vqa_accuracy {} data: "val" generation { max_new_tokens: 2 } bootstrap_samples: 0 }
runtime { threads: 1 output_dir: "out" store: "out/store.sqlite" }
SPEC
cat > two.sweep.textproto <<'SPEC'
name: "slurm_two"
base: "base.textproto"
variants { name: "linear" merge: "model { projector { linear {} } }" }
seeds: 0
SPEC
failures=0
if ! out="$("$VLMLAB" sweep two.sweep.textproto --launcher slurm --slurm_time 00:05:00 2>&1)" ||
   [[ "$out" != *"Submitted batch job"* ]]; then
  echo "FAIL: submission:"; echo "$out"; exit 1
fi
echo "$out"
job="$(sed -n 's/.*Submitted batch job \([0-9]*\).*/\1/p' <<<"$out")"
for _ in $(seq 180); do
  [[ -z "$(squeue -h -j "$job" 2>/dev/null)" ]] && break
  sleep 1
done
if [[ -n "$(squeue -h -j "$job" 2>/dev/null)" ]]; then
  echo "FAIL: job $job still queued or running after 180 s"; squeue; failures=$((failures + 1))
fi
csv="$("$VLMLAB" report two.sweep.textproto --format csv 2>&1)"
counts="$(awk -F, 'NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
  { print $1, $col["seeds_completed"], $col["vqa/overall n"] }' <<<"$csv" | sort | tr '\n' ';')"
if [[ "$counts" != "baseline 1 1;linear 1 1;" ]]; then
  echo "FAIL: want both variants completed with a VQA score, got: $counts"; echo "$csv"
  cat out/slurm/*.err 2>/dev/null; failures=$((failures + 1))
fi
again="$("$VLMLAB" sweep two.sweep.textproto --launcher slurm 2>&1)"
if [[ "$again" != *"nothing to submit: all 2 runs are completed"* ]]; then
  echo "FAIL: resubmission should find nothing to do:"; echo "$again"; failures=$((failures + 1))
fi
if ((failures > 0)); then
  echo "$failures Slurm check(s) failed (rerun with KEEP_TMP=1 to keep $TMP/log)"; exit 1
fi
echo "PASS: a real Slurm ran both runs of the sweep (job $job) and the store has their results"
