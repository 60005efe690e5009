#!/usr/bin/env bash
# Builds every fuzz target with libFuzzer instrumentation and runs each for SECONDS (default
# 25) from its committed seed corpus (fuzz/corpus/TARGET). A crash fails the script; the
# reproducer lands in fuzz/artifacts/TARGET. Uses nightly when installed, otherwise stable
# with RUSTC_BOOTSTRAP=1 (the sanitizer flags are nightly-only). The mutation seed is fixed
# (FUZZ_SEED, default 1) so a CI run is reproducible; long local campaigns should vary it.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-25}"
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
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^clasp-fuzz$')
for t in $targets; do
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "== fuzz $t for ${secs}s"
  "$CARGO_TARGET_DIR/$host/release/$t" -max_total_time="$secs" -seed="${FUZZ_SEED:-1}" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="artifacts/$t/" "corpus/$t" 2>&1 | grep -E "stat::number_of_executed_units|ERROR|panicked|SUMMARY" || true
  if compgen -G "artifacts/$t/crash-*" >/dev/null || compgen -G "artifacts/$t/oom-*" >/dev/null \
    || compgen -G "artifacts/$t/timeout-*" >/dev/null; then
    echo "fuzz target $t found a failure: $(ls artifacts/$t)"; exit 1
  fi
done
echo "fuzz: all targets ran ${secs}s without a failure"
