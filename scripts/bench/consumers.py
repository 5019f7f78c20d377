"""CPU per image and cold start of exifstrip's AWS consumers next to Python + Pillow, against
the S3 and SQS emulator at AWS_ENDPOINT_URL. Run by scripts/bench/aws.sh, which describes the
method; prints one Markdown table row per photo set and measure, for the emulator named in
EMULATOR."""

import http.server, json, os, pathlib, signal, statistics, subprocess, threading, time
import boto3

s3, sqs = boto3.client("s3"), boto3.client("sqs")
images, colds = int(os.environ["IMAGES"]), int(os.environ["COLDS"])
emulator = os.environ["EMULATOR"]
corpus = pathlib.Path(os.environ["CORPUS"])
valid = lambda p: p.is_file() and p.suffix.lower() == ".jpg" and p.name != "corrupted.jpg"
sets = {
    "phone": (sorted(p for p in corpus.rglob("*") if valid(p) and p.stat().st_size >= 1 << 20),
              max(1, images // 4)),
    "samples": (sorted(p for p in corpus.iterdir() if valid(p)), images),
}
env = dict(os.environ)

def event(bucket, key):
    return json.dumps({"version": "0", "id": "bench", "detail-type": "Object Created",
        "source": "aws.s3", "detail": {"bucket": {"name": bucket}, "object": {"key": key}}})

def stage(name, photos, images):
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

def rust_cpu(name, photos, images):
    a, b, url = stage(f"rust-{name}", photos, images)
    child = subprocess.Popen([os.environ["WORKER_BIN"], "worker", "--queue-url", url,
        "--dest", f"s3://{b}", "--wait-seconds", "1"], env={**env, "RUST_LOG": "warn"})
    try:
        while count(b) < images:
            time.sleep(0.2)
    finally:
        child.send_signal(signal.SIGTERM)
    return cpu(child) / images

def python_cpu(name, photos, images):
    a, b, url = stage(f"python-{name}", photos, images)
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

runs = iter(range(1 << 30))

def cold_start(command, photo, extra):
    """One cold start handling a photo uploaded under a key of its own, so that every run
    finds the destination empty and does the whole work."""
    a, key = "bench-cold-a", f"cold/{next(runs)} {photo.name}"
    s3.put_object(Bucket=a, Key=key, Body=photo.read_bytes())
    RuntimeApi.body = event(a, key).encode()
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
for name, (photos, n) in sets.items():
    mean = sum(p.stat().st_size for p in photos) / len(photos) / 1e6
    label = f"{name} ({len(photos)} files, {mean:.2f} MB on average)"
    rust_cold = statistics.median(cold_start([os.environ["LAMBDA_BIN"]], photos[0],
        {"EXIFSTRIP_DEST": "s3://bench-cold-b"}) for _ in range(colds))
    # The same with a SHA-256 upload checksum, which emulators verify in native code (some
    # verify CRC-64/NVME, the default, in pure Python: 85 ms per MiB on ministack).
    rust_cold_sha = statistics.median(cold_start([os.environ["LAMBDA_BIN"]], photos[0],
        {"EXIFSTRIP_DEST": "s3://bench-cold-b", "AWS_CHECKSUM_ALGORITHM": "sha256"})
        for _ in range(colds))
    python_cold = statistics.median(cold_start([os.environ["PYTHON"],
        os.environ["PILLOW_WORKER"], "lambda", "bench-cold-b"], photos[0], {})
        for _ in range(colds))
    rust, python = rust_cpu(name, photos, n), python_cpu(name, photos, n)
    print(f"| {emulator} | {label} | CPU per image ({n} images) | {rust * 1000:.2f} ms | "
          f"{python * 1000:.2f} ms | {python / rust:.1f}x |", flush=True)
    print(f"| {emulator} | {label} | cold start to first event handled (median of {colds}, "
          f"{photos[0].name}) | {rust_cold * 1000:.0f} ms | {python_cold * 1000:.0f} ms | "
          f"{python_cold / rust_cold:.1f}x |", flush=True)
    print(f"| {emulator} | {label} | the same, uploads checksummed with SHA-256 | "
          f"{rust_cold_sha * 1000:.0f} ms | {python_cold * 1000:.0f} ms | "
          f"{python_cold / rust_cold_sha:.1f}x |", flush=True)
