#!/usr/bin/env bash
# Builds the fuzz target and runs it for a bounded time: scripts/fuzz.sh [SECONDS] (default 60).
# A crash leaves its input in fuzz/artifacts/strip/; copy it into
# crates/core/tests/regressions/ under a name that says what it exercises.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

if ! command -v cargo-fuzz >/dev/null; then
    cargo install cargo-fuzz --locked --version 0.13.2
fi
# cargo-fuzz passes sanitizer flags that need a nightly compiler; this lets the pinned stable
# toolchain accept them.
export RUSTC_BOOTSTRAP=1

seeds=fuzz/corpus/strip
mkdir -p "$seeds"
cp crates/core/tests/regressions/*.jpg "$seeds"/
corpus=${EXIFSTRIP_CORPUS:-../shared/corpus/exif-samples/jpg}
if [ -d "$corpus" ]; then
    find "$corpus" -name '*.jpg' -size -40k -exec cp {} "$seeds"/ \;
fi

cd fuzz
cargo fuzz run strip -- -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
    -print_final_stats=1
