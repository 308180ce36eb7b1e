#!/usr/bin/env python3
"""Per-group p-values against the chosen reference (cvar-audit test --reference).

- a fixed reference v: scipy.stats.binomtest(k, n, v, alternative=...).pvalue,
  alternative 'greater' (one-sided disparity) and 'two-sided';
- a reference group X: scipy.stats.fisher_exact([[x_g, n_g - x_g], [x_X, n_X - x_X]],
  alternative=...).pvalue, 'greater' and 'two-sided'.

Cases are drawn with numpy.random.default_rng(20261203), sizes from 1 to 10^6.

usage: python3 Tests/Oracles/make_group_reference_fixtures.py   (writes Tests/Fixtures/group_reference_pvalues.json)
"""
import numpy as np
import scipy.stats as st

from fixture_io import dump, versions


def main():
    rng = np.random.default_rng(20261203)
    binomial = []
    for i in range(60):
        n = int(rng.choice([1, 5, 20, 200, 5000, 100_000, 1_000_000]))
        v = float(rng.choice([0.001, 0.05, 0.3, 0.5, 0.9, 0.999]) if i % 2 else round(float(rng.uniform(0.01, 0.99)), 4))
        # k near n v (within a few s.d.) or anywhere
        if i % 3 == 0:
            k = int(rng.integers(0, n + 1))
        else:
            sd = max(1.0, (n * v * (1 - v)) ** 0.5)
            k = int(np.clip(round(n * v + rng.normal(0, 3) * sd), 0, n))
        binomial.append({"k": k, "n": n, "p": v,
                         "greater": float(st.binomtest(k, n, v, alternative="greater").pvalue),
                         "twoSided": float(st.binomtest(k, n, v, alternative="two-sided").pvalue)})
    fisher = []
    for i in range(60):
        ng = int(rng.choice([1, 3, 10, 50, 400, 5000, 100_000]))
        nr = int(rng.choice([1, 4, 10, 60, 500, 20_000]))
        pr = float(rng.uniform(0.02, 0.98))
        pg = pr if i % 2 == 0 else float(np.clip(pr + rng.normal(0, 0.1), 0, 1))
        xg, xr = int(rng.binomial(ng, pg)), int(rng.binomial(nr, pr))
        table = [[xg, ng - xg], [xr, nr - xr]]
        fisher.append({"xGroup": xg, "nGroup": ng, "xReference": xr, "nReference": nr,
                       "greater": float(st.fisher_exact(table, alternative="greater").pvalue),
                       "twoSided": float(st.fisher_exact(table, alternative="two-sided").pvalue)})
    dump("group_reference_pvalues.json", {
        "provenance": {
            "generator": "Tests/Oracles/make_group_reference_fixtures.py",
            "packages": versions("numpy", "scipy"),
            "calls": ["scipy.stats.binomtest(k, n, p, alternative='greater').pvalue",
                      "scipy.stats.binomtest(k, n, p, alternative='two-sided').pvalue",
                      "scipy.stats.fisher_exact([[xGroup, nGroup - xGroup], [xReference, nReference - xReference]], "
                      "alternative='greater').pvalue",
                      "scipy.stats.fisher_exact(..., alternative='two-sided').pvalue"],
        },
        "binomialCases": binomial,
        "fisherCases": fisher,
    })


if __name__ == "__main__":
    main()
