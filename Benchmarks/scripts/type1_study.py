#!/usr/bin/env python3
"""Type I error of `cvar-audit test` by simulation, through the CLI.

usage: type1_study.py REPLICATES B K1,K2,... [ROWS_PER_GROUP]
Under H0 every row's error is Bernoulli(0.3) whatever its group. Group sizes
are balanced (ROWS_PER_GROUP each) or Zipf (ceil(3*ROWS_PER_GROUP / g^1.1),
with the last three groups of sizes 1, 2, 1). Each replicate writes a CSV and
runs every statistic x calibration with seed = replicate. Prints a Markdown
table of rejection rates at delta = 0.05 with the Monte-Carlo s.e.
"""
import json, math, os, subprocess, sys, tempfile
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, ".build", "release", "cvar-audit")
DESIGNS = [("l2", "permutation", []), ("max", "permutation", []), ("cvar", "permutation", []),
           ("l2", "bound", []), ("cvar", "tolerance", ["--tolerance", "0"])]


def sizes_for(k, per_group, kind):
    if kind == "balanced":
        return np.full(k, per_group)
    s = np.ceil(3 * per_group / np.arange(1, k + 1) ** 1.1).astype(int)
    if k >= 4:
        s[-1], s[-2], s[-3] = 1, 2, 1
    return s


def main():
    reps, b, ks = int(sys.argv[1]), int(sys.argv[2]), [int(v) for v in sys.argv[3].split(",")]
    per_group = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    rng = np.random.default_rng(20240310)
    print(f"replicates {reps}, B = {b}, delta = 0.05, H0: error ~ Bernoulli(0.3) per row, alpha = 0.1, uniform weights\n")
    print("| K | sizes | " + " | ".join(f"{s}/{c}" for s, c, _ in DESIGNS) + " |")
    print("|---|---|" + "---|" * len(DESIGNS))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "data.csv")
        for k in ks:
            for kind in ("balanced", "zipf"):
                n = sizes_for(k, per_group, kind)
                rejections = [0] * len(DESIGNS)
                for r in range(reps):
                    g = np.repeat(np.arange(k), n)
                    e = rng.random(g.size) < 0.3
                    with open(path, "w") as fh:
                        fh.write("g,y,p\n")
                        np.savetxt(fh, np.column_stack([g, e.astype(int), np.zeros(g.size, int)]), fmt="%d", delimiter=",")
                    for i, (stat, cal, extra) in enumerate(DESIGNS):
                        out = subprocess.run([BIN, "test", "--input", path, "--group-by", "g", "--label", "y",
                                              "--prediction", "p", "--statistic", stat, "--calibration", cal,
                                              "--permutations", str(b), "--seed", str(r), "--format", "json"] + extra,
                                             capture_output=True, text=True, check=True)
                        if json.loads(out.stdout)["decision"] == "violation":
                            rejections[i] += 1
                se = math.sqrt(0.05 * 0.95 / reps)
                cells = [f"{x / reps:.3f}" for x in rejections]
                print(f"| {k} | {kind} | " + " | ".join(cells) + f" |   (MC s.e. at 0.05: {se:.3f})", flush=True)


if __name__ == "__main__":
    main()
