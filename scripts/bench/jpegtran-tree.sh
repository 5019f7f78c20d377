#!/usr/bin/env bash
# jpegtran-tree.sh SRC DST JOBS: runs `jpegtran -copy none` once per JPEG under SRC, JOBS at a
# time, writing DST/<same relative path>. jpegtran takes one file per run and has no folder
# mode, so this is how it strips a tree.
set -euo pipefail
src=$1 dst=$2 jobs=$3
mkdir -p "$dst"
dst=$(cd "$dst" && pwd)
cd "$src"
find . -type d -print0 | (cd "$dst" && xargs -0 mkdir -p)
find . -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) -print0 |
    xargs -0 -P "$jobs" -I{} jpegtran -copy none -outfile "$dst/{}" {}
