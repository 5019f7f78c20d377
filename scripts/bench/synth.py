#!/usr/bin/env python3
"""Writes a synthetic photo-sized image as binary PPM (P6) to standard output.

Smooth colour gradients with per-pixel noise added, so that a JPEG encoder produces entropy-coded
data of a realistic density (gradients alone compress to almost nothing; pure noise to more than a
camera would write). Python standard library only; the rows are built with big-integer
arithmetic instead of per-pixel loops, so 48 MP takes a few seconds.

    synth.py WIDTH HEIGHT [--noise N] [--seed S] | cjpeg -quality 90 > out.jpg

--noise N adds a value in 0..N-1 to every sample (N a power of two, at most 64; 0 for none).
"""

import argparse
import math
import random
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("width", type=int)
    parser.add_argument("height", type=int)
    parser.add_argument("--noise", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.noise not in (0, 1, 2, 4, 8, 16, 32, 64):
        parser.error("--noise must be 0 or a power of two up to 64")

    width, height, noise = args.width, args.height, args.noise
    rng = random.Random(args.seed)
    out = sys.stdout.buffer
    out.write(b"P6\n%d %d\n255\n" % (width, height))

    # Bytes of a row are 3 * width samples; the headroom keeps gradient + noise below 256, so
    # adding the two rows as big integers never carries from one sample into the next.
    headroom = 255 - max(noise - 1, 0)
    row_len = 3 * width
    horizontal = [
        bytes(round(headroom * (0.5 + 0.5 * math.sin(2 * math.pi * (x / width * waves + phase))))
              for x in range(width))
        for waves, phase in ((1.0, 0.0), (1.7, 0.3), (0.6, 0.6))
    ]
    # Interleave the three channels once: R G B R G B ...
    base = bytearray(row_len)
    for channel in range(3):
        base[channel::3] = horizontal[channel]
    noise_table = bytes(b % noise for b in range(256)) if noise else None

    # Bands of 64 rows share one gradient row, shifted at random: smooth areas with edges.
    block = 64
    for y in range(height):
        if y % block == 0:
            shift = rng.randrange(width) * 3
            row = bytes(base[shift:] + base[:shift])
            row_int = int.from_bytes(row, "big")
        if noise_table is None:
            out.write(row)
            continue
        jitter = int.from_bytes(rng.randbytes(row_len).translate(noise_table), "big")
        out.write((row_int + jitter).to_bytes(row_len, "big"))


if __name__ == "__main__":
    main()
