#!/usr/bin/env python3
"""Turns the timings of run.sh into tables, CSV/JSON and an SVG bar chart.

Reads from the results folder: meta.env (machine and data set), commands.txt (name, slug,
preparation and command, in order), time-<slug>.json (from timing.py) and memory.txt (peak
resident set sizes). Prints the tables, writes results.csv and results.json beside them,
and draws the ratio of each command's median time to `cp -r` as a hand-written SVG.

    report.py --results bench-data/results --chart docs/img/cli-vs-tools.svg
"""

import argparse
import csv
import json
import math
from pathlib import Path
from xml.sax.saxutils import escape

# Targets from the project's issue.
CLI_TARGET = 1.25  # exifstrip's time as a ratio to cp -r, at most
MEMORY_TARGET_MIB = 32  # peak resident memory through stdin/stdout, under


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--chart", type=Path, required=True)
    args = parser.parse_args()

    meta = read_meta(args.results / "meta.env")
    rows = read_timings(args.results)
    memory = read_memory(args.results / "memory.txt")
    mb = int(meta["bytes"]) / 1e6

    print(f"{meta['files']} files, {mb:,.0f} MB; {meta['cores']} cores ({meta['cpu']}); "
          f"{meta['date']}; load before {meta['load_before']}, after {meta.get('load_after', '?')}")
    print()
    header = f"{'command':<22} {'median s':>9} {'min s':>7} {'max s':>7} {'MB/s':>7} " \
             f"{'x cp -r':>8} {'others':>6}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row['name']:<22} {row['median_s']:>9.3f} {row['min_s']:>7.3f} "
              f"{row['max_s']:>7.3f} {row['mb_per_s']:>7.0f} {row['ratio_to_cp']:>8.2f} "
              f"{row['others_percent']:>5}%")

    print("others: the most CPU time other programs used during one timed run, in % of one core")
    # As in timing.py: others above 15 % of a run's wall time and above 0.05 s.
    disturbed = [r["name"] for r in rows
                 if any(o > max(0.15 * t, 0.05) for o, t in zip(r["others_s"], r["times_s"]))]
    if disturbed:
        print(f"WARNING: other programs ran during timed runs of {', '.join(disturbed)}; "
              "their times are not trustworthy: run again on an idle machine")
    print()
    print(f"{'peak memory on big.jpg':<24} {'MiB':>8} {'wall s':>8}")
    for name, kib, seconds in memory:
        print(f"{name:<24} {kib / 1024:>8.1f} {seconds:>8.2f}")

    exifstrip = next((r for r in rows if r["slug"] == "exifstrip"), None)
    stdin_runs = [(kib, s) for name, kib, s in memory if name.startswith("exifstrip-stdin")]
    verdicts = {}
    print()
    if exifstrip:
        ratio = exifstrip["ratio_to_cp"]
        verdicts["cli_ratio"] = {"target": CLI_TARGET, "measured": round(ratio, 3),
                                 "met": ratio <= CLI_TARGET}
        print(f"target exifstrip <= {CLI_TARGET}x cp -r: measured {ratio:.2f}x: "
              f"{'met' if ratio <= CLI_TARGET else 'NOT MET'}")
    if stdin_runs:
        peak_mib = max(kib for kib, _ in stdin_runs) / 1024
        seconds = sorted(s for _, s in stdin_runs)[len(stdin_runs) // 2]
        big_mb = int(meta["big_bytes"]) / 1e6
        verdicts["stdin_peak_mib"] = {"target": MEMORY_TARGET_MIB, "measured": round(peak_mib, 1),
                                      "met": peak_mib < MEMORY_TARGET_MIB}
        print(f"target peak memory < {MEMORY_TARGET_MIB} MiB through stdin/stdout on a "
              f"{big_mb:,.0f} MB JPEG: measured {peak_mib:.1f} MiB: "
              f"{'met' if peak_mib < MEMORY_TARGET_MIB else 'NOT MET'} "
              f"({big_mb / seconds:,.0f} MB/s through the pipe, median wall time)")

    write_outputs(args.results, meta, rows, memory, verdicts)
    args.chart.write_text(chart(meta, rows))
    print(f"\nwrote {args.results / 'results.csv'}, {args.results / 'results.json'}, {args.chart}")


def read_meta(path):
    meta = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        meta[key] = value
    return meta


def read_timings(results):
    rows = []
    mb = None
    for line in (results / "commands.txt").read_text().splitlines():
        name, slug, prepare, command = line.split("|", 3)
        run = json.loads((results / f"time-{slug}.json").read_text())["results"][0]
        if mb is None:
            mb = int(read_meta(results / "meta.env")["bytes"]) / 1e6
        rows.append({
            "name": name,
            "slug": slug,
            "command": command,
            "prepare": prepare,
            # The most CPU others used during one of its runs, in % of one core.
            "others_percent": round(100 * max(o / t for o, t in zip(run["others_cpu_s"],
                                                                     run["times"]))),
            "others_s": run["others_cpu_s"],
            "redone": run["redone"],
            "median_s": run["median"],
            "min_s": run["min"],
            "max_s": run["max"],
            "times_s": run["times"],
            "user_s": run["user"],
            "system_s": run["system"],
            "mb_per_s": mb / run["median"],
        })
    floor = next(r["median_s"] for r in rows if r["slug"] == "cp")
    for row in rows:
        row["ratio_to_cp"] = row["median_s"] / floor
    return rows


def read_memory(path):
    """(name, KiB, wall seconds) per line of memory.txt; wall is h:mm:ss or m:ss.ss."""
    entries = []
    if not path.exists():
        return entries
    for line in path.read_text().splitlines():
        name, kib, wall = line.split()
        seconds = 0.0
        for part in wall.split(":"):
            seconds = seconds * 60 + float(part)
        entries.append((name, int(kib), seconds))
    return entries


def write_outputs(results, meta, rows, memory, verdicts):
    with open(results / "results.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["command", "median_s", "min_s", "max_s", "mb_per_s", "ratio_to_cp",
                         "others_cpu_percent_max", "command_line"])
        for r in rows:
            writer.writerow([r["name"], f"{r['median_s']:.4f}", f"{r['min_s']:.4f}",
                             f"{r['max_s']:.4f}", f"{r['mb_per_s']:.1f}",
                             f"{r['ratio_to_cp']:.3f}", r["others_percent"], r["command"]])
    document = {
        "meta": meta,
        "timings": rows,
        "memory": [{"name": n, "peak_kib": k, "wall_s": s} for n, k, s in memory],
        "targets": verdicts,
    }
    (results / "results.json").write_text(json.dumps(document, indent=2) + "\n")


