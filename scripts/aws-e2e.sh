#!/usr/bin/env bash
# The AWS front ends end to end on local emulators, with no cloud account and no Docker:
# installs pinned moto and ministack into virtual environments, builds `exifstrip` and the
# Lambda zip, starts both emulators on free loopback ports, runs crates/aws's tests against
# them and always stops the emulators.
#
# Usage: scripts/aws-e2e.sh [test harness arguments, e.g. a test name filter]
# Environment: EXIFSTRIP_CORPUS (the sample photos), EXIFSTRIP_E2E_OBJECTS (uploads in the
# main run, default 300), CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
moto_version=5.2.5
ministack_version=1.5.33

source scripts/pin-venv.sh
pin_venv .venv-moto "moto[server]==$moto_version"
pin_venv .venv-ministack "ministack==$ministack_version"

echo "== building the test suite, exifstrip and the Lambda zip (x86_64)"
# Built for the whole workspace, as scripts/test.sh's `cargo test --workspace` builds them:
# `cargo test -p exifstrip-aws` would resolve dependency features for that one package and
# compile most dependencies a second time. Cargo's JSON messages say where the suite and the
# worker binary are; the zip is what gets deployed.
artifacts=$(cargo test --workspace --locked --no-run --message-format=json-render-diagnostics)
artifact() { # artifact PACKAGE TARGET KIND: the executable cargo built for that target (for a
    # bin, the program itself, not its unit tests)
    python3 -c '
import json, sys
package, target, kind = sys.argv[1:]
for line in sys.stdin:
    m = json.loads(line)
    if (m.get("reason") == "compiler-artifact" and m.get("executable")
            and m["target"]["name"] == target and kind in m["target"]["kind"]
            and m["profile"]["test"] == (kind == "test")
            and m["manifest_path"].endswith("/crates/%s/Cargo.toml" % package)):
        print(m["executable"])
        break
else:
    sys.exit("no %s target %s in crates/%s was built" % (kind, target, package))
' "$@" <<<"$artifacts"
}
suite=$(artifact aws tests test)
EXIFSTRIP_BIN=$(artifact cli exifstrip bin)
export EXIFSTRIP_BIN
scripts/lambda-zip.sh
export EXIFSTRIP_LAMBDA_ZIP=${CARGO_TARGET_DIR:-$root/target}/lambda/exifstrip/bootstrap.zip
test -s "$EXIFSTRIP_LAMBDA_ZIP"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
logs=$(mktemp -d)
pids=()
stop() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}
trap stop EXIT

wait_for() { # wait_for NAME URL LOG: polls URL until it answers, for up to 60 seconds
    for _ in $(seq 120); do
        if curl -fs -o /dev/null "$2"; then
            return 0
        fi
        sleep 0.5
    done
    echo "$1 did not start; its log:" >&2
    cat "$3" >&2
    return 1
}

moto_port=$(free_port)
.venv-moto/bin/moto_server -H 127.0.0.1 -p "$moto_port" >"$logs/moto.log" 2>&1 &
pids+=($!)
ministack_port=$(free_port)
(cd "$logs" && BIND_HOST=127.0.0.1 GATEWAY_PORT=$ministack_port \
    exec "$root/.venv-ministack/bin/ministack") >"$logs/ministack.log" 2>&1 &
pids+=($!)
wait_for moto "http://127.0.0.1:$moto_port/moto-api/" "$logs/moto.log"
wait_for ministack "http://127.0.0.1:$ministack_port/_ministack/health" "$logs/ministack.log"

export EXIFSTRIP_TEST_MOTO=http://127.0.0.1:$moto_port
export EXIFSTRIP_TEST_MINISTACK=http://127.0.0.1:$ministack_port
echo "== moto at $EXIFSTRIP_TEST_MOTO, ministack at $EXIFSTRIP_TEST_MINISTACK (logs in $logs)"
# Run from the package's folder, as `cargo test` would.
if ! (cd crates/aws && "$suite" --test-threads 3 "$@"); then
    echo "emulator logs are in $logs" >&2
    exit 1
fi
rm -rf "$logs"
