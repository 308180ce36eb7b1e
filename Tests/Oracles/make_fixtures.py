#!/usr/bin/env python3
"""Independent reference values ("oracles") for the CVaRAudit Swift tests.

Regenerate from the repository root with:

    python3 Tests/Oracles/make_fixtures.py

Writes Tests/Fixtures/{beta,normal,proportion_intervals,cvar,renyi,compas_groups}.json.
Every random draw uses a fixed numpy seed, so two runs give byte-identical
files (given the same package versions). Each file carries a "provenance"
object naming this script, the package versions and the exact calls used.

Only scipy / statsmodels / numpy / pandas / fairlearn (and mpmath, for a
high-precision sanity check of the scipy special functions) are used: nothing
here shares code with the Swift implementation.
"""

from __future__ import annotations

import json
import math
import os
import sys
import warnings
from fractions import Fraction
from importlib.metadata import version as pkg_version

import numpy as np
import pandas as pd
import scipy
import scipy.special as sc
import scipy.stats as st
from scipy.optimize import linprog

import statsmodels
from statsmodels.stats.proportion import proportion_confint

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures")
COMPAS_CSV = os.path.join(ROOT, "Sources", "CVaRAudit", "Resources", "compas-two-years.csv")
GENERATOR = "Tests/Oracles/make_fixtures.py"


def versions(*names: str) -> dict:
    out = {"python": "%d.%d.%d" % sys.version_info[:3]}
    for n in names:
        out[n] = pkg_version(n)
    return out


def f(x) -> float | None:
    """Plain Python float (repr precision in JSON); NaN -> None."""
    x = float(x)
    if math.isnan(x):
        return None
    if math.isinf(x):
        raise ValueError("infinite value would not be valid JSON")
    return x + 0.0  # -0.0 -> 0.0


def write(name: str, obj: dict) -> None:
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    # One top-level key per line; arrays of objects get one element per line
    # (compact but diff-friendly). Floats use Python's repr (shortest round-trip).
    parts = []
    for k, v in obj.items():
        if isinstance(v, list) and v and all(isinstance(e, dict) for e in v):
            body = ",\n".join("  " + json.dumps(e, allow_nan=False) for e in v)
            parts.append(f" {json.dumps(k)}: [\n{body}\n ]")
        else:
            parts.append(f" {json.dumps(k)}: {json.dumps(v, indent=1, allow_nan=False)}")
    text = "{\n" + ",\n".join(parts) + "\n}\n"
    json.loads(text)  # well-formed
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(text) / 1024:.1f} KB)")


# ---------------------------------------------------------------------------
# 1. Regularized incomplete beta and its inverse
# ---------------------------------------------------------------------------

def mp_betainc(mpmath, a, b, x):
    """I_x(a, b) at 40 digits via x^a (1-x)^b / (a B(a,b)) * 2F1(a+b, 1; a+1; x)
    (complement form above the mode), or None if the series does not converge."""
    a, b, x = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(x)

    def lower(a, b, x):
        pre = mpmath.exp(a * mpmath.log(x) + b * mpmath.log1p(-x) - mpmath.log(a)
                         - (mpmath.loggamma(a) + mpmath.loggamma(b) - mpmath.loggamma(a + b)))
        return pre * mpmath.hyp2f1(a + b, 1, a + 1, x, maxterms=10**6)

    try:
        if x <= (a + 1) / (a + b + 2):
            return float(lower(a, b, x))
        return float(1 - lower(b, a, 1 - x))
    except (ValueError, mpmath.libmp.NoConvergence):
        return None