def chart(meta, rows):
    """A horizontal bar per command: its median time as a ratio to cp -r, on a log scale."""
    label_w, bar_w, right_w = 190, 470, 150
    row_h, top, bottom = 34, 80, 56
    width = label_w + bar_w + right_w
    height = top + row_h * len(rows) + bottom
    ratios = [r["ratio_to_cp"] for r in rows]
    low = math.floor(math.log2(min(ratios))) - 1
    high = math.ceil(math.log2(max(ratios + [CLI_TARGET])))
    if high - low < 2:
        high = low + 2

    def x(ratio):
        return label_w + bar_w * (math.log2(ratio) - low) / (high - low)

    mb = int(meta["bytes"]) / 1e6
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="13">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="16" y="26" font-size="16" font-weight="bold">Stripping {int(meta["files"]):,} '
        f'JPEGs ({mb:,.0f} MB): time as a multiple of cp -r (lower is better)</text>',
        f'<text x="16" y="48" fill="#555">{escape(meta["cpu"])}, {meta["cores"]} cores, '
        f'{escape(meta["filesystem"])}, warm page cache; median of {meta["runs"]} runs; '
        f'{escape(meta["date"])}</text>',
    ]
    axis_y = top + row_h * len(rows)
    for power in range(low, high + 1):
        tick = 2.0**power
        out.append(f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{axis_y}" '
                   f'stroke="{"#999" if power == 0 else "#e3e3e3"}"/>')
        out.append(f'<text x="{x(tick):.1f}" y="{axis_y + 18}" text-anchor="middle" '
                   f'fill="#555">{tick:g}x</text>')
    out.append(f'<text x="{label_w + bar_w / 2:.1f}" y="{axis_y + 36}" text-anchor="middle" '
               f'fill="#555" font-size="11">median time / median time of cp -r '
               f'(logarithmic scale)</text>')
    out.append(f'<line x1="{x(CLI_TARGET):.1f}" y1="{top - 6}" x2="{x(CLI_TARGET):.1f}" '
               f'y2="{axis_y}" stroke="#c0392b" stroke-dasharray="4 3"/>')
    out.append(f'<text x="{x(CLI_TARGET) + 4:.1f}" y="{top - 10}" fill="#c0392b" '
               f'font-size="11">exifstrip target: {CLI_TARGET}x</text>')

    for i, row in enumerate(rows):
        y = top + i * row_h
        slug = row["slug"]
        colour = "#7f8c8d" if slug == "cp" else "#2471a3" if slug.startswith("exifstrip") \
            else "#e67e22"
        label = "cp -r (the floor)" if slug == "cp" else row["name"]
        end = x(row["ratio_to_cp"])
        out.append(f'<text x="{label_w - 10}" y="{y + row_h / 2 + 4:.1f}" '
                   f'text-anchor="end">{escape(label)}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 6}" width="{end - label_w:.1f}" '
                   f'height="{row_h - 12}" fill="{colour}"/>')
        out.append(f'<text x="{end + 6:.1f}" y="{y + row_h / 2 + 4:.1f}">'
                   f'{row["ratio_to_cp"]:.2f}x ({row["median_s"]:.2f} s)</text>')
    out.append(f'<text x="16" y="{height - 8}" fill="#555" font-size="11">'
               f'exifstrip, and exiv2 and jpegtran through xargs -P, use all {meta["cores"]} '
               f'cores; cp -r, exifstrip -j 1 and exiftool use one. '
               f'Made by scripts/bench/run.sh.</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
