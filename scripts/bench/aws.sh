#!/usr/bin/env bash
# CPU per image and cold start of exifstrip's AWS consumers next to Python + Pillow, against
# each of two emulators on loopback in turn: moto, which closes the connection after every
# response, and ministack, which keeps connections open as AWS does. Prints a Markdown table;
# docs/benchmarks.md records a run. The measuring is done by scripts/bench/consumers.py.
#
# Usage: scripts/bench/aws.sh [IMAGES] [COLD_STARTS]   (defaults 200 and 7)
#        EXIFSTRIP_BENCH_EMULATORS=ministack scripts/bench/aws.sh   (one emulator only)
#
# Two sets of photos from the corpus, each measured on its own:
#   phone    the photos of 1 MB and more (phones' 5 to 12 megapixel pictures, 1.4 to 2.9 MB),
#            the size users upload; IMAGES / 4 of them for the CPU measure
#   samples  the sample photos at the corpus's top level (32 KB on average), IMAGES of them
#
# CPU per image: IMAGES photos from the corpus are uploaded to bucket A and one EventBridge
# `Object Created` event per photo is queued; a consumer process drains the queue into bucket
# B; its user+sys CPU time (from wait4) is divided by IMAGES. exifstrip's worker is stopped
# with SIGTERM once B is complete, so its idle polling counts against it.
#
# Cold start: a stand-in for the Lambda runtime API on loopback serves one EventBridge event;
# the time from spawning the function's process to its response for that event (one photo
# downloaded, stripped and uploaded through the emulator) is measured, COLD_STARTS times,
# median kept.
# The file cache is warm, as on a reused Lambda host; Lambda's own sandbox setup is excluded
# for both.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target/aws}
images=${1:-200}
colds=${2:-7}

source scripts/pin-venv.sh
source scripts/bench/emulators.sh
pin_venv .venv-moto "moto[server]==5.2.5"
pin_venv .venv-ministack ministack==1.5.33
pin_venv .venv-bench pillow==13.0.0 boto3==1.44.8

scratch=$(mktemp -d)
server=""
trap 'kill $server 2>/dev/null || true; rm -rf "$scratch"' EXIT

cargo build --release -p exifstrip-cli
export WORKER_BIN=${EXIFSTRIP_BENCH_WORKER:-$CARGO_TARGET_DIR/release/exifstrip}
# The function is measured as deployed: the bootstrap inside the zip.
scripts/lambda-zip.sh
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("bootstrap", sys.argv[2])' \
    "$CARGO_TARGET_DIR/lambda/exifstrip/bootstrap.zip" "$scratch"
chmod +x "$scratch/bootstrap"
export LAMBDA_BIN=$scratch/bootstrap

export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export CORPUS=${EXIFSTRIP_CORPUS:-$root/../shared/corpus/exif-samples/jpg}
export IMAGES=$images COLDS=$colds PILLOW_WORKER=$root/scripts/bench/pillow_worker.py
export PYTHON=$root/.venv-bench/bin/python

echo "| emulator | photos | measure | exifstrip | Python + Pillow | ratio |"
echo "|---|---|---|---|---|---|"
for emulator in ${EXIFSTRIP_BENCH_EMULATORS:-moto ministack}; do
    port=$(free_port)
    start_emulator "$emulator" "$port" "$scratch"
    EMULATOR=$emulator AWS_ENDPOINT_URL=http://127.0.0.1:$port "$PYTHON" scripts/bench/consumers.py
    kill "$server"
    wait "$server" 2>/dev/null || true
done
