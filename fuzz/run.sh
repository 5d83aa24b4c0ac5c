#!/usr/bin/env bash
# Run every fuzz target for a fixed number of executions (default 1,000,000)
# and print one line of figures per target: executions, seconds, crashes.
#
#   fuzz/run.sh                 # all targets, 1M runs each
#   RUNS=10000 fuzz/run.sh parse_check
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Corpora are seeded from tests/cases (scripts), the *.mock.toml files of
# tests/ and scripts/, and fuzz/seeds/connections; they grow in
# fuzz/corpus/<target> (not committed). A crash is saved under
# fuzz/artifacts/<target>/ and makes the script exit 1: turn it into a
# regression case (tests/cases or tests/no_panic.rs) before fixing it.
set -u
cd "$(dirname "$0")"
ROOT=$(cd .. && pwd)
RUNS=${RUNS:-1000000}
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(parse_check eval_limits connections_toml mocks_toml lsp_messages)
fi

seed() {
  local target=$1 dir=corpus/$1 f
  mkdir -p "$dir"
  case $target in
    parse_check|eval_limits) set -- $(find "$ROOT/tests/cases" "$ROOT/scripts" -name '*.dg' -type f) ;;
    connections_toml) set -- seeds/connections/*.toml ;;
    mocks_toml) set -- $(find "$ROOT/tests" "$ROOT/scripts" -name '*.mock.toml' -type f) ;;
    lsp_messages) set -- seeds/lsp/* ;;
  esac
  # One seed per file, named after its path (names repeat across folders).
  for f in "$@"; do
    cp "$f" "$dir/seed_$(echo "${f#"$ROOT"/}" | tr '/' '_')"
  done
}

status=0
cargo +nightly fuzz build -s none -O || exit 2
for t in "${TARGETS[@]}"; do
  seed "$t"
  log=$(mktemp)
  start=$(date +%s)
  cargo +nightly fuzz run -s none -O "$t" "corpus/$t" -- \
    -runs="$RUNS" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  execs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  # A timeout or slow unit can come from a starved or paused run (libFuzzer
  # times units by the wall clock): re-run each such input once, alone.
  for a in artifacts/"$t"/timeout-* artifacts/"$t"/slow-unit-*; do
    [ -f "$a" ] || continue
    if "target/x86_64-unknown-linux-gnu/release/$t" -timeout=10 "$a" >/dev/null 2>&1; then
      echo "$t: $(basename "$a") does not reproduce alone (the run was starved); moved to artifacts/$t/unreproduced/"
      mkdir -p "artifacts/$t/unreproduced"
      mv "$a" "artifacts/$t/unreproduced/"
    fi
  done
  crashes=$(find "artifacts/$t" -maxdepth 1 -type f 2>/dev/null | wc -l)
  echo "$t: ${execs:-?} executions in ${secs}s, exit $rc, ${crashes} crash artifacts"
  if [ $rc -ne 0 ] && grep -aq 'libFuzzer: run interrupted' "$log"; then
    echo "$t: interrupted (Ctrl-C or SIGINT) after ${execs:-?} executions"
    status=1
  elif [ $rc -ne 0 ] && [ "$crashes" -eq 0 ]; then
    echo "$t: stopped early by an input that does not reproduce; run it again"
    status=1
  elif [ $rc -ne 0 ]; then
    status=1
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -20
  fi
  rm -f "$log"
done
exit $status
