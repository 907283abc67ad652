# Shared by the command-line tests (tests/cli_test.sh, platform/cli/tokenizer_command_test.sh,
# platform/sweep/sweep_cli_test.sh): source it from the runfiles root, then
#
#   expect 2 "usage: vlmlab COMMAND" -- "$VLMLAB"
#   ...
#   finish "CLI"          # exits 1 with the count when a check failed
#
# expect STATUS NEEDLE -- COMMAND...: runs COMMAND, checks its exit status and that its output
# (stdout and stderr) contains NEEDLE; failures are counted in $failures.
failures=0

expect() {
  local want_status="$1" needle="$2"
  shift 3
  local out status
  out="$("$@" 2>&1)"
  status=$?
  if [[ "$status" != "$want_status" ]]; then
    echo "FAIL: '$*' exited $status, expected $want_status; output:"; echo "$out"
    failures=$((failures + 1))
  elif [[ "$out" != *"$needle"* ]]; then
    echo "FAIL: '$*' output lacks '$needle'; output:"; echo "$out"
    failures=$((failures + 1))
  fi
}

finish() {
  if ((failures > 0)); then
    echo "$failures $1 check(s) failed"
    exit 1
  fi
  echo "all $1 checks passed"
}
