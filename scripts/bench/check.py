#!/usr/bin/env python3
"""What each tool's output still holds, for a few sample files of the benchmark set.

For every sample (a path under bench-data/src) and every tool whose output is under
bench-data/out/<tool>/ from the last timed run: the metadata groups exiftool still finds
(`exiftool -a -G1`), the orientation, whether an ICC profile is present, the bytes after the
primary image's EOI (found by walking the markers here, independently of exifstrip), and whether
the decoded pixels (`djpeg -ppm`) are identical to the original's. Writes a Markdown table.

    check.py --data bench-data --out peers.md [--big out/big-exifstrip.jpg] SAMPLE...
"""

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

# Output folder under out/ and the name shown, in table order. exiv2's folder holds the copy
# it rewrote in place.
TOOLS = [
    (None, "original"),
    ("exifstrip", "exifstrip"),
    ("exiftool", "exiftool -all="),
    ("exiv2", "exiv2 rm"),
    ("jpegtran", "jpegtran -copy none"),
]

# exiftool groups that describe the file or exiftool itself, not metadata stored in it.
NOT_METADATA = {"ExifTool", "System", "File", "Composite"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--big", help="exifstrip's output for big/big.jpg, relative to --data")
    parser.add_argument("samples", nargs="+")
    args = parser.parse_args()

    lines = [
        "| sample | tool | bytes | metadata groups left (tags) | orientation | ICC | "
        "trailer bytes | pixels identical |",
        "|---|---|---:|---|---|---|---:|---|",
    ]
    for sample in args.samples:
        original = args.data / "src" / sample
        reference = pixels(original)
        for folder, tool in TOOLS:
            path = original if folder is None else args.data / "out" / folder / sample
            if not path.is_file():
                lines.append(f"| {sample} | {tool} | missing | | | | | |")
                continue
            info = inspect(path)
            same = "(reference)" if folder is None else yes_no(pixels(path) == reference)
            lines.append(
                f"| {sample} | {tool} | {path.stat().st_size:,} | {info['groups'] or 'none'} "
                f"| {info['orientation']} | {yes_no(info['icc'])} | {trailer(path)} | {same} |"
            )

    if args.big:
        big = args.data / "big" / "big.jpg"
        stripped = args.data / args.big
        same = yes_no(pixels(big) == pixels(stripped))
        lines.append("")
        lines.append(
            f"big/big.jpg ({big.stat().st_size:,} bytes) through `exifstrip strip -` "
            f"({stripped.stat().st_size:,} bytes out): pixels identical: {same}; "
            f"metadata left: {inspect(stripped)['groups'] or 'none'}; "
            f"trailer bytes: {trailer(stripped)}."
        )

    text = "\n".join(lines) + "\n"
    args.out.write_text(text)
    sys.stdout.write(text)


def inspect(path):
    """Metadata groups with their tag counts, orientation and ICC presence, per exiftool."""
    result = subprocess.run(
        ["exiftool", "-j", "-a", "-G1", "-n", str(path)],
        capture_output=True, text=True, check=False,
    )
    tags = json.loads(result.stdout)[0] if result.stdout.strip() else {}
    counts = {}
    for key in tags:
        group, _, name = key.partition(":")
        if not name or group in NOT_METADATA and not (group == "File" and name == "Comment"):
            continue
        # Fold families of groups into one name each: ICC-header, ICC_Profile... into ICC.
        if group.startswith("ICC"):
            group = "ICC"
        elif group.startswith("XMP"):
            group = "XMP"
        elif group == "File":
            group = "COM"
        counts[group] = counts.get(group, 0) + 1
    orientation = next((v for k, v in tags.items() if k.endswith(":Orientation")), None)
    return {
        "groups": ", ".join(f"{g} ({n})" for g, n in sorted(counts.items())),
        "orientation": "-" if orientation is None else orientation,
        "icc": "ICC" in counts,
    }


def pixels(path):
    """SHA-256 of the decoded image, or None when djpeg cannot decode it."""
    result = subprocess.run(["djpeg", "-ppm", str(path)], capture_output=True, check=False)
    if result.returncode != 0:
        return None
    return hashlib.sha256(result.stdout).hexdigest()


def trailer(path):
    """Bytes after the EOI that ends the first image (ITU T.81 B.2), or '?' if unparseable."""
    data = path.read_bytes()
    if data[:2] != b"\xff\xd8":
        return "?"
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            return "?"
        while i < len(data) and data[i] == 0xFF:
            i += 1  # fill bytes before a marker (B.1.1.2)
        if i >= len(data):
            return "?"
        marker = data[i]
        i += 1
        if marker == 0xD9:  # EOI
            return len(data) - i
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # RSTn, TEM: no length
            continue
        end = i + int.from_bytes(data[i:i + 2], "big")
        if marker != 0xDA:  # not SOS: skip the segment
            i = end
            continue
        # Entropy-coded data runs to the first FF not followed by 00 (stuffing), RSTn or FF.
        j = end
        while True:
            j = data.find(b"\xff", j)
            if j < 0 or j + 1 >= len(data):
                return "?"
            following = data[j + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                j += 1
                continue
            break
        i = j
    return "?"


def yes_no(flag):
    return "yes" if flag else "no"


if __name__ == "__main__":
    main()