def make_beta() -> None:
    import mpmath

    mpmath.mp.dps = 40
    vals = [0.5, 1.0, 2.0, 3.5, 10.0, 50.0, 200.0, 1000.0, 1e4, 1e5]
    # 15 (a, b) pairs: the diagonal plus skewed / extreme off-diagonal pairs.
    pairs = [(v, v) for v in vals] + [
        (0.5, 3.5), (2.0, 10.0), (1.0, 1000.0), (50.0, 1e4), (1e5, 200.0),
    ]
    fixed = [1e-12, 1e-6, 0.001, 0.025, 0.5, 0.975, 0.999, 1 - 1e-9]
    rng = np.random.default_rng(20240101)

    cdf_cases, q_cases = [], []
    max_rel_mp = 0.0
    max_round_trip = 0.0
    mp_checked = mp_skipped = 0
    worst = None
    for a, b in pairs:
        mean = a / (a + b)
        sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        # fixed grid + two points near the bulk (otherwise huge a,b give only 0/1)
        xs = list(fixed) + [
            min(max(mean - 1.5 * sd, 1e-300), 1 - 1e-16),
            min(max(mean + 0.7 * sd, 1e-300), 1 - 1e-16),
        ]
        for x in xs:
            v = float(sc.betainc(a, b, x))
            ref = mp_betainc(mpmath, a, b, x)
            cdf_cases.append({"a": a, "b": b, "x": float(x), "cdf": f(v),
                              "cdfMpmath": None if ref is None else f(ref)})
            if ref is None:
                mp_skipped += 1
            else:
                mp_checked += 1
                if ref > 0.0:
                    err = abs(v - ref) / ref
                else:
                    err = 0.0 if v == 0.0 else math.inf
                if err > max_rel_mp:
                    max_rel_mp, worst = err, {"a": a, "b": b, "x": float(x)}
        ps = list(fixed) + [float(p) for p in rng.uniform(0.0, 1.0, 2)]
        for p in ps:
            q = float(sc.betaincinv(a, b, p))
            q_cases.append({"a": a, "b": b, "p": float(p), "quantile": f(q)})
            back = float(sc.betainc(a, b, q))
            if 0.0 < q < 1.0:
                max_round_trip = max(max_round_trip, abs(back - p) / p)

    write("beta.json", {
        "provenance": {
            "generator": GENERATOR,
            "packages": versions("scipy", "numpy", "mpmath"),
            "calls": [
                "scipy.special.betainc(a, b, x)",
                "scipy.special.betaincinv(a, b, p)",
                "cdfMpmath (independent check, mp.dps=40): x^a (1-x)^b / (a B(a,b)) * mpmath.hyp2f1(a+b, 1, a+1, x) "
                "for x <= (a+1)/(a+b+2), else 1 - the same with (b, a, 1-x); rounded to double",
            ],
            "checks": {
                "maxRelErrBetaincVsMpmath40Digits": max_rel_mp,
                "worstBetaincCase": worst,
                "maxRelErrRoundTripBetaincOfBetaincinv": max_round_trip,
                "mpmathCdfCasesChecked": mp_checked,
                "mpmathCdfCasesSkipped(mpmath did not converge)": mp_skipped,
            },
            "notes": "x grid: 1e-12,1e-6,0.001,0.025,0.5,0.975,0.999,1-1e-9 plus mean-1.5sd and mean+0.7sd of Beta(a,b). "
                     "p grid: same fixed values plus two uniform draws (numpy default_rng(20240101)).",
        },
        "cdfCases": cdf_cases,
        "quantileCases": q_cases,
    })


# ---------------------------------------------------------------------------
# 2. Standard normal quantile and CDF
# ---------------------------------------------------------------------------

