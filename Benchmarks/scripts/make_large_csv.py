#!/usr/bin/env python3
"""Write a large seeded CSV for streaming and throughput measurements.

    python3 Benchmarks/scripts/make_large_csv.py OUT.csv --rows 10000000 --groups 4096 [--seed 1]

Columns: a, b, c (three attributes whose combinations form up to --groups
groups: 16 × 16 × 16 = 4,096 by default), y (label, 0/1) and score (in [0, 1],
three decimals). Each group g has its own base error rate, so disparities exist.
Written in chunks of one million rows, so memory stays small.
"""
import argparse
import numpy as np

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--groups", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    side = round(args.groups ** (1 / 3))
    assert side ** 3 == args.groups, "--groups must be a cube (e.g. 64, 512, 4096)"
    rng = np.random.default_rng(args.seed)
    group_rate = rng.uniform(0.1, 0.4, size=args.groups)
    names = np.array([f"v{i}" for i in range(side)])
    chunk = 1_000_000
    with open(args.out, "w") as f:
        f.write("a,b,c,y,score\n")
        done = 0
        while done < args.rows:
            m = min(chunk, args.rows - done)
            g = rng.integers(0, args.groups, size=m)
            y = rng.integers(0, 2, size=m)
            wrong = rng.random(m) < group_rate[g]
            pred = np.where(wrong, 1 - y, y)
            score = np.where(pred == 1, rng.uniform(0.5, 1, m), rng.uniform(0, 0.5, m))
            a, b, c = names[g // (side * side)], names[(g // side) % side], names[g % side]
            lines = np.char.add(np.char.add(np.char.add(np.char.add(np.char.add(np.char.add(np.char.add(np.char.add(
                a, ","), b), ","), c), ","), y.astype(str)), ","), np.char.mod("%.3f", score))
            f.write("\n".join(lines.tolist()))
            f.write("\n")
            done += m

if __name__ == "__main__":
    main()
