#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need, then runs formatting,
# lints, unit, integration and property tests, doc tests, the S3 and SQS emulator suites, a
# short fuzz run and the infrastructure checks. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

# A clean clone's builds, virtual environments and fuzzing corpus take about 5 GB.
free_kb=$(df -Pk . | awk 'NR == 2 { print $4 }')
if [ "${free_kb:-0}" -lt $((8 * 1024 * 1024)) ]; then
    echo "warning: only $((free_kb / 1024)) MiB free here; the suite needs about 5 GB for" \
        "its builds (target/, fuzz/target/) and virtual environments (.venv-*)" >&2
fi

step "system packages: exiftool and djpeg are the tests' independent judges"
missing=()
command -v exiftool >/dev/null || missing+=(libimage-exiftool-perl)
command -v djpeg >/dev/null || missing+=(libjpeg-turbo-progs)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

if [ ! -d "${EXIFSTRIP_CORPUS:-../shared/corpus/exif-samples/jpg}" ]; then
    echo "the photo corpus is missing: put shared/ beside this repository or set EXIFSTRIP_CORPUS" >&2
    exit 1
fi

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

step "tests"
scripts/with-emulators.sh cargo test --workspace --locked

step "AWS front ends end to end on moto and ministack"
# Reuses the build of the tests above: only the Lambda zip is compiled anew.
scripts/aws-e2e.sh

step "fuzzing, time-capped"
scripts/fuzz.sh "${EXIFSTRIP_FUZZ_SECONDS:-60}"

if [ -x infra/check.sh ]; then
    step "infrastructure: terraform fmt, validate and plan, checkov, access matrix"
    # The plan asks moto's STS who is calling, in place of AWS.
    scripts/with-emulators.sh infra/check.sh
fi

step "all checks passed"
