#!/usr/bin/env bash
# Times whole commands on the same folder of JPEGs: `exifstrip strip -r` against `cp -r` (the
# physical floor) and the usual tools for removing metadata, and prints each one's median time
# as a ratio to `cp -r`. Then measures the peak memory of `exifstrip strip -` on a JPEG of more
# than 200 MiB, and checks what each tool's output still holds.
#
# Usage: scripts/bench/run.sh [--quick] [--runs N]
#
#   --quick   a small set (about 50 MB, one 12 MP image, a 34 MB JPEG for memory) and two
#             runs each: for trying the script out. Its chart stays in bench-data/quick/results.
#   --runs N  timed runs per command after one warm-up run (default 5); the median is kept.
#
# Everything is generated under bench-data/full (or bench-data/quick) at the repository root
# (git-ignored) and reused by later runs with the same settings.
#
# Environment: EXIFSTRIP_CORPUS, the folder of sample JPEGs (default:
# ../shared/corpus/exif-samples/jpg beside the repository); EXIFSTRIP_BIN, an exifstrip binary
# to measure instead of building this checkout's; BENCH_MAX_WAIT, seconds to wait for an idle
# machine before timing anyway (default 600).
#
# Needs bash, python3 (standard library only), cargo, and the tools checked below.

set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/scripts/bench"
corpus=${EXIFSTRIP_CORPUS:-$root/../shared/corpus/exif-samples/jpg}
max_wait=${BENCH_MAX_WAIT:-600}

quick=0
runs=
while (($#)); do
    case $1 in
        --quick) quick=1 ;;
        --runs) runs=$2; shift ;;
        -h | --help) sed -n '2,21p' "${BASH_SOURCE[0]}" | cut -c3-; exit 0 ;;
        *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

jobs=$(nproc)
data="$root/bench-data/$( ((quick)) && echo quick || echo full)"
results="$data/results"
if ((quick)); then
    target_mb=50 large_mp=(12) big_size=(4000 3000) runs=${runs:-2}
    chart="$results/cli-vs-tools.svg"
else
    target_mb=500 large_mp=(12 24 48) big_size=(9600 8000) runs=${runs:-5}
    chart="$root/docs/img/cli-vs-tools.svg"
fi

say() { printf '\n== %s\n' "$*"; }
source_bytes() { find src -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }

# --- tools -------------------------------------------------------------------------------------

missing=()
declare -A package=(
    [exiftool]=libimage-exiftool-perl [cjpeg]=libjpeg-turbo-progs [djpeg]=libjpeg-turbo-progs
    [jpegtran]=libjpeg-turbo-progs [exiv2]=exiv2 [/usr/bin/time]=time [python3]=python3
)
for tool in "${!package[@]}"; do
    command -v "$tool" >/dev/null || missing+=("${package[$tool]}")
