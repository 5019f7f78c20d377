#!/usr/bin/env bash
# CPU per image and cold start of exifstrip's AWS consumers next to Python + Pillow, against
# moto on loopback. Prints a Markdown table; docs/benchmarks.md records a run.
#
# Usage: scripts/bench/aws.sh [IMAGES] [COLD_STARTS]   (defaults 200 and 7)
#
# CPU per image: IMAGES photos from the corpus are uploaded to bucket A and one EventBridge
# `Object Created` event per photo is queued; a consumer process drains the queue into bucket
# B; its user+sys CPU time (from wait4) is divided by IMAGES. exifstrip's worker is stopped
# with SIGTERM once B is complete, so its idle polling counts against it.
#
# Cold start: a stand-in for the Lambda runtime API on loopback serves one EventBridge event;
# the time from spawning the function's process to its response for that event (one photo
# downloaded, stripped and uploaded through moto) is measured, COLD_STARTS times, median kept.
# The file cache is warm, as on a reused Lambda host; Lambda's own sandbox setup is excluded
# for both.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target/aws}
images=${1:-200}
colds=${2:-7}

pin() { # pin DIR PACKAGE...
    local dir=$1
    shift
    if [[ $(cat "$dir/.pinned" 2>/dev/null) != "$*" ]]; then
        python3 -m venv "$dir"
        "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@"
        echo "$*" >"$dir/.pinned"
    fi
}
pin .venv-moto "moto[server]==5.2.5"
pin .venv-bench pillow==13.0.0 boto3==1.44.8
pin .venv-lambda cargo-lambda==1.9.2

cargo build --release -p exifstrip-cli
PATH="$root/.venv-lambda/bin:$PATH" cargo lambda build --release -p exifstrip-lambda
export WORKER_BIN=$CARGO_TARGET_DIR/release/exifstrip
export LAMBDA_BIN=$CARGO_TARGET_DIR/lambda/exifstrip-lambda/bootstrap

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv-moto/bin/moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null || true' EXIT
for _ in $(seq 120); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/moto-api/" && break
    sleep 0.5
done

export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export CORPUS=${EXIFSTRIP_CORPUS:-$root/../shared/corpus/exif-samples/jpg}
export IMAGES=$images COLDS=$colds PILLOW_WORKER=$root/scripts/bench/pillow_worker.py
export PYTHON=$root/.venv-bench/bin/python
exec "$PYTHON" - <<'EOF'
import http.server, json, os, pathlib, signal, statistics, subprocess, threading, time
import boto3

s3, sqs = boto3.client("s3"), boto3.client("sqs")
images, colds = int(os.environ["IMAGES"]), int(os.environ["COLDS"])
photos = sorted(p for p in pathlib.Path(os.environ["CORPUS"]).iterdir()
                if p.is_file() and p.suffix.lower() == ".jpg" and p.name != "corrupted.jpg")
env = dict(os.environ)

def event(bucket, key):
    return json.dumps({"version": "0", "id": "bench", "detail-type": "Object Created",
        "source": "aws.s3", "detail": {"bucket": {"name": bucket}, "object": {"key": key}}})

def stage(name):
    a, b = f"bench-{name}-a", f"bench-{name}-b"
    s3.create_bucket(Bucket=a); s3.create_bucket(Bucket=b)
    url = sqs.create_queue(QueueName=f"bench-{name}")["QueueUrl"]
    for i in range(images):
        key = f"photos/{i:04} {photos[i % len(photos)].name}"
        s3.put_object(Bucket=a, Key=key, Body=photos[i % len(photos)].read_bytes())
        sqs.send_message(QueueUrl=url, MessageBody=event(a, key))
    return a, b, url

def count(bucket):
    return sum(page.get("KeyCount", 0) for page in
               s3.get_paginator("list_objects_v2").paginate(Bucket=bucket))

def cpu(child):
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = status
    return usage.ru_utime + usage.ru_stime

def rust_cpu():
    a, b, url = stage("rust")
    child = subprocess.Popen([os.environ["WORKER_BIN"], "worker", "--queue-url", url,
        "--dest", f"s3://{b}", "--wait-seconds", "1"], env={**env, "RUST_LOG": "warn"})
    while count(b) < images:
        time.sleep(0.2)
    child.send_signal(signal.SIGTERM)
    return cpu(child) / images

def python_cpu():
    a, b, url = stage("python")
    child = subprocess.Popen([os.environ["PYTHON"], os.environ["PILLOW_WORKER"], "worker",
        url, b, str(images)], env=env)
    seconds = cpu(child)
    assert count(b) == images
    return seconds / images

class RuntimeApi(http.server.BaseHTTPRequestHandler):
    """One invocation, then the function's next poll blocks until the process is killed."""
    body, served, done = b"", threading.Event(), threading.Event()
    def do_GET(self):
        if RuntimeApi.served.is_set():
            RuntimeApi.done.wait(); time.sleep(3600)
        RuntimeApi.served.set()
        self.send_response(200)
        for name, value in [("Lambda-Runtime-Aws-Request-Id", "bench-1"),
                ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 60000)),
                ("Lambda-Runtime-Invoked-Function-Arn",
                 "arn:aws:lambda:us-east-1:000000000000:function:bench"),
                ("Content-Length", str(len(self.body)))]:
            self.send_header(name, value)
        self.end_headers(); self.wfile.write(self.body)
    def do_POST(self):
        RuntimeApi.finished = time.perf_counter(); RuntimeApi.done.set()
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(202); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args):
        pass

def cold_start(command, dest, extra):
    a = "bench-cold-a"
    RuntimeApi.body = event(a, "cold/one photo.jpg").encode()
    RuntimeApi.served.clear(); RuntimeApi.done.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    function_env = {**env, **extra, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_port}",
        "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_GROUP_NAME": "bench", "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_LAMBDA_LOG_LEVEL": "WARN"}
    started = time.perf_counter()
    child = subprocess.Popen(command, env=function_env, stderr=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL)
    assert RuntimeApi.done.wait(60), "the function never answered"
    elapsed = RuntimeApi.finished - started
    child.kill(); child.wait(); server.shutdown(); server.server_close()
    return elapsed

s3.create_bucket(Bucket="bench-cold-a"); s3.create_bucket(Bucket="bench-cold-b")
s3.put_object(Bucket="bench-cold-a", Key="cold/one photo.jpg", Body=photos[0].read_bytes())
rust_cold = statistics.median(cold_start([os.environ["LAMBDA_BIN"]], "bench-cold-b",
    {"EXIFSTRIP_DEST": "s3://bench-cold-b"}) for _ in range(colds))
python_cold = statistics.median(cold_start([os.environ["PYTHON"], os.environ["PILLOW_WORKER"],
    "lambda", "bench-cold-b"], "bench-cold-b", {}) for _ in range(colds))
rust, python = rust_cpu(), python_cpu()

print(f"| measure | exifstrip | Python + Pillow | ratio |")
print(f"|---|---|---|---|")
print(f"| CPU per image ({images} images) | {rust * 1000:.2f} ms | {python * 1000:.2f} ms | {python / rust:.1f}x |")
print(f"| cold start to first event handled (median of {colds}) | {rust_cold * 1000:.0f} ms | {python_cold * 1000:.0f} ms | {python_cold / rust_cold:.1f}x |")
EOF
