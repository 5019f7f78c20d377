# Sourced by the scripts that need Python tools from PyPI.
# pin_venv DIR PACKAGE...: makes DIR a virtual environment holding exactly these pinned
# packages, installing them only when DIR was made for a different list.
pin_venv() {
    local dir=$1
    shift
    if [[ $(cat "$dir/.pinned" 2>/dev/null) != "$*" ]]; then
        echo "installing $* into $dir" >&2
        python3 -m venv "$dir"
        "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@"
        echo "$*" >"$dir/.pinned"
    fi
}
