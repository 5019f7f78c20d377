#!/usr/bin/env python3
"""Times shell commands in interleaved rounds and keeps the median, discarding disturbed runs.

Each line of the commands file is `name|slug|preparation|command` (only the command may hold a
`|`). After one untimed warm-up run of every command, each round runs every command once (the
order rotated from round to round), its preparation first and untimed. Interleaving spreads slow
drifts of the machine (other virtual machines, memory given back to the host) over all commands
alike instead of penalising whichever ran at the bad moment.

A run is disturbed when the machine spent noticeably more CPU time during it than the command
and its children did: another program was running. It is then timed again once the machine is
idle (up to three times). The CPU time of others stays recorded per run.

Writes <out>/time-<slug>.json for each command, shaped like hyperfine's --export-json.

    timing.py --commands commands.txt --out results --runs 5
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")

# Others' CPU time during a run above this share of its wall time (of one core), and above
# FLOOR seconds, marks it as disturbed; the kernel's own bookkeeping for a command stays below.
DISTURBED = 0.15
FLOOR = 0.05
# Share of all cores busy in an idle check above which the machine is not idle.
BUSY = 0.20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-wait", type=int, default=600,
                        help="seconds to wait for an idle machine before timing anyway")
    args = parser.parse_args()

    commands = []
    for line in args.commands.read_text().splitlines():
        name, slug, prepare, command = line.split("|", 3)
        commands.append({"name": name, "slug": slug, "prepare": prepare, "command": command,
                         "times": [], "user": [], "system": [], "others": [], "redone": 0})

    wait_for_idle(args.max_wait)
    log("warm-up: every command once, untimed")
    for c in commands:
        shell(c["prepare"])
        shell(c["command"])

    for round_ in range(args.runs):
        log(f"round {round_ + 1} of {args.runs}")
        shift = round_ % len(commands)
        for c in commands[shift:] + commands[:shift]:
            attempts = []
            for attempt in range(3):
                shell(c["prepare"])
                attempts.append(timed(c["command"]))
                wall, _, _, others = attempts[-1]
                if others <= max(DISTURBED * wall, FLOOR) or attempt == 2:
                    break
                c["redone"] += 1
                log(f"  {c['name']}: {wall:.3f} s, others used {others:.2f} s of CPU meanwhile; "
                    "timing it again")
                wait_for_idle(args.max_wait)
            # The least disturbed attempt: the last one unless all three were disturbed.
            wall, user, system, others = min(attempts, key=lambda a: a[3] / a[0])
            log(f"  {c['name']:<20} {wall:8.3f} s  (user {user:.2f}, system {system:.2f}, "
                f"others {others:.2f})")
            c["times"].append(wall)
            c["user"].append(user)
            c["system"].append(system)
            c["others"].append(others)

    for c in commands:
        result = {
            "command": c["name"],
            "command_line": c["command"],
            "prepare": c["prepare"],
            "mean": statistics.mean(c["times"]),
            "stddev": statistics.stdev(c["times"]) if len(c["times"]) > 1 else 0.0,
            "median": statistics.median(c["times"]),
            "min": min(c["times"]),
            "max": max(c["times"]),
            "user": statistics.mean(c["user"]),
            "system": statistics.mean(c["system"]),
            "times": c["times"],
            "others_cpu_s": c["others"],
            "redone": c["redone"],
        }
        (args.out / f"time-{c['slug']}.json").write_text(
            json.dumps({"results": [result]}, indent=2) + "\n")


def timed(command):
    """Wall, user and system seconds of one run, and the CPU seconds others used meanwhile."""
    busy_before = busy_ticks()
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    shell(command)
    wall = time.perf_counter() - start
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_after = busy_ticks()
    user = usage_after.ru_utime - usage_before.ru_utime
    system = usage_after.ru_stime - usage_before.ru_stime
    others = (busy_after - busy_before) / TICK - user - system
    return wall, user, system, max(others, 0.0)


def shell(command):
    subprocess.run(command, shell=True, executable="/bin/bash", check=True,
                   stdout=subprocess.DEVNULL)


def busy_ticks():
    """Clock ticks all cores spent busy since boot (not idle, not waiting for I/O)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:9]]
    return sum(fields) - fields[3] - fields[4]


def total_ticks():
    with open("/proc/stat") as f:
        return sum(int(v) for v in f.readline().split()[1:9])


def wait_for_idle(max_wait):
    """Waits until all cores together are under BUSY for five seconds, or max_wait passes."""
    waited = 0
    while True:
        busy0, total0 = busy_ticks(), total_ticks()
        time.sleep(5)
        share = (busy_ticks() - busy0) / max(total_ticks() - total0, 1)
        if share <= BUSY:
            return
        if waited >= max_wait:
            log(f"  machine still {share:.0%} busy after {waited} s; timing anyway")
            return
        load = open("/proc/loadavg").read().split()[:3]
        log(f"  machine {share:.0%} busy (load {' '.join(load)}); waiting 60 s")
        time.sleep(55)
        waited += 60


def log(message):
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