def make_normal() -> None:
    fixed = [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.01, 0.025, 0.05, 0.1,
             0.3, 0.5, 0.7, 0.9, 0.95, 0.975, 0.99, 0.999, 1 - 1e-10]
    rng = np.random.default_rng(20240102)
    rand = [float(p) for p in rng.uniform(0.0, 1.0, 20)] + \
           [float(10.0 ** e) for e in rng.uniform(-30.0, -1.0, 10)]
    cases = [{"p": p, "quantile": f(st.norm.ppf(p))} for p in fixed + rand]

    xfixed = [-37.5, -37.0, -30.0, -20.0, -10.0, -8.0, -6.0, -5.0, -3.0, -2.0,
              -1.959963984540054, -1.0, -0.5, 0.0, 0.5, 1.0, 1.959963984540054,
              2.0, 3.0, 5.0, 8.0, 8.5]
    xrand = [float(x) for x in rng.normal(0.0, 2.5, 30)]
    cdf_cases = [{"x": x, "cdf": f(st.norm.cdf(x))} for x in xfixed + xrand]

    import mpmath
    mpmath.mp.dps = 40
    for c in cdf_cases:
        c["cdfMpmath"] = float(mpmath.ncdf(c["x"]))
    max_cdf = max(abs(c["cdf"] - c["cdfMpmath"]) / c["cdfMpmath"] for c in cdf_cases)
    # quantile check: relative error of ncdf(q) vs p (40 digits), scaled by the condition number p/(q phi(q))
    max_ppf = 0.0
    for c in cases:
        q, p = mpmath.mpf(c["quantile"]), mpmath.mpf(c["p"])
        r = mpmath.ncdf(q) if p < 0.5 else 1 - mpmath.ncdf(-q)
        cond = p / (abs(q) * mpmath.npdf(q)) if q != 0 else 1
        max_ppf = max(max_ppf, float(abs(r - p) / p / max(cond, 1)))

    write("normal.json", {
        "provenance": {
            "generator": GENERATOR,
            "packages": versions("scipy", "numpy", "mpmath"),
            "calls": ["scipy.stats.norm.ppf(p)", "scipy.stats.norm.cdf(x)",
                      "cdfMpmath (check): float(mpmath.ncdf(x)) with mpmath.mp.dps = 40"],
            "checks": {"maxRelErrCdfVsMpmathNcdf": max_cdf,
                       "maxRelErrPpfBackwardVsMpmathNcdfOverConditionNumber": max_ppf},
            "notes": "random p: 20 uniform(0,1) + 10 log-uniform in [1e-30,1e-1]; random x: 30 normal(0, 2.5); "
                     "numpy default_rng(20240102). scipy's norm.cdf(-38.0) is 0.0 although the true value is 2.885e-316 (subnormal), so the x grid stops at -37.5. "
                     "cdfMpmath = mpmath.ncdf(x) at 40 digits rounded to double: scipy's relative error grows in the far left tail "
                     "(about 6e-14 at x = -30), so compare with a relative tolerance of ~1e-13 or use cdfMpmath.",
        },
        "cases": cases,
        "cdfCases": cdf_cases,
    })


# ---------------------------------------------------------------------------
# 3. Wilson and Clopper-Pearson intervals
# ---------------------------------------------------------------------------

