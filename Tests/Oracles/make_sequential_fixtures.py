#!/usr/bin/env python3
"""Reference values for the CVaRSequential Swift tests (issue 5).

Regenerate from the repository root with:

    python3 Tests/Oracles/make_sequential_fixtures.py

Writes Tests/Fixtures/sequential.json:

- "confidenceSequences": the predictable plug-in empirical-Bernstein (PrPl-EB)
  confidence sequence of Waudby-Smith & Ramdas (JRSS-B 2024, Theorem 2,
  eqs. 13-15), written here with numpy cumulative sums (vectorised over t,
  not the Swift recursion), then the running intersection clipped to [0, 1].
  Sequences: Bernoulli(0.3), Bernoulli(0.05), Beta(2, 5) and a constant 1
  stream, lengths 400, at levels delta in {0.05, 0.001}.
- "l2Thresholds": the Cantelli threshold of the sequential L2 test (see
  Sources/CVaRSequential/SequentialL2Test.swift) for given counts and
  weights, from the closed form with sigma^2 = 1/4, plus a Monte-Carlo check
  (numpy, 20,000 draws under the null, Bernoulli(0.5)) that the rejection
  rate at the threshold is below the level.
- "withoutReplacementSequences": the without-replacement empirical-Bernstein
  confidence sequence of Waudby-Smith & Ramdas, "Confidence sequences for
  sampling without replacement" (NeurIPS 2020, section 3): the same bets and
  penalties as PrPl-EB, with X_i + S_{i-1}/(N-i+1) in the numerator sum and
  weights N/(N-i+1) in the denominator, the running intersection clipped to
  [0, 1] and to the sure bounds [S_t/N, (S_t + N - t)/N], and the known mean
  at t = N. Pools: a random permutation of 300 Bernoulli(0.3) values and of
  120 Beta(2, 5) values, drawn to exhaustion, at delta 0.05 and 0.001
  (drawn after the other cases, so their values are unchanged).
"""
from __future__ import annotations

import json
import math
import os
import sys
from importlib.metadata import version as pkg_version

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "sequential.json")


def prpl_eb(x: np.ndarray, delta: float, c: float = 0.5):
    t = np.arange(1, len(x) + 1, dtype=float)
    s = np.cumsum(x)
    mu_hat = (0.5 + s) / (t + 1)                       # mu_hat_t, t = 1..n
    sig2 = (0.25 + np.cumsum((x - mu_hat) ** 2)) / (t + 1)
    mu_prev = np.concatenate([[0.5], mu_hat[:-1]])     # mu_hat_{t-1}
    sig2_prev = np.concatenate([[0.25], sig2[:-1]])    # sigma2_hat_{t-1}
    log_term = math.log(2 / delta)
    lam = np.minimum(np.sqrt(2 * log_term / (sig2_prev * t * np.log1p(t))), c)
    v = 4 * (x - mu_prev) ** 2
    psi = (-np.log1p(-lam) - lam) / 4
    center = np.cumsum(lam * x) / np.cumsum(lam)
    radius = (log_term + np.cumsum(v * psi)) / np.cumsum(lam)
    lower = np.maximum.accumulate(np.maximum(center - radius, 0.0))
    upper = np.minimum.accumulate(np.minimum(center + radius, 1.0))
    return lower, upper


def wor_eb(x: np.ndarray, delta: float, c: float = 0.5):
    n_pop = len(x)
    t = np.arange(1, n_pop + 1, dtype=float)
    s = np.cumsum(x)
    s_prev = np.concatenate([[0.0], s[:-1]])           # S_{t-1}
    mu_hat = (0.5 + s) / (t + 1)
    sig2 = (0.25 + np.cumsum((x - mu_hat) ** 2)) / (t + 1)
    mu_prev = np.concatenate([[0.5], mu_hat[:-1]])
    sig2_prev = np.concatenate([[0.25], sig2[:-1]])
    log_term = math.log(2 / delta)
    lam = np.minimum(np.sqrt(2 * log_term / (sig2_prev * t * np.log1p(t))), c)
    v = 4 * (x - mu_prev) ** 2
    psi = (-np.log1p(-lam) - lam) / 4
    remaining = n_pop - t + 1                          # N - t + 1
    denominator = np.cumsum(lam * n_pop / remaining)
    center = np.cumsum(lam * (x + s_prev / remaining)) / denominator
    radius = (log_term + np.cumsum(v * psi)) / denominator
    lower = np.maximum.accumulate(np.maximum(center - radius, 0.0))
    upper = np.minimum.accumulate(np.minimum(center + radius, 1.0))
    lower = np.maximum.accumulate(np.maximum(lower, s / n_pop))
    upper = np.minimum.accumulate(np.minimum(upper, (s + n_pop - t) / n_pop))
    lower[-1] = upper[-1] = s[-1] / n_pop
    return lower, upper


