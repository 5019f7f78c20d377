# Sourced by the AWS benchmarks (aws.sh, floor.sh): emulators on free loopback ports. Run from
# the repository root, after pin_venv has installed the emulator's virtualenv.

# free_port: prints a TCP port on 127.0.0.1 that is free now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_emulator NAME PORT DIR: starts moto or ministack in the background on 127.0.0.1:PORT
# (ministack keeps its state in DIR), sets $server to its process id and waits until it
# answers; exits the script if it never does.
start_emulator() {
    local health
    case $1 in
    moto)
        .venv-moto/bin/moto_server -H 127.0.0.1 -p "$2" >/dev/null 2>&1 &
        health=/moto-api/
        ;;
    ministack)
        local bin=$PWD/.venv-ministack/bin/ministack
        (cd "$3" && BIND_HOST=127.0.0.1 GATEWAY_PORT=$2 exec "$bin") >/dev/null 2>&1 &
        health=/_ministack/health
        ;;
    esac
    server=$!
    for _ in $(seq 120); do
        curl -fs -o /dev/null "http://127.0.0.1:$2$health" && return
        sleep 0.5
    done
    echo "$(basename "$0"): $1 did not answer on port $2" >&2
    exit 1
}
