#!/usr/bin/env bash
# Runs a command with an S3-compatible server on loopback: moto's server mode, installed from
# PyPI into .venv-moto/ on first use (the same pinned environment as scripts/aws-e2e.sh's).
# The command sees EXIFSTRIP_TEST_S3_ENDPOINT and dummy AWS credentials; the server is stopped
# when the command ends, however it ends.
# Usage: scripts/with-emulators.sh CMD [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }

source scripts/pin-venv.sh
venv=.venv-moto
pin_venv "$venv" "moto[server]==5.2.5"

# A free port: bind to port 0 and let the kernel choose.
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp -t moto-server.XXXXXX.log)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
server=$!
stop() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -f "$log"
}
trap stop EXIT

endpoint="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
    if "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('$endpoint/moto-api/', timeout=1)" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$server" 2>/dev/null; then
        echo "with-emulators: moto_server exited:" >&2
        cat "$log" >&2
        exit 1
    fi
    sleep 0.2
done
"$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('$endpoint/moto-api/', timeout=2)" || {
    echo "with-emulators: moto_server did not answer on $endpoint" >&2
    cat "$log" >&2
    exit 1
}

export EXIFSTRIP_TEST_S3_ENDPOINT="$endpoint"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
echo "with-emulators: S3-compatible server at $endpoint" >&2
"$@"