def l2_threshold(counts, weights, n, level):
    sigma2, sigma4 = 0.25, 0.0625
    counts = np.asarray(counts, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = (counts >= 2) & (w > 0)
    w = np.where(keep, w, 0.0)
    w = w / w.sum()
    m = np.where(keep, counts, 2.0)
    var_a = 2 * sigma4 * np.sum(np.where(keep, w * w / (m * (m - 1)), 0.0))
    s2 = np.sum(np.where(keep, w * w / m, 0.0))
    s4 = np.sum(np.where(keep, w ** 4 / m ** 3, 0.0))
    e4 = 3 * sigma4 / n ** 2 + sigma2 / n ** 3
    y4 = 3 * sigma4 * s2 ** 2 + sigma2 * s4
    s = math.sqrt(var_a) + math.sqrt(e4) + 2 * e4 ** 0.25 * y4 ** 0.25
    return s * math.sqrt((1 - level) / level), w


def main():
    rng = np.random.default_rng(20261129)
    sequences = []
    streams = {
        "bernoulli0.3": (rng.random(400) < 0.3).astype(float),
        "bernoulli0.05": (rng.random(400) < 0.05).astype(float),
        "beta2,5": rng.beta(2, 5, 400),
        "ones": np.ones(400),
    }
    for name, x in streams.items():
        for delta in (0.05, 0.001):
            lo, hi = prpl_eb(x, delta)
            idx = [0, 1, 2, 9, 49, 99, 199, 399]
            sequences.append({"name": name, "delta": delta, "x": [float(v) for v in x],
                              "t": [i + 1 for i in idx], "lower": [float(lo[i]) for i in idx],
                              "upper": [float(hi[i]) for i in idx]})
    l2 = []
    for case, (counts, weights, extra, level) in enumerate([
        ([10, 10, 10, 10], [0.25] * 4, 0, 0.01),
        ([2, 5, 50, 500], [0.1, 0.2, 0.3, 0.4], 3, 0.05),
        ([1, 30, 30, 0, 12], [0.2] * 5, 0, 0.001),
        ([64] * 16, [1 / 16] * 16, 0, 6 * 0.025 / math.pi ** 2),
    ]):
        n = int(sum(counts)) + extra
        threshold, w_eff = l2_threshold(counts, weights, n, level)
        # Monte-Carlo check of the null rejection rate (Bernoulli(0.5), the
        # largest variance), T_L2 with the pooled reference.
        sims = 20000
        rejections = 0
        for _ in range(sims):
            xs = [rng.random(c) < 0.5 for c in counts]
            pooled = (sum(float(v.sum()) for v in xs) + float((rng.random(extra) < 0.5).sum())) / n
            t = 0.0
            for g, v in enumerate(xs):
                if w_eff[g] > 0:
                    m = len(v)
                    mean = v.mean()
                    s2 = v.var(ddof=1)
                    t += w_eff[g] * ((mean - pooled) ** 2 - s2 / m)
            rejections += t > threshold
        l2.append({"counts": counts, "weights": weights, "observations": n, "level": level,
                   "threshold": threshold, "monteCarloRejectionRate": rejections / sims})
    wor = []
    pools = {
        "bernoulli0.3-pool300": rng.permutation((rng.random(300) < 0.3).astype(float)),
        "beta2,5-pool120": rng.permutation(rng.beta(2, 5, 120)),
    }
    for name, x in pools.items():
        for delta in (0.05, 0.001):
            lo, hi = wor_eb(x, delta)
            n_pop = len(x)
            idx = sorted({0, 1, 9, n_pop // 4, n_pop // 2, (9 * n_pop) // 10, n_pop - 2, n_pop - 1})
            wor.append({"name": name, "delta": delta, "x": [float(v) for v in x], "populationSize": n_pop,
                        "t": [i + 1 for i in idx], "lower": [float(lo[i]) for i in idx],
                        "upper": [float(hi[i]) for i in idx], "mean": float(x.mean())})
    out = {
        "provenance": {
            "generator": "Tests/Oracles/make_sequential_fixtures.py",
            "packages": {"python": "%d.%d.%d" % sys.version_info[:3], "numpy": pkg_version("numpy")},
            "calls": [
                "prpl_eb: numpy cumsum / log1p / maximum.accumulate form of Waudby-Smith & Ramdas (2024) eqs. 13-15, c = 1/2",
                "l2_threshold: closed form of SequentialL2Test.threshold with sigma^2 = 1/4",
                "wor_eb: numpy cumsum form of the without-replacement EB CS of Waudby-Smith & Ramdas (2020), c = 1/2",
                "numpy.random.default_rng(20261129)",
            ],
        },
        "confidenceSequences": sequences,
        "l2Thresholds": l2,
        "withoutReplacementSequences": wor,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
