#!/usr/bin/env bash
# The least CPU any consumer can spend per phone photo against the emulator: curl, a C client,
# only downloading each photo from the S3 emulator and uploading it again (signed requests,
# nothing else: no queue, no checks, no processing). Compared with the CPU per image of
# scripts/bench/aws.sh, it shows how much of a consumer's time is the transfer itself.
#
# Usage: scripts/bench/floor.sh [ROUNDS]   (default 50 transfers of each photo per measure)
#
# One curl process makes ROUNDS GETs (or PUTs) of a photo over loopback; its user+sys CPU time
# (wait4) minus that of a process making one is divided by ROUNDS - 1, so curl's own start is
# left out. moto closes the connection after every response, so each transfer also sets up a
# TCP connection, as the consumers' requests do against it.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
rounds=${1:-50}
source scripts/pin-venv.sh
source scripts/bench/emulators.sh
pin_venv .venv-moto "moto[server]==5.2.5"
corpus=${EXIFSTRIP_CORPUS:-$root/../shared/corpus/exif-samples/jpg}
server=""
trap 'kill $server 2>/dev/null || true' EXIT
port=$(free_port)
start_emulator moto "$port"
python3 - "http://127.0.0.1:$port" "$corpus" "$rounds" <<'PY'
import os, pathlib, subprocess, sys
endpoint, corpus, rounds = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3])
sign = ["--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "test:test", "-s", "-f"]
photos = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() == ".jpg"
                and p.name != "corrupted.jpg" and p.stat().st_size >= 1 << 20)

def cpu(args):
    child = subprocess.Popen(["curl"] + sign + args, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    assert status == 0, f"curl failed: {args[:4]}"
    return usage.ru_utime + usage.ru_stime

def per_transfer(one):
    return (cpu(sum((one(i) for i in range(rounds)), [])) - cpu(one(0))) / (rounds - 1)

subprocess.run(["curl"] + sign + ["-X", "PUT", "-o", "/dev/null", f"{endpoint}/floor"], check=True)
print("| photo | MB | GET | PUT | GET + PUT |")
print("|---|---:|---:|---:|---:|")
total = size = 0
for photo in photos:
    url = f"{endpoint}/floor/{photo.name}"
    subprocess.run(["curl"] + sign + ["-T", str(photo), "-o", "/dev/null", url], check=True)
    get = per_transfer(lambda i: ["-o", "/dev/null", url])
    put = per_transfer(lambda i: ["-T", str(photo), "-o", "/dev/null", f"{url}.{i}"])
    total += get + put; size += photo.stat().st_size
    print(f"| {photo.name} | {photo.stat().st_size / 1e6:.2f} | {get * 1000:.2f} ms | "
          f"{put * 1000:.2f} ms | {(get + put) * 1000:.2f} ms |")
print(f"| mean of {len(photos)} | {size / len(photos) / 1e6:.2f} | | | "
      f"{total / len(photos) * 1000:.2f} ms |")
PY
