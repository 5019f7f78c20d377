#!/usr/bin/env bash
# Times `exifstrip sync` against a plain `cp -r` of the same folder of photos and prints the
# ratio. The folder (at least 2,000 photos) is made by copying the valid corpus photos into
# nested folders under bench-data/sync/ (gitignored). Each tool runs 3 times into a fresh
# destination (exifstrip also with a fresh state folder, so it really strips every photo),
# with the page cache warm and no dirty pages left from the previous run (each run starts
# after the removal and a flush, so neither tool pays for the other's writeback); the
# median counts. A resync that finds nothing to do is timed
# too. Waits while the machine's load average is above 1.2, since others compile here.
# Usage: scripts/bench/sync.sh   (EXIFSTRIP_BENCH_PHOTOS=N for another count)
set -euo pipefail
cd "$(dirname "$0")/../.."

photos=${EXIFSTRIP_BENCH_PHOTOS:-2000}
corpus=${EXIFSTRIP_CORPUS:-../shared/corpus/exif-samples/jpg}
data=bench-data/sync
runs=3

cargo build --release --locked --quiet -p exifstrip-cli
bin=${CARGO_TARGET_DIR:-target}/release/exifstrip

# The source folder: valid photos only (the damaged one would only measure rejections).
src=$data/photos
if [ "$(find "$src" -type f 2>/dev/null | wc -l)" -ne "$photos" ]; then
    rm -rf "$src"
    mapfile -t valid < <(find "$corpus" -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) | sort |
        while read -r f; do "$bin" strip "$f" -o - >/dev/null 2>&1 && echo "$f"; done)
    [ ${#valid[@]} -gt 0 ] || { echo "no valid photos in $corpus" >&2; exit 1; }
    n=0
    while [ "$n" -lt "$photos" ]; do
        for f in "${valid[@]}"; do
            [ "$n" -lt "$photos" ] || break
            dir="$src/year-$((n % 5))/album $((n / 50))"
            mkdir -p "$dir"
            cp "$f" "$dir/$n-$(basename "$f")"
            n=$((n + 1))
        done
    done
fi
bytes=$(du -sb "$src" | cut -f1)
echo "source: $photos photos, $((bytes / 1024 / 1024)) MiB in $src"

wait_for_quiet() {
    for _ in $(seq 1 60); do
        load=$(cut -d' ' -f1 /proc/loadavg)
        awk -v l="$load" 'BEGIN { exit !(l <= 1.2) }' && return 0
        echo "load average $load is above 1.2; waiting" >&2
        sleep 20
    done
    echo "warning: load average still $(cut -d' ' -f1 /proc/loadavg); timing anyway" >&2
}

# Prints the seconds one run of "$@" takes.
seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", e - s }'
}

median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

copy_once() { rm -rf "$data/copy"; /bin/sync; seconds cp -r "$src" "$data/copy"; }
sync_once() {
    rm -rf "$data/stripped" "$data/state"
    /bin/sync
    seconds "$bin" sync "$src" "$data/stripped" --state-dir "$data/state"
}

# Warm the page cache, and check that sync succeeds before timing it.
cat "$src"/*/*/* >/dev/null
"$bin" sync "$src" "$data/stripped" --state-dir "$data/state" 2>/dev/null ||
    { echo "exifstrip sync failed on the benchmark folder" >&2; exit 1; }

wait_for_quiet
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
copy=(); sync=()
for _ in $(seq 1 "$runs"); do
    copy+=("$(copy_once)")
    sync+=("$(sync_once)")
done
resync=$(seconds "$bin" sync "$src" "$data/stripped" --state-dir "$data/state")
copy_median=$(median "${copy[@]}")
sync_median=$(median "${sync[@]}")

echo "load average before timing: $load_before; cores: $(nproc)"
echo "cp -r:          ${copy[*]} s (median $copy_median s)"
echo "exifstrip sync: ${sync[*]} s (median $sync_median s)"
echo "resync with nothing to do: $resync s"
awk -v s="$sync_median" -v c="$copy_median" 'BEGIN { printf "ratio sync / cp -r: %.2f\n", s / c }'
