#!/usr/bin/env python3
"""Independent reference values for the CVaRInference tests (issue 3).

Regenerate from the repository root with:

    python3 Tests/Oracles/make_inference_fixtures.py

Writes Tests/Fixtures/{permutation_pvalues,group_pvalues,multitest}.json.
Deterministic: every draw comes from numpy.random.default_rng(seed).
Nothing here shares code with the Swift implementation: the statistics are
written out again in numpy and the permutations are numpy's
Generator.multivariate_hypergeometric.
"""
from __future__ import annotations

import numpy as np
import scipy
import scipy.stats as st
from statsmodels.stats.multitest import multipletests

from fixture_io import dump, versions

GEN = "Tests/Oracles/make_inference_fixtures.py"


# --- statistics on a B x K matrix of counts (numpy, written independently) ---
def stat_l2(x, n, r):
    x = np.asarray(x, float)
    ok = n >= 2
    w = ok / ok.sum()
    nn = np.where(ok, n, 2).astype(float)
    mean = x / nn
    s2 = (x - x * x / nn) / (nn - 1)
    u = (mean - r) ** 2 - s2 / nn
    return (np.where(ok, u, 0.0) * w).sum(axis=-1)


def stat_max(x, n, r):
    return (np.asarray(x, float) / n - r).max(axis=-1)


def stat_cvar(x, n, r, alpha):
    d = np.sort(np.asarray(x, float) / n - r, axis=-1)[..., ::-1]
    k = d.shape[-1]
    mass = alpha * k          # uniform weights: each group has weight 1/K
    j = int(np.floor(mass + 1e-12))
    top = d[..., :j].sum(axis=-1)
    frac = mass - j
    if frac > 1e-12:
        top = top + frac * d[..., j]
    return top / mass


def permutation_cases():
    rng = np.random.default_rng(20240301)
    B = 200_000
    cases = []
    datasets = []
    # A: few groups with a disparity.
    n = np.array([30, 40, 25, 50, 10])
    x = np.array([9, 8, 5, 9, 5])
    datasets.append(("few-groups", n, x))
    # B: Zipf sizes including groups of size 1 and 2, K = 25.
    n = np.maximum(1, np.round(300 / np.arange(1, 26) ** 1.2)).astype(int)
    n[-1] = 1; n[-2] = 2; n[-3] = 1
    x = rng.binomial(n, 0.3)
    x[3] = min(n[3], x[3] + 4)
    datasets.append(("zipf-25", n, x))
    # C: K = 200, sizes 2..60, mild disparity in a few groups.
    n = rng.integers(2, 61, size=200)
    p = np.full(200, 0.2); p[:12] = 0.32
    x = rng.binomial(n, p)
    datasets.append(("k200", n, x))
    alpha = 0.1
    for name, n, x in datasets:
        N, S = int(n.sum()), int(x.sum())
        r = S / N
        perms = rng.multivariate_hypergeometric(n, S, size=B)
        for stat in ("l2", "max", "cvar"):
            f = {"l2": lambda m: stat_l2(m, n, r), "max": lambda m: stat_max(m, n, r),
                 "cvar": lambda m: stat_cvar(m, n, r, alpha)}[stat]
            t_obs = float(f(x[None, :])[0])
            t = f(perms)
            exceed = int((t >= t_obs - (1e-9 * abs(t_obs) + 1e-12)).sum())
            cases.append({"name": name, "statistic": stat, "alpha": alpha, "sizes": [int(v) for v in n],
                          "counts": [int(v) for v in x], "observed": t_obs, "permutations": B,
                          "exceedances": exceed, "pValue": (1 + exceed) / (B + 1)})
    dump("permutation_pvalues.json", {
        "provenance": {"generator": GEN, "packages": versions("numpy"),
                       "calls": ["numpy.random.default_rng(20240301).multivariate_hypergeometric(sizes, sum(counts), size=200000)"],
                       "notes": "uniform weights, pooled reference r = S/N, one-sided disparity x/n - r; "
                                "l2 over groups with n >= 2 (weights renormalised); cvar at alpha with uniform weights "
                                "(fractional boundary group); p = (1 + #{T_b >= T_obs - (1e-9|T_obs| + 1e-12)})/(B + 1)."},
        "cases": cases})


def group_cases():
    rng = np.random.default_rng(20240302)
    cases = []
    for _ in range(60):
        N = int(rng.choice([20, 100, 1000, 50_000]))
        S = int(rng.integers(0, N + 1))
        n = int(rng.integers(1, N))
        lo, hi = max(0, n - (N - S)), min(n, S)
        x = int(rng.integers(lo, hi + 1))
        upper = float(st.hypergeom.sf(x - 1, N, S, n))
        support = np.arange(lo, hi + 1)
        pmf = st.hypergeom.pmf(support, N, S, n)
        p_obs = st.hypergeom.pmf(x, N, S, n)
        two = float(min(1.0, pmf[pmf <= p_obs * (1 + 1e-7)].sum()))
        fisher = float(st.fisher_exact([[x, n - x], [S - x, N - n - S + x]], alternative="two-sided").pvalue)
        cases.append({"population": N, "successes": S, "draws": n, "k": x, "upperTail": upper,
                      "twoSided": two, "fisherExact": fisher})
    dump("group_pvalues.json", {
        "provenance": {"generator": GEN, "packages": versions("numpy", "scipy"),
                       "calls": ["scipy.stats.hypergeom.sf(k - 1, population, successes, draws)",
                                 "sum of scipy.stats.hypergeom.pmf(j, ...) over j with pmf(j) <= pmf(k)*(1+1e-7)",
                                 "scipy.stats.fisher_exact([[k, draws-k], [successes-k, population-draws-successes+k]]).pvalue"]},
        "cases": cases})


def multitest_cases():
    rng = np.random.default_rng(20240303)
    cases = []
    for i in range(30):
        m = int(rng.integers(1, 40))
        p = rng.uniform(0, 1, m) ** rng.choice([1, 3, 6])
        if i % 5 == 0 and m > 3:
            p[1] = p[2] = p[0]  # ties
        p = [float(v) for v in p]
        holm = multipletests(p, method="holm")[1]
        bh = multipletests(p, method="fdr_bh")[1]
        cases.append({"p": p, "holm": [float(v) for v in holm], "bh": [float(v) for v in bh]})
    dump("multitest.json", {
        "provenance": {"generator": GEN, "packages": versions("numpy", "statsmodels"),
                       "calls": ["statsmodels.stats.multitest.multipletests(p, method='holm')[1]",
                                 "statsmodels.stats.multitest.multipletests(p, method='fdr_bh')[1]"]},
        "cases": cases})


if __name__ == "__main__":
    permutation_cases()
    group_cases()
    multitest_cases()