def make_proportions() -> None:
    nobs_list = [1, 2, 3, 5, 10, 37, 100, 1000, 123457]
    alphas = [0.05, 0.01, 0.1, 0.05 / 34, 1e-6]
    cases = []
    for n in nobs_list:
        counts = sorted({0, 1, n - 1, n, n // 2, n // 3, (9 * n) // 10, 2 if n >= 2 else 0})
        counts = [c for c in counts if 0 <= c <= n]
        for alpha in alphas:
            for c in counts:
                wl, wh = proportion_confint(c, n, alpha=alpha, method="wilson")
                bl, bh = proportion_confint(c, n, alpha=alpha, method="beta")
                cases.append({
                    "count": c, "nobs": n, "alpha": alpha,
                    "wilson": [f(wl), f(wh)],
                    "clopperPearson": [f(bl), f(bh)],
                })
    write("proportion_intervals.json", {
        "provenance": {
            "generator": GENERATOR,
            "packages": versions("statsmodels", "scipy", "numpy"),
            "calls": [
                "statsmodels.stats.proportion.proportion_confint(count, nobs, alpha=alpha, method='wilson')",
                "statsmodels.stats.proportion.proportion_confint(count, nobs, alpha=alpha, method='beta')",
            ],
            "notes": "Two-sided, level 1-alpha. 'beta' is Clopper-Pearson: lo = Beta(alpha/2; count, nobs-count+1) quantile, "
                     "hi = Beta(1-alpha/2; count+1, nobs-count) quantile; statsmodels sets lo = 0 exactly when count == 0 "
                     "and hi = 1 exactly when count == nobs (the one-sided end is NOT re-tuned to alpha).",
        },
        "cases": cases,
    })


# ---------------------------------------------------------------------------
# 4. Weighted discrete CVaR
# ---------------------------------------------------------------------------

HIGHS_OPTS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


def cvar_dual_lp(delta: np.ndarray, w: np.ndarray, alpha: float) -> float:
    K = len(delta)
    res = linprog(-delta, A_eq=np.ones((1, K)), b_eq=[1.0],
                  bounds=list(zip([0.0] * K, (w / alpha).tolist())),
                  method="highs", options=HIGHS_OPTS)
    assert res.status == 0, res.message
    return -float(res.fun)


def cvar_primal_lp(delta: np.ndarray, w: np.ndarray, alpha: float) -> float:
    K = len(delta)
    # variables x = (tau, t_1..t_K); min tau + (1/alpha) sum w t
    c = np.concatenate([[1.0], w / alpha])
    # Delta_g - tau - t_g <= 0   <=>   -tau - t_g <= -Delta_g
    A = np.hstack([-np.ones((K, 1)), -np.eye(K)])
    b = -delta
    # tau restricted to [min Delta, max Delta]: a minimiser always lies there
    # (f is constant or increasing left of min Delta, slope 1 right of max Delta);
    # the box only keeps HiGHS away from the flat ray tau -> -inf when alpha = 1.
    bounds = [(float(delta.min()), float(delta.max()))] + [(0.0, None)] * K
    res = linprog(c, A_ub=A, b_ub=b, bounds=bounds, method="highs", options=HIGHS_OPTS)
    assert res.status == 0, res.message
    return float(res.fun)


def var_bruteforce(delta: np.ndarray, w: np.ndarray, alpha: float):
    """Lower end of argmin_tau f(tau), f(tau) = tau + (1/alpha) sum w (Delta - tau)_+,
    searched over the kinks (distinct Delta values)."""
    kinks = np.unique(delta)
    fv = np.array([t + np.sum(w * np.maximum(delta - t, 0.0)) / alpha for t in kinks])
    fmin = fv.min()
    tol = 1e-12 * max(1.0, abs(fmin))
    hit = np.nonzero(fv <= fmin + tol)[0]
    return float(kinks[hit[0]]), float(kinks[hit[-1]]), float(kinks[np.argmin(fv)])


def tail_weights(delta: np.ndarray, w: np.ndarray, alpha: float) -> np.ndarray:
    order = sorted(range(len(delta)), key=lambda g: (-delta[g], g))
    lam = np.zeros(len(delta))
    remaining = alpha
    for g in order:
        if remaining <= 0.0:
            break
        take = min(w[g], remaining)
        lam[g] = take / alpha
        remaining -= take
    return lam


def make_cvar() -> None:
    rng = np.random.default_rng(20240104)
    cases = []
    max_pd = max_sort = max_sum = 0.0
    alpha1_var_is_min = 0
    alpha1_cases = 0
    var_tol_matters = 0
    n_cases = 200
    for i in range(n_cases):
        # K: a few K=1, mostly small, up to 60
        if i < 6:
            K = 1
        elif i % 10 == 0:
            K = int(rng.integers(40, 61))
        else:
            K = int(rng.integers(2, 25))

        kind = i % 5
        if kind == 0:      # continuous, mixed sign
            delta = rng.uniform(-0.5, 0.5, K)
            dkind = "uniform(-0.5,0.5)"
        elif kind == 1:    # small integer grid -> many ties
            delta = rng.integers(-3, 4, K) / 20.0
            dkind = "integers[-3,3]/20 (ties)"
        elif kind == 2:    # rate-like disparities with some exact duplicates
            delta = rng.normal(0.0, 0.1, K)
            if K >= 3:
                j = rng.choice(K, size=max(1, K // 3), replace=True)
                delta[j] = delta[0]
            dkind = "normal(0,0.1) with duplicates of delta[0]"
        elif kind == 3:    # all negative
            delta = -rng.uniform(0.0, 1.0, K)
            dkind = "all negative"
        else:              # all equal or two-valued
            if rng.uniform() < 0.5:
                delta = np.full(K, 0.125)
                dkind = "all equal"
            else:
                delta = rng.choice([-0.25, 0.5], size=K)
                dkind = "two values"

        wk = i % 4
        if wk == 0:
            w = np.full(K, 1.0 / K)
            wkind = "uniform"
        elif wk == 1:
            w = rng.dirichlet(np.ones(K))
            wkind = "dirichlet(1)"
        elif wk == 2:
            w = rng.dirichlet(np.full(K, 0.3))
            w = np.maximum(w, 1e-6)
            w = w / w.sum()
            wkind = "dirichlet(0.3), floored at 1e-6 then renormalised"
        else:
            # dyadic weights: integer counts / 2^m -> every cumulative sum exact in binary
            m = 12
            cnt = rng.integers(1, 50, K).astype(float)
            cnt = np.floor(cnt / cnt.sum() * 2 ** m)
            cnt = np.maximum(cnt, 1.0)
            cnt[np.argmax(cnt)] += 2 ** m - cnt.sum()
            w = cnt / 2 ** m
            wkind = "dyadic (integer/4096)"
        assert np.all(w > 0)

        # alpha
        order = sorted(range(K), key=lambda g: (-delta[g], g))
        cum = np.cumsum(w[order])
        ak = (i // 5) % 8
        if ak == 0:
            alpha, akind = 1.0, "1"
        elif ak == 1:
            alpha, akind = 1.0 / K, "1/K"
        elif ak == 2:
            j = int(rng.integers(0, K))
            alpha, akind = float(min(cum[j], 1.0)), "cumulative weight boundary (float cumsum in sorted order)"
        elif ak == 3:
            alpha, akind = 1e-3, "1e-3"
        elif ak == 4:
            alpha, akind = float(10 ** rng.uniform(-6, 0)), "log-uniform[1e-6,1]"
        else:
            alpha, akind = float(rng.uniform(0.0, 1.0)), "uniform(0,1)"
        if alpha <= 0.0:
            alpha = 0.5

        primal = cvar_primal_lp(delta, w, alpha)
        dual = cvar_dual_lp(delta, w, alpha)
        lam = tail_weights(delta, w, alpha)
        sortval = float(np.dot(lam, delta))
        var, var_hi, var_notol = var_bruteforce(delta, w, alpha)
        if var != var_notol:
            var_tol_matters += 1
        pd_err = abs(primal - dual)
        s_err = abs(sortval - primal)
        sum_err = abs(lam.sum() - 1.0)
        assert pd_err <= 1e-9, (i, primal, dual)
        assert s_err <= 1e-9, (i, primal, sortval)
        assert sum_err <= 1e-9, (i, lam.sum())
        # consistency of VaR with the objective: f(var) equals the LP value
        fvar = var + float(np.sum(w * np.maximum(delta - var, 0.0))) / alpha
        assert abs(fvar - primal) <= 1e-9 * max(1.0, abs(primal)), (i, fvar, primal)
        max_pd, max_sort, max_sum = max(max_pd, pd_err), max(max_sort, s_err), max(max_sum, sum_err)
        if alpha == 1.0:
            alpha1_cases += 1
            alpha1_var_is_min += int(var == float(delta.min()))

        cases.append({
            "id": i,
            "deltaKind": dkind, "weightKind": wkind, "alphaKind": akind,
            "delta": [f(x) for x in delta],
            "weights": [f(x) for x in w],
            "alpha": alpha,
            "cvar": primal,
            "var": var,
            "varUpperEnd": var_hi,
            "tailWeights": [f(x) for x in lam],
        })

    write("cvar.json", {
        "provenance": {
            "generator": GENERATOR,
            "packages": versions("scipy", "numpy"),
            "calls": [
                "primal (stored as cvar): scipy.optimize.linprog(c=[1, w/alpha], A_ub=[-1 | -I], b_ub=-delta, "
                "bounds=[(min delta, max delta)] + [(0, None)]*K, method='highs', options=" + repr(HIGHS_OPTS) + ").fun",
                "dual (check): -scipy.optimize.linprog(-delta, A_eq=ones((1,K)), b_eq=[1], bounds=[(0, w_g/alpha)], "
                "method='highs', options=" + repr(HIGHS_OPTS) + ").fun",
                "var: smallest distinct delta value t minimising t + sum(w*max(delta-t,0))/alpha, "
                "ties within 1e-12*max(1,|min f|); varUpperEnd: largest such t",
                "tailWeights: sort by (-delta_g, g), lambda_g = min(w_g, remaining)/alpha, remaining starts at alpha",
            ],
            "checks": {
                "maxAbsPrimalMinusDual": max_pd,
                "maxAbsSortMinusPrimal": max_sort,
                "maxAbsSumTailWeightsMinus1": max_sum,
                "alphaOneCases": alpha1_cases,
                "alphaOneCasesWhereVarEqualsMinDelta": alpha1_var_is_min,
                "casesWithMinimiserInterval(var < varUpperEnd)": sum(1 for c in cases if c["var"] < c["varUpperEnd"]),
                "casesWhereTheTieToleranceChangesVar": var_tol_matters,
            },
            "seed": "numpy.random.default_rng(20240104)",
        },
        "cases": cases,
    })


# ---------------------------------------------------------------------------
# 5. Renyi entropy
# ---------------------------------------------------------------------------

def renyi(w: np.ndarray, beta) -> float:
    w = np.asarray(w, dtype=float)
    pos = w[w > 0]
    if beta == "inf":
        return float(-np.log(np.max(w)))
    if beta == 0:
        return float(np.log(len(pos)))
    if beta == 1:
        return float(st.entropy(w))
    return float(np.log(np.sum(pos ** beta)) / (1.0 - beta))


def renyi_mp(w, beta):
    import mpmath
    mpmath.mp.dps = 40
    ws = [mpmath.mpf(float(x)) for x in w if x > 0]
    tot = mpmath.fsum(ws)
    ws = [x / tot for x in ws]
    if beta == "inf":
        return float(-mpmath.log(max(ws)))
    if beta == 0:
        return float(mpmath.log(len(ws)))
    if beta == 1:
        return float(-mpmath.fsum(x * mpmath.log(x) for x in ws))
    b = mpmath.mpf(2) / 3 if abs(beta - 2 / 3) < 1e-15 else mpmath.mpf(beta)
    return float(mpmath.log(mpmath.fsum(x ** b for x in ws)) / (1 - b))


def make_renyi() -> None:
    rng = np.random.default_rng(20240105)
    vecs = []

    def add(name, w):
        w = np.asarray(w, dtype=float)
        w = w / w.sum()
        vecs.append((name, w))

    for K in (1, 2, 10, 1000):
        add(f"uniform K={K}", np.ones(K))
    for s in (1, 2):
        for K in (10, 100):
            add(f"zipf s={s} K={K}", 1.0 / np.arange(1, K + 1) ** s)
    for K in (2, 3, 5, 8, 13, 20, 34, 50):
        add(f"dirichlet(1) K={K}", rng.dirichlet(np.ones(K)))
    for K in (3, 10, 30, 60):
        add(f"dirichlet(0.2) K={K}", rng.dirichlet(np.full(K, 0.2)))
    for K in (4, 25, 80):
        add(f"dirichlet(5) K={K}", rng.dirichlet(np.full(K, 5.0)))
    tiny = np.full(100, 0.001 / 99)
    add("one weight 0.999 + 99 equal tiny", np.concatenate([[0.999], tiny[:99]]))
    add("one weight 0.999 + 9 tiny", np.concatenate([[0.999], np.full(9, 0.001 / 9)]))
    add("two groups 0.9/0.1", [0.9, 0.1])
    add("two groups 1-1e-9/1e-9", [1 - 1e-9, 1e-9])
    add("dyadic 1/2,1/4,1/8,1/8", [0.5, 0.25, 0.125, 0.125])
    add("geometric 2^-k K=30", 0.5 ** np.arange(1, 31))
    add("with zero entries (support 3 of 5)", [0.5, 0.0, 0.3, 0.0, 0.2])
    add("lognormal(0,2) K=40", rng.lognormal(0.0, 2.0, 40))
    add("uniform K=7", np.ones(7))
    add("uniform K=34", np.ones(34))
    add("exponential K=80", rng.exponential(1.0, 80))
    add("mixture: 5 big + 45 small", np.concatenate([np.full(5, 0.18), np.full(45, 0.1 / 45)]))
    add("dirichlet(1) K=120", rng.dirichlet(np.ones(120)))
    add("uniform K=3", np.ones(3))
    add("uniform K=100", np.ones(100))
    add("0.6/0.3/0.1", [0.6, 0.3, 0.1])
    add("dirichlet(0.5) K=15", rng.dirichlet(np.full(15, 0.5)))

    betas = [0, 0.5, 2 / 3, 1, 2, 3, "inf"]
    vectors, cases = [], []
    max_mp = 0.0
    for idx, (name, w) in enumerate(vecs):
        h23 = renyi(w, 2 / 3)
        norm23 = float(np.sum(w[w > 0] ** (2 / 3)) ** 1.5)
        vectors.append({
            "id": idx, "name": name, "weights": [f(x) for x in w],
            "norm23": norm23, "effectiveGroups": float(np.exp(h23)),
            "sqrtEffectiveGroups": float(np.exp(h23 / 2)),
        })
        for b in betas:
            h = renyi(w, b)
            max_mp = max(max_mp, abs(h - renyi_mp(w, b)) / max(1.0, abs(h)))
            cases.append({"vector": idx, "weights": [f(x) for x in w],
                          "beta": b if b == "inf" else float(b), "entropy": f(h)})

    write("renyi.json", {
        "provenance": {
            "generator": GENERATOR,
            "packages": versions("scipy", "numpy", "mpmath"),
            "calls": [
                "beta=0: numpy.log(numpy.count_nonzero(w))",
                "beta=1: scipy.stats.entropy(w)",
                "beta='inf': -numpy.log(numpy.max(w))",
                "other beta: numpy.log(numpy.sum(w[w>0]**beta)) / (1 - beta)",
                "norm23: numpy.sum(w[w>0]**(2/3))**1.5",
                "effectiveGroups: numpy.exp(H_{2/3}(w)); sqrtEffectiveGroups: numpy.exp(H_{2/3}(w)/2) (equals norm23)",
            ],
            "checks": {"maxRelErrVsMpmath40Digits": max_mp},
            "notes": "Weights are normalised with w/w.sum() before storing; entropies in nats. "
                     "beta 2/3 is stored as the double 0.6666666666666666. "
                     "Random vectors: numpy.random.default_rng(20240105).",
        },
        "vectors": vectors,
        "cases": cases,
    })


# ---------------------------------------------------------------------------
# 6. COMPAS per-group rates (pandas vs fairlearn)
# ---------------------------------------------------------------------------

def make_compas() -> None:
    from fairlearn.metrics import (MetricFrame, false_negative_rate,
                                   false_positive_rate, selection_rate)
    from sklearn.metrics import accuracy_score

    df = pd.read_csv(COMPAS_CSV)
    assert len(df) == 7214, len(df)
    df["yhat"] = (df["decile_score"] >= 5).astype(int)
    df["y"] = df["two_year_recid"].astype(int)
    df["err"] = (df["yhat"] != df["y"]).astype(int)
    cols = ["race", "sex", "age_cat"]

    groups = []
    for key, g in df.groupby(cols, observed=True, sort=True):
        pos = g[g["y"] == 1]
        neg = g[g["y"] == 0]
        groups.append({
            "key": dict(zip(cols, key)),
            "n": int(len(g)),
            "positives": int(len(pos)),
            "negatives": int(len(neg)),
            "errors": int(g["err"].sum()),
            "falseNegatives": int((pos["yhat"] == 0).sum()),
            "falsePositives": int((neg["yhat"] == 1).sum()),
            "selected": int(g["yhat"].sum()),
            "errorRate": float(g["err"].mean()),
            "fnr": float((pos["yhat"] == 0).mean()) if len(pos) else None,
            "fpr": float((neg["yhat"] == 1).mean()) if len(neg) else None,
            "selectionRate": float(g["yhat"].mean()),
        })

    pos = df[df["y"] == 1]
    neg = df[df["y"] == 0]
    overall = {
        "rows": int(len(df)),
        "positives": int(len(pos)),
        "negatives": int(len(neg)),
        "errorRate": float(df["err"].mean()),
        "fnr": float((pos["yhat"] == 0).mean()),
        "fpr": float((neg["yhat"] == 1).mean()),
        "selectionRate": float(df["yhat"].mean()),
    }

    def error_rate(y_true, y_pred):
        return 1.0 - accuracy_score(y_true, y_pred)

    metrics = {"errorRate": error_rate, "fnr": false_negative_rate,
               "fpr": false_positive_rate, "selectionRate": selection_rate}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mf = MetricFrame(metrics=metrics, y_true=df["y"].to_numpy(), y_pred=df["yhat"].to_numpy(),
                         sensitive_features=df[cols])
        by = mf.by_group
        diff = mf.difference(method="between_groups")
        mf_overall = mf.overall
    warn_msgs = sorted({f"{w.category.__name__}: {w.message}" for w in caught})

    # compare pandas vs fairlearn
    fair_empty = []
    max_diff = 0.0
    for g in groups:
        k = tuple(g["key"][c] for c in cols)
        row = by.loc[k]
        fl = {}
        for m in metrics:
            fv = float(row[m])
            fl[m] = f(fv)
            pv = g[m]
            if pv is None:
                fair_empty.append({"key": g["key"], "metric": m, "fairlearnValue": f(fv)})
            else:
                assert abs(pv - fv) <= 1e-12, (k, m, pv, fv)
                max_diff = max(max_diff, abs(pv - fv))
        g["fairlearn"] = fl
    for m in metrics:
        assert abs(overall[m] - float(mf_overall[m])) <= 1e-12, m

    # max - min over groups that have the rate (the pandas / docs/method.md convention)
    def between(m):
        v = [g[m] for g in groups if g[m] is not None]
        return max(v) - min(v)

    missing = {m: [g["key"] for g in groups if g[m] is None] for m in metrics}
    write("compas_groups.json", {
        "provenance": {
            "generator": GENERATOR,
            "packages": versions("pandas", "numpy", "fairlearn", "scikit-learn"),
            "calls": [
                "df = pandas.read_csv('Sources/CVaRAudit/Resources/compas-two-years.csv'); "
                "yhat = (df.decile_score >= 5).astype(int); y = df.two_year_recid",
                "df.groupby(['race','sex','age_cat'], observed=True, sort=True) -> per-group counts and means",
                "fairlearn.metrics.MetricFrame(metrics={'errorRate': lambda yt, yp: 1 - sklearn.metrics.accuracy_score(yt, yp), "
                "'fnr': fairlearn.metrics.false_negative_rate, 'fpr': fairlearn.metrics.false_positive_rate, "
                "'selectionRate': fairlearn.metrics.selection_rate}, y_true=y, y_pred=yhat, "
                "sensitive_features=df[['race','sex','age_cat']])",
                "MetricFrame.by_group, MetricFrame.overall, MetricFrame.difference(method='between_groups')",
            ],
            "checks": {
                "maxAbsPandasMinusFairlearn": max_diff,
                "fairlearnWarnings": warn_msgs,
            },
            "notes": "Groups are the observed (race, sex, age_cat) cells, sorted lexicographically by pandas. "
                     "'fnr' is null when the group has no y=1 row, 'fpr' null when it has no y=0 row. "
                     "fairlearn returns a number for such groups instead (see fairlearnOnEmptyGroups); "
                     "fairlearnDifferenceBetweenGroups therefore includes those values, while "
                     "differenceBetweenGroupsExcludingEmpty is max - min over groups that have the rate.",
        },
        "K": len(groups),
        "cases": groups,
        "overall": overall,
        "groupsWithoutRate": missing,
        "fairlearnOnEmptyGroups": fair_empty,
        "fairlearnDifferenceBetweenGroups": {m: f(diff[m]) for m in metrics},
        "differenceBetweenGroupsExcludingEmpty": {m: between(m) for m in metrics},
    })


def main() -> None:
    make_beta()
    make_normal()
    make_proportions()
    make_cvar()
    make_renyi()
    make_compas()


if __name__ == "__main__":
    main()
