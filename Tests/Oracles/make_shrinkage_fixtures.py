"""Beta-binomial empirical-Bayes fixtures: Tests/Fixtures/shrinkage.json.

Independent of the Swift code: the marginal likelihood is scipy.stats.betabinom.logpmf summed over
groups, and the prior is fitted by scipy.optimize.minimize (L-BFGS-B on (log a, log b), from a grid
of 25 starts, the best kept). The likelihood at fixed (a, b) is also
evaluated exactly, with mpmath's loggamma at 50 digits. The Swift log likelihood leaves out the binomial coefficients
(constant in a, b): the fixture stores Σ log C(n, x) so the test can add it.

    python3 Tests/Oracles/make_shrinkage_fixtures.py
"""
from __future__ import annotations

import mpmath
import numpy as np
from scipy import optimize, special, stats

from fixture_io import dump, versions


def fit(x, n):
    def nll(p):
        a, b = np.exp(p)
        return -stats.betabinom.logpmf(x, n, a, b).sum()
    best = None
    for la in np.linspace(-3, 5, 5):
        for lb in np.linspace(-3, 7, 5):
            r = optimize.minimize(nll, [la, lb], method="L-BFGS-B",
                                  bounds=[(-12, 21), (-12, 21)])
            if best is None or r.fun < best.fun:
                best = r
    a, b = np.exp(best.x)
    return float(a), float(b), float(-best.fun)


def exact_log_likelihood(x, n, a, b):
    """Σ log[C(n, x) B(x + a, n − x + b) / B(a, b)] in 50-digit arithmetic (mpmath)."""
    mpmath.mp.dps = 50
    total = mpmath.mpf(0)
    for xi, ni in zip(x.tolist(), n.tolist()):
        total += (mpmath.loggamma(ni + 1) - mpmath.loggamma(xi + 1) - mpmath.loggamma(ni - xi + 1)
                  + mpmath.loggamma(xi + a) + mpmath.loggamma(ni - xi + b) - mpmath.loggamma(ni + a + b)
                  - mpmath.loggamma(a) - mpmath.loggamma(b) + mpmath.loggamma(a + b))
    return float(total)


def case(name, x, n, evaluate_at):
    x = np.asarray(x, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    a, b, ll = fit(x, n)
    return {
        "name": name,
        "successes": x.tolist(),
        "trials": n.tolist(),
        "logChooseSum": float((special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)).sum()),
        "fitA": a, "fitB": b, "fitLogLikelihood": exact_log_likelihood(x, n, a, b),
        "interior": bool(a < 1e8 and b < 1e8),
        "evaluations": [
            {"a": ea, "b": eb, "logLikelihood": exact_log_likelihood(x, n, ea, eb)}
            for ea, eb in evaluate_at
        ],
    }


def main():
    rng = np.random.default_rng(20261203)
    cases = []
    # Zipf-sized groups with rates from Beta(2, 18): a clear between-group spread.
    k = 300
    sizes = np.maximum(1, (4000 / np.arange(1, k + 1)).astype(np.int64))
    rates = rng.beta(2, 18, size=k)
    cases.append(case("zipf-beta(2,18)", rng.binomial(sizes, rates), sizes, [(2, 18), (0.5, 3), (40, 400)]))
    # Balanced groups of 50, rates from Beta(20, 30).
    sizes = np.full(80, 50)
    rates = rng.beta(20, 30, size=80)
    cases.append(case("balanced-beta(20,30)", rng.binomial(sizes, rates), sizes, [(20, 30), (1, 1)]))
    # Many groups of one row (census-like) and a few large ones.
    sizes = np.concatenate([np.ones(200, dtype=np.int64), np.full(20, 30), np.full(5, 2000)])
    rates = rng.beta(3, 7, size=sizes.size)
    cases.append(case("tiny-cells-beta(3,7)", rng.binomial(sizes, rates), sizes, [(3, 7), (0.2, 0.5)]))
    # Large counts (n up to 10^6): the long-sum branch.
    sizes = np.array([10**6, 5 * 10**5, 2 * 10**5, 10**5, 70_000, 3_000, 200])
    rates = rng.beta(50, 450, size=sizes.size)
    cases.append(case("large-counts", rng.binomial(sizes, rates), sizes, [(50, 450), (5000, 45000)]))
    dump("shrinkage.json", {
        "provenance": {
            "script": "Tests/Oracles/make_shrinkage_fixtures.py",
            "versions": versions("numpy", "scipy", "mpmath"),
            "calls": "evaluations: mpmath.loggamma (mp.dps = 50) sums; fit: scipy.stats.betabinom.logpmf(x, n, a, b).sum() minimised by scipy.optimize.minimize(nll, x0, "
                     "method='L-BFGS-B', bounds=[(-12, 21)]*2) on (log a, log b) from 25 starts",
            "seed": 20261203,
        },
        "cases": cases,
    })


if __name__ == "__main__":
    main()
