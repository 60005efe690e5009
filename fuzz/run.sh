#!/usr/bin/env bash
# Builds every fuzz target with libFuzzer instrumentation and runs each from its committed
# seed corpus (fuzz/corpus/TARGET). A crash, OOM, timeout or leak fails the script (the
# reproducer lands in fuzz/artifacts/TARGET), and so does any non-zero exit of the fuzzer (e.g.
# a binary that fails to start). Uses nightly when installed, otherwise stable with
# RUSTC_BOOTSTRAP=1 (the sanitizer flags are nightly-only).
#   run.sh smoke    what CI runs: each target executes the fixed number of inputs listed in
#                   smoke-runs.txt (about 15 s each here) with mutation seed 1, capped at 30 s.
#                   libFuzzer is deterministic for a fixed seed and run count, so CI replays
#                   exactly the inputs a local `run.sh smoke` checked (a slower machine that
#                   hits the cap replays a prefix of them) instead of a speed-dependent set.
#   run.sh SECONDS  a campaign: each target for SECONDS with mutation seed FUZZ_SEED
#                   (default 1; vary it between campaigns).
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-smoke}"
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  cargo_cmd=(cargo +nightly)
else
  cargo_cmd=(cargo)
  export RUSTC_BOOTSTRAP=1
fi
# The flags cargo-fuzz passes (sancov instrumentation + address sanitizer).
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Zsanitizer=address -Cdebug-assertions -Coverflow-checks"
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/target}"
host=$(rustc -vV | sed -n 's/^host: //p')
"${cargo_cmd[@]}" build --release --target "$host" --bins
# Smoke runs write the inputs they add to a scratch corpus, so the committed one stays fixed.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^clasp-fuzz$')
for t in $targets; do
  mkdir -p "corpus/$t" "artifacts/$t"
  if [ "$mode" = smoke ]; then
    runs=$(awk -v t="$t" '$1 == t { print $2 }' smoke-runs.txt)
    [ -n "$runs" ] || { echo "fuzz target $t has no run count in fuzz/smoke-runs.txt"; exit 1; }
    budget=(-runs="$runs" -max_total_time=30 -seed=1 "$scratch/$t")
    mkdir -p "$scratch/$t"
    echo "== fuzz $t: $runs inputs"
  else
    budget=(-max_total_time="$mode" -seed="${FUZZ_SEED:-1}")
    echo "== fuzz $t for ${mode}s"
  fi
  # The fuzzer's own exit status counts: a binary that is missing or fails to start, a crash,
  # an OOM, a timeout or a leak all exit non-zero (only the summary lines are printed; the whole
  # log is shown on failure).
  log="$scratch/$t.log"
  status=0
  "$CARGO_TARGET_DIR/$host/release/$t" "${budget[@]}" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="artifacts/$t/" "corpus/$t" >"$log" 2>&1 || status=$?
  grep -E "stat::number_of_executed_units|ERROR|panicked|SUMMARY" "$log" || true
  found=""
  for kind in crash oom timeout leak; do
    if compgen -G "artifacts/$t/$kind-*" >/dev/null; then found="$found $kind"; fi
  done
  if [ -n "$found" ]; then
    echo "fuzz target $t found a failure ($found ): $(ls "artifacts/$t")"; exit 1
  fi
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$log"
    echo "fuzz target $t exited with status $status"; exit 1
  fi
done
echo "fuzz: every target ran ($mode) without a failure"
