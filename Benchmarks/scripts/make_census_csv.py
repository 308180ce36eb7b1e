#!/usr/bin/env python3
"""Write a seeded census-like CSV: many intersectional groups, most of them tiny.

    python3 Benchmarks/scripts/make_census_csv.py OUT.csv [--rows 99762] [--seed 7] [--bad-error 0.30]

It stands in for a survey extract (the shape of the 99,762-row, six-attribute census file of
issue 12, which cannot be redistributed): six attributes with skewed marginals drawn independently
(race 5 levels, sex 2, age 6, education 6, marital status 4, region 4; 5,760 possible groups,
4,563 of them observed at the default 99,762 rows, 753 with one row and 2,778 with fewer
 than 10), a label y (base rate 0.24), a prediction yhat whose error rate is 0.12 everywhere
except in truly worse cells (age 16-24 with primary education: error 0.30; race r5 in the west:
0.24), and a survey weight column
(lognormal, mean about 1).

Columns: race, sex, age, education, marital, region, y, yhat, weight. Deterministic for a seed.
"""
import argparse

import numpy as np

LEVELS = {
    "race": (["r1", "r2", "r3", "r4", "r5"], [0.70, 0.13, 0.10, 0.05, 0.02]),
    "sex": (["female", "male"], [0.51, 0.49]),
    "age": (["16-24", "25-34", "35-44", "45-54", "55-64", "65+"], [0.14, 0.19, 0.18, 0.18, 0.17, 0.14]),
    "education": (["primary", "secondary", "vocational", "bachelor", "master", "doctorate"],
                  [0.07, 0.42, 0.20, 0.19, 0.10, 0.02]),
    "marital": (["never", "married", "divorced", "widowed"], [0.34, 0.50, 0.11, 0.05]),
    "region": (["north", "south", "east", "west"], [0.38, 0.32, 0.20, 0.10]),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=99_762)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--bad-error", type=float, default=0.30,
                    help="error rate of the truly worse cells (age 16-24 with primary education)")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    n = args.rows
    codes = {}
    for name, (levels, shares) in LEVELS.items():
        p = np.array(shares) / sum(shares)
        codes[name] = rng.choice(len(levels), size=n, p=p)
    y = (rng.random(n) < 0.24).astype(int)
    error = np.full(n, 0.12)
    young_low_ed = (codes["age"] == 0) & (codes["education"] == 0)
    error[young_low_ed] = args.bad_error
    error[(codes["race"] == 4) & (codes["region"] == 3)] = 0.24
    wrong = rng.random(n) < error
    yhat = np.where(wrong, 1 - y, y)
    weight = np.round(rng.lognormal(mean=-0.18, sigma=0.6, size=n), 3)
    columns = [np.array(LEVELS[name][0])[codes[name]] for name in LEVELS]
    with open(args.out, "w") as f:
        f.write(",".join([*LEVELS, "y", "yhat", "weight"]) + "\n")
        for i in range(n):
            f.write(",".join([*(c[i] for c in columns), str(y[i]), str(yhat[i]), f"{weight[i]:.3f}"]) + "\n")


if __name__ == "__main__":
    main()
