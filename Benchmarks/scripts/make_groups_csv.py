#!/usr/bin/env python3
"""Writes a CSV of binary labels/predictions over K groups for the test benchmarks.

usage: make_groups_csv.py K ROWS SEED OUT.csv [zipf]
Rows are i.i.d. given the group: label ~ Bernoulli(0.4), prediction = label
flipped with probability 0.3 (so H0 holds: no disparity).
"""
import sys
import numpy as np

k, rows, seed, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
zipf = len(sys.argv) > 5 and sys.argv[5] == "zipf"
rng = np.random.default_rng(seed)
if zipf:
    w = 1.0 / np.arange(1, k + 1) ** 1.1
    g = rng.choice(k, size=rows, p=w / w.sum())
else:
    g = rng.integers(0, k, size=rows)
y = rng.random(rows) < 0.4
p = np.where(rng.random(rows) < 0.3, ~y, y)
with open(out, "w") as fh:
    fh.write("group,label,prediction\n")
    np.savetxt(fh, np.column_stack([g, y.astype(int), p.astype(int)]), fmt="%d", delimiter=",")
