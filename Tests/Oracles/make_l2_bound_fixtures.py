#!/usr/bin/env python3
"""Exact moments of T_L2 under H0 by enumeration, for CVaRInference.L2Bound.

Every row's loss is Bernoulli(p), whatever its group. For each design (group
sizes, weights w~ with weight 0 on groups of one row, reference: known value p,
pooled mean of all rows, or a named group) the script enumerates all 2^N
outcomes with numpy, computes

    U_g = (mean_g - ref)^2 - s_g^2 / n_g,   T = sum_g w~_g U_g

and their exact probabilities, and writes E[T] and Var(T). Nothing is shared
with the Swift code (which uses a closed form in tr P^2, tr PM, tr M^2).

usage: python3 Tests/Oracles/make_l2_bound_fixtures.py   (writes Tests/Fixtures/l2_bound_moments.json)
"""
import itertools

import numpy as np

from fixture_io import dump, versions

DESIGNS = [
    ([3, 1, 2, 4], None),
    ([2, 5, 3], [0.2, 0.5, 0.3]),
    ([6, 2, 2, 2, 1], None),
    ([4, 4, 3], [0.6, 0.1, 0.3]),
]
PROBABILITIES = [0.3, 0.5, 0.05]


def effective_weights(sizes, weights):
    w = np.array(weights if weights is not None else [1.0] * len(sizes), dtype=float)
    w[np.array(sizes) < 2] = 0
    return w / w.sum()


def moments(sizes, w, reference, p):
    n_rows = sum(sizes)
    group = np.repeat(np.arange(len(sizes)), sizes)
    outcomes = np.array(list(itertools.product([0, 1], repeat=n_rows)), dtype=float)
    ones = outcomes.sum(axis=1)
    prob = p ** ones * (1 - p) ** (n_rows - ones)
    means = np.stack([outcomes[:, group == g].mean(axis=1) for g in range(len(sizes))], axis=1)
    if reference == "known":
        ref = np.full(len(outcomes), p)
    elif reference == "pooled":
        ref = outcomes.mean(axis=1)
    else:
        ref = means[:, reference]
    t = np.zeros(len(outcomes))
    for g, n in enumerate(sizes):
        if w[g] == 0:
            continue
        s2 = outcomes[:, group == g].var(axis=1, ddof=1)
        t += w[g] * ((means[:, g] - ref) ** 2 - s2 / n)
    mean = float(np.dot(prob, t))
    var = float(np.dot(prob, (t - mean) ** 2))
    return mean, var


def main():
    cases = []
    for sizes, weights in DESIGNS:
        w = effective_weights(sizes, weights)
        for reference in ["known", "pooled", 0, 1]:
            for p in PROBABILITIES:
                mean, var = moments(sizes, w, reference, p)
                cases.append({"sizes": sizes, "weights": [float(x) for x in w],
                              "reference": reference if isinstance(reference, str) else f"group:{reference}",
                              "p": p, "mean": mean, "variance": var})
    dump("l2_bound_moments.json", {
        "provenance": {
            "generator": "Tests/Oracles/make_l2_bound_fixtures.py",
            "packages": versions("numpy"),
            "calls": ["itertools.product([0, 1], repeat=N)", "numpy.ndarray.var(axis=1, ddof=1)",
                      "E[T] = sum(prob * T), Var(T) = sum(prob * (T - E[T])**2)"],
            "notes": "exact enumeration of all 2^N Bernoulli(p) outcomes; weights are the effective w~ "
                     "(0 for groups of one row, renormalised); reference group:i is the i-th group",
        },
        "cases": cases,
    })


if __name__ == "__main__":
    main()