done
if ((${#missing[@]})); then
    echo "run.sh: missing tools; install them with:" >&2
    echo "  apt-get install -y $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')" >&2
    exit 1
fi
command -v cargo >/dev/null || { echo "run.sh: cargo not found (https://rustup.rs)" >&2; exit 1; }
for sample in gps/DSCN0010.jpg orientation/portrait_6.jpg xmp/BlueSquare.jpg; do
    # Metadata donors and check samples below; the shared corpus has them.
    [[ -f $corpus/$sample ]] && continue
    echo "run.sh: $corpus/$sample not found; set EXIFSTRIP_CORPUS to the exif-samples jpg folder" >&2
    exit 1
done

if [[ -n ${EXIFSTRIP_BIN:-} ]]; then
    bin=$(realpath "$EXIFSTRIP_BIN")
    source="the binary $bin"
else
    say "building exifstrip (release)"
    cargo build --release --quiet -p exifstrip-cli --manifest-path "$root/Cargo.toml"
    bin="${CARGO_TARGET_DIR:-$root/target}/release/exifstrip"
    source="this checkout, $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
fi

# --- data set ----------------------------------------------------------------------------------

# The corpus replicated into src/corpus-NN/ until the total passes target_mb, without its one
# deliberately corrupt file; large synthetic photos with real metadata in src/large/; one JPEG
# of more than 200 MiB in big/ for the memory measurement.
settings="target_mb=$target_mb large=${large_mp[*]} big=${big_size[*]} v1"
mkdir -p "$data" "$results"
cd "$data"
if [[ ! -f settings.txt || $(cat settings.txt) != "$settings" ]]; then
    say "generating the data set in $data ($settings)"
    rm -rf src big out settings.txt
    mkdir -p src/large big out

    python3 "$here/synth.py" 160 120 --noise 8 --seed 7 | cjpeg -quality 75 >big/thumb.jpg
    # Metadata of a real camera photo with GPS and maker notes, an ICC profile and portrait
    # orientation, a thumbnail, XMP, IPTC and a comment, then a second image appended after
    # EOI as phones do: every kind the tools are expected to remove or keep.
    add_metadata() {
        exiftool -q -q -overwrite_original \
            -tagsFromFile "$corpus/gps/DSCN0010.jpg" -all:all \
            -tagsFromFile "$corpus/orientation/portrait_6.jpg" -icc_profile -Orientation \
            '-ThumbnailImage<=big/thumb.jpg' -Comment='Holiday at the lake house' \
            -XMP-dc:Creator='Jane Example' -XMP-dc:Description='At home, 12 Example Road' \
            -IPTC:By-line='Jane Example' -IPTC:City='Exampleville' "$1"
        cat big/thumb.jpg >>"$1"
    }

    declare -A dims=([12]="4000 3000" [24]="6000 4000" [48]="8000 6000")
    for mp in "${large_mp[@]}"; do
        file="src/large/synthetic-${mp}mp.jpg"
        # shellcheck disable=SC2086 # dims holds two numbers
        python3 "$here/synth.py" ${dims[$mp]} --noise 32 --seed "$mp" | cjpeg -quality 90 >"$file"
        add_metadata "$file"
    done

    copy=0
    while (($(source_bytes) < target_mb * 1000 * 1000)); do
        dest=$(printf 'src/corpus-%02d' "$copy")
        cp -r "$corpus" "$dest"
        rm -f "$dest/corrupted.jpg"
        copy=$((copy + 1))
    done
    chmod -R u+w src

    python3 "$here/synth.py" "${big_size[@]}" --noise 64 --seed 200 |
        cjpeg -quality 100 -sample 1x1 >big/big.jpg
    add_metadata big/big.jpg
    echo "$settings" >settings.txt
fi

files=$(find src -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) | wc -l)
bytes=$(source_bytes)
big_bytes=$(stat -c %s big/big.jpg)
echo "data set: $files files, $bytes bytes in src/; big/big.jpg is $big_bytes bytes"
if ! ((quick)) && ((big_bytes < 200 * 1024 * 1024)); then
    echo "run.sh: big/big.jpg is under 200 MiB; enlarge big_size" >&2
    exit 1
fi

# Every input must be accepted, or the tools would not do the same work.
rm -rf out/check
if ! "$bin" strip -q -r src --out-dir out/check; then
    echo "run.sh: exifstrip rejected inputs" >&2
    exit 1
fi
rm -rf out/check

# --- timings -----------------------------------------------------------------------------------

say "timing $files files ($bytes bytes), $jobs cores, median of $runs interleaved runs"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
cat >"$results/meta.env" <<EOF
date=$(date -u '+%Y-%m-%d %H:%M UTC')
cpu=$cpu
cores=$jobs
memory=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')
kernel=$(uname -r)
filesystem=$(findmnt -n -o FSTYPE -T "$data" 2>/dev/null || stat -f -c %T "$data")
mode=$( ((quick)) && echo quick || echo full)
runs=$runs
files=$files
bytes=$bytes
large=$(cd src/large && echo *)
big_bytes=$big_bytes
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
exifstrip=$("$bin" --version), built from $source
exiftool=$(exiftool -ver)
exiv2=$(exiv2 --version | head -1)
jpegtran=$(jpegtran -version 2>&1 | head -1)
cp=$(cp --version | head -1)
EOF

# name | slug | preparation | command. Each writes into a fresh folder under out/ on the same
# filesystem; `sync` in the preparation keeps the previous run's write-back out of the next
# timing, and reading src/ again keeps it in the page cache (kernels with proactive reclaim,
# such as DAMON's, evict file pages left untouched for a minute).
#
# exiv2 only rewrites in place, so its fair cost is copying and then rewriting the copy; its
# in-place time alone is measured too. exiftool is one process by design; the per-file tools
# get all cores through xargs -P, as exifstrip does.
warm="find src -type f -exec cat {} + >/dev/null"
exiv2_rm="find out/exiv2 -type f -print0 | xargs -0 -P $jobs -n 64 exiv2 rm 2>/dev/null"
cat >"$results/commands.txt" <<EOF
cp -r|cp|rm -rf out/cp && sync && $warm|cp -r src out/cp
exifstrip|exifstrip|rm -rf out/exifstrip && sync && $warm|$bin strip -q -r src --out-dir out/exifstrip
exifstrip -j 1|exifstrip-j1|rm -rf out/exifstrip-j1 && sync && $warm|$bin strip -q -j 1 -r src --out-dir out/exifstrip-j1
exiftool -all=|exiftool|rm -rf out/exiftool && sync && $warm|exiftool -q -q -all= -r -o 'out/exiftool/%:1d%f.%e' src
cp -r + exiv2 rm|cp-exiv2|rm -rf out/exiv2 && sync && $warm|cp -r src out/exiv2 && $exiv2_rm
exiv2 rm (in place)|exiv2-in-place|rm -rf out/exiv2 && cp -r src out/exiv2 && sync|$exiv2_rm
jpegtran -copy none|jpegtran|rm -rf out/jpegtran && sync && $warm|$here/jpegtran-tree.sh src out/jpegtran $jobs
EOF
python3 "$here/timing.py" --commands "$results/commands.txt" --out "$results" --runs "$runs" \
    --max-wait "$max_wait"
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$results/meta.env"

# Each tool wrote every file (in the last round; exiv2's folder is the in-place run's).
for folder in cp exifstrip exifstrip-j1 exiftool exiv2 jpegtran; do
    got=$(find "out/$folder" -type f | wc -l)
    ((got == files)) || echo "run.sh: out/$folder has $got files, expected $files" >&2
done

# --- peak memory -------------------------------------------------------------------------------

say "peak memory on big/big.jpg ($big_bytes bytes)"
peak() { # name command...: runs it under /usr/bin/time, prints "name KiB wall-time"
    local name=$1 log="$results/mem-$1.txt"
    shift
    /usr/bin/time -v "$@" 2>"$log" || { echo "run.sh: $name failed; see $log" >&2; return 1; }
    local kib wall
    kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
    echo "$name $kib $wall" | tee -a "$results/memory.txt"
}
# /usr/bin/time reports the largest single process under it, so `sh -c` for the redirections
# does not add to the figure.
: >"$results/memory.txt"
cat big/big.jpg >/dev/null
for attempt in 1 2 3; do
    peak "exifstrip-stdin-$attempt" sh -c "'$bin' strip - <big/big.jpg >out/big-exifstrip.jpg"
done
peak jpegtran sh -c "jpegtran -copy none <big/big.jpg >out/big-jpegtran.jpg"
peak exiftool sh -c "exiftool -q -q -all= - <big/big.jpg >out/big-exiftool.jpg"
cp big/big.jpg out/big-exiv2.jpg
peak exiv2 exiv2 rm out/big-exiv2.jpg

# --- what the outputs still hold ---------------------------------------------------------------

say "what each tool's output still holds"
python3 "$here/check.py" --data "$data" --out "$results/peers.md" --big out/big-exifstrip.jpg \
    corpus-00/gps/DSCN0010.jpg corpus-00/orientation/portrait_6.jpg \
    corpus-00/xmp/BlueSquare.jpg "large/synthetic-${large_mp[0]}mp.jpg"

# --- report ------------------------------------------------------------------------------------

say "results"
mkdir -p "$(dirname "$chart")"
python3 "$here/report.py" --results "$results" --chart "$chart"
