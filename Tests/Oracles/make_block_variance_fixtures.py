#!/usr/bin/env python3
"""Reference values for BlockVarianceEProcess (Tests/CVaRSequentialTests).

Regenerate from the repository root with:

    python3 Tests/Oracles/make_block_variance_fixtures.py

Writes Tests/Fixtures/block_variance.json: sequences of two-stage blocks
(the group of each block and its rows) and, per block, the mean estimate u and
its variance estimate c, and per round of r blocks the payoff

    V = numpy.var(u, ddof=1) - numpy.mean(c)

(the between-block variance of the round less the average within-block
variance), computed with numpy's var (ddof=1), not with the Swift sums.

- "infinite": blocks of m rows from groups of an infinite population:
  u = block mean, c = numpy.var(rows, ddof=1) / m.
- "pool": blocks drawn without replacement from finite group pools
  (numpy.random.Generator.permutation of each pool, taken in order):
  with N rows in the group, S the sum of its rows drawn before the block and
  R = N - (rows drawn before): u = (S + R * mean) / N and
  c = (R / N)**2 * var(rows, ddof=1) / m * (1 - m / R), or c = 0 when the
  block takes all R rows left (the mean is then known).
"""
from __future__ import annotations

import numpy as np

from fixture_io import dump, versions

SEED = 20261204


def round_payoffs(blocks, r, rounds):
    """V = numpy.var(u, ddof=1) - numpy.mean(c) over each round of r blocks."""
    out = []
    for i in range(rounds):
        chunk = blocks[i * r:(i + 1) * r]
        u = np.array([b["u"] for b in chunk])
        c = np.array([b["c"] for b in chunk])
        out.append(float(np.var(u, ddof=1) - np.mean(c)))
    return out


def infinite_case(rng, k, m, r, rounds, binary):
    means = rng.uniform(0.1, 0.9, size=k)
    blocks = []
    for _ in range(rounds * r):
        g = int(rng.integers(k))
        if binary:
            rows = (rng.uniform(size=m) < means[g]).astype(float)
        else:
            rows = rng.beta(2, 5, size=m)
        u = float(rows.mean())
        c = float(np.var(rows, ddof=1) / m)
        blocks.append({"group": g, "rows": rows.tolist(), "u": u, "c": c})
    return {"groups": k, "blockRows": m, "blocksPerRound": r, "blocks": blocks, "payoffs": round_payoffs(blocks, r, rounds)}


def pool_case(rng, sizes, m, r, rounds):
    pools = [rng.permutation((rng.uniform(size=n) < rng.uniform(0.2, 0.6)).astype(float)) for n in sizes]
    taken = [0] * len(sizes)
    sums = [0.0] * len(sizes)
    blocks = []
    while len(blocks) < rounds * r:
        g = int(rng.integers(len(sizes)))
        left = sizes[g] - taken[g]
        if left == 0:
            continue
        size = min(m, left)
        rows = pools[g][taken[g]:taken[g] + size]
        n = sizes[g]
        mean = rows.mean()
        u = float((sums[g] + left * mean) / n)
        c = 0.0 if size == left else float((left / n) ** 2 * np.var(rows, ddof=1) / size * (1 - size / left))
        blocks.append({"group": g, "rows": rows.tolist(), "u": u, "c": c})
        taken[g] += size
        sums[g] += float(rows.sum())
    return {"groupSizes": list(sizes), "blockRows": m, "blocksPerRound": r, "blocks": blocks, "payoffs": round_payoffs(blocks, r, rounds)}


def main():
    rng = np.random.default_rng(SEED)
    infinite = [infinite_case(rng, 5, 8, 4, 6, True), infinite_case(rng, 3, 5, 2, 8, False),
                infinite_case(rng, 40, 16, 8, 3, True)]
    pool = [pool_case(rng, [9, 20, 13], 4, 3, 3), pool_case(rng, [5, 7], 3, 2, 2), pool_case(rng, [30, 50, 41, 6], 5, 4, 5)]
    dump("block_variance.json", {
        "provenance": {
            "generator": "Tests/Oracles/make_block_variance_fixtures.py",
            "packages": versions("numpy"),
            "calls": ["numpy.var(u, ddof=1) - numpy.mean(c) per round",
                      "c = numpy.var(rows, ddof=1) / m (infinite); the finite-pool form in the docstring",
                      "numpy.random.default_rng(%d)" % SEED],
        },
        "infinite": infinite,
        "pool": pool,
    })


if __name__ == "__main__":
    main()
