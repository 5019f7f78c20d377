#!/usr/bin/env bash
# Builds the Lambda deployment zip for the provided.al2023 runtime:
# target/lambda/exifstrip/bootstrap.zip (what infra/terraform deploys by default).
# cargo-lambda comes from PyPI, pinned, into .venv-lambda/ on first use.
#
# Usage: scripts/lambda-zip.sh [--arm64]   (x86_64 unless --arm64; the Terraform variable
#        `architecture` must match)
# Environment: CARGO_TARGET_DIR moves the output with it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

source scripts/pin-venv.sh
pin_venv .venv-lambda cargo-lambda==1.9.2

# The `lambda` profile is the release profile without debug information (Cargo.toml).
PATH="$root/.venv-lambda/bin:$PATH" cargo lambda build --profile lambda --output-format zip \
    -p exifstrip-cli --bin exifstrip "$@"
zip=${CARGO_TARGET_DIR:-$root/target}/lambda/exifstrip/bootstrap.zip
test -s "$zip" || { echo "lambda-zip: $zip was not produced" >&2; exit 1; }
echo "lambda-zip: $zip" >&2
