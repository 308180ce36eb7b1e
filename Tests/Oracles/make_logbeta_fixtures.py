#!/usr/bin/env python3
"""log B(a, b) at 50 significant digits with mpmath, for IncompleteBeta.logBeta.

    log B(a, b) = mpmath.loggamma(a) + mpmath.loggamma(b) - mpmath.loggamma(a + b)   (mp.dps = 50)

Cases: a grid of small to huge a, b (0.5 ... 1e9) and the (x, n - x + 1),
(x + 1, n - x) pairs of Clopper-Pearson intervals at n = 10^6 and 10^7.
Each value is the double nearest the 50-digit result.

usage: python3 Tests/Oracles/make_logbeta_fixtures.py   (writes Tests/Fixtures/log_beta.json)
"""
import mpmath

from fixture_io import dump, versions

mpmath.mp.dps = 50

GRID = [0.5, 1.0, 3.0, 9.5, 10.0, 12.5, 100.0, 1e3, 1e5, 1e6, 5e6, 1e7, 1e9]


def log_beta(a, b):
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    return mpmath.loggamma(a) + mpmath.loggamma(b) - mpmath.loggamma(a + b)


def main():
    pairs = [(a, b) for i, a in enumerate(GRID) for b in GRID[i:]]
    for n in (10**6, 10**7):
        for x in (1, 7, 1000, n // 3, n // 2, n - 5):
            pairs.append((float(x), float(n - x + 1)))
            pairs.append((float(x + 1), float(n - x)))
    cases = [{"a": a, "b": b, "logBeta": float(log_beta(a, b))} for a, b in pairs]
    dump("log_beta.json", {
        "provenance": {
            "generator": "Tests/Oracles/make_logbeta_fixtures.py",
            "packages": versions("mpmath"),
            "calls": ["mpmath.mp.dps = 50",
                      "float(mpmath.loggamma(a) + mpmath.loggamma(b) - mpmath.loggamma(a + b))"],
        },
        "cases": cases,
    })


if __name__ == "__main__":
    main()
