#!/usr/bin/env python3
"""Independent reference values for the sample-size planner (CVaRPlanning).

Regenerate from the repository root with:

    python3 Tests/Oracles/make_planning_fixtures.py

Writes Tests/Fixtures/planning.json. The sizes are computed from their
defining conditions (numpy + scipy), not from the closed forms written in
Sources/CVaRPlanning/SamplePlanner.swift, and share no code with Swift:

- multipliers: normal k_d = norm.isf(delta), k_b = max(0, norm.ppf(power));
  cantelli k_x = sqrt((1 - x)/x), k_b = sqrt(power/(1 - power))
- variances: s0 = b(1 - b); sA = max of mu(1 - mu) over mu in [b, min(b + eps, 1)]
  (a fine grid plus the end points and 1/2)
- L2, allocation pi: V = sqrt(sum w^2/pi^2), rho = CVaR_alpha^w(w/pi) from the
  dual linear programme (scipy.optimize.linprog), m = alpha eps^2, and n solves
      m - k_d sqrt(2) s0 V / n = k_b sqrt(2 sA^2 V^2 / n^2 + 4 sA rho m / n)
  (scipy.optimize.brentq on log n)
- max gap: normal n = (norm.isf(delta/K) sqrt(s0) + k_b sqrt(sA))^2 / (eps^2 min p);
  cantelli n = 2 log(2K/min(delta, beta)) / (eps^2 min p)
- two-stage: for m rows per group, J(m) = [k_d sqrt(2 s0^2/m^2)
      + k_b sqrt(alpha(1 - alpha) eps^4 + 4 sA alpha eps^2/m + 2 sA^2/m^2)]^2 / (alpha eps^2)^2;
  m* minimises max(2, m) max(2, J(m)) (scipy.optimize.minimize_scalar, bounded, on log m);
  the split constant is c = m* sqrt(alpha) eps^2 / sA; for each whole J within 1 of
  J(m*) (at least 2 and above kb^2 (1 - alpha)/alpha) the rows per group are ceil of the
  m at which J groups meet the condition exactly (brentq on log m of the defining
  inequality), and the J with the fewest J * m is kept
- inverse at n: the eps at which each unrounded size equals n (brentq on log eps).
"""
import json, math, os, sys
from importlib.metadata import version as pkg_version
import numpy as np
import scipy
from scipy.optimize import brentq, linprog, minimize_scalar
from scipy.stats import norm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "planning.json")


def multipliers(method, delta, power):
    if method == "normal":
        return float(norm.isf(delta)), max(0.0, float(norm.ppf(power)))
    return math.sqrt((1 - delta) / delta), math.sqrt(power / (1 - power))


def variances(b, eps):
    top = min(b + eps, 1.0)
    grid = np.concatenate([np.linspace(b, top, 100001), [b, top] + ([0.5] if b <= 0.5 <= top else [])])
    return b * (1 - b), float(np.max(grid * (1 - grid)))


def cvar_lp(x, w, alpha):
    """max sum(lam x) s.t. 0 <= lam <= w/alpha, sum lam = 1 (HiGHS)."""
    res = linprog(-np.asarray(x), A_eq=np.ones((1, len(x))), b_eq=[1.0],
                  bounds=[(0, wi / alpha) for wi in w], method="highs")
    assert res.status == 0
    return float(-res.fun)


def l2_rows(w, pi, alpha, eps, delta, power, b, method):
    kd, kb = multipliers(method, delta, power)
    s0, sa = variances(b, eps)
    V = math.sqrt(float(np.sum((w / pi) ** 2)))
    rho = cvar_lp(w / pi, w, alpha)
    m = alpha * eps ** 2

    def gap(log_n):
        n = math.exp(log_n)
        return m - kd * math.sqrt(2) * s0 * V / n - kb * math.sqrt(2 * sa ** 2 * V ** 2 / n ** 2 + 4 * sa * rho * m / n)

    return math.exp(brentq(gap, -50, 100, xtol=1e-15, rtol=1e-15, maxiter=500)), V, rho


def maxgap_rows(p, eps, delta, power, b, method):
    K = len(p)
    if method == "normal":
        _, kb = multipliers(method, delta, power)
        s0, sa = variances(b, eps)
        ng = (float(norm.isf(delta / K)) * math.sqrt(s0) + kb * math.sqrt(sa)) ** 2 / eps ** 2
    else:
        ng = 2 * math.log(2 * K / min(delta, 1 - power)) / eps ** 2
    return ng / p.min()


def two_stage(alpha, eps, delta, power, b, method):
    kd, kb = multipliers(method, delta, power)
    s0, sa = variances(b, eps)

    def groups(m):
        return (kd * math.sqrt(2 * s0 ** 2 / m ** 2)
                + kb * math.sqrt(alpha * (1 - alpha) * eps ** 4 + 4 * sa * alpha * eps ** 2 / m + 2 * sa ** 2 / m ** 2)) ** 2 \
            / (alpha * eps ** 2) ** 2

    def cost(log_m):
        m = math.exp(log_m)
        return max(2.0, m) * max(2.0, groups(m))

    centre = math.log(sa / (math.sqrt(alpha) * eps ** 2))
    res = minimize_scalar(cost, bounds=(centre - 12, centre + 12), method="bounded", options={"xatol": 1e-12})
    m_star = math.exp(res.x)
    j_star = groups(m_star)
    fewest = max(2, math.floor(kb ** 2 * (1 - alpha) / alpha) + 1)

    def rows_for(J):
        def condition(log_m):
            m = math.exp(log_m)
            return (math.sqrt(J) * alpha * eps ** 2 - kd * math.sqrt(2) * s0 / m
                    - kb * math.sqrt(alpha * (1 - alpha) * eps ** 4 + 4 * sa * alpha * eps ** 2 / m + 2 * sa ** 2 / m ** 2))
        return max(2, math.ceil(math.exp(brentq(condition, centre - 40, centre + 40, xtol=1e-15, rtol=1e-15, maxiter=500))))

    # Whole J within 1 of J(m*), at least `fewest`; the fewest rows J * ceil(m(J)), ties to fewer groups.
    candidates = range(max(fewest, math.floor(j_star) - 1), max(fewest, math.ceil(j_star) + 1) + 1)
    J = min(candidates, key=lambda J: (J * rows_for(J), J))
    return {"split": m_star * math.sqrt(alpha) * eps ** 2 / sa, "groups": J,
            "rows": rows_for(J), "exact": float(res.fun)}


def inverse(rows_at, n):
    return math.exp(brentq(lambda le: math.log(rows_at(math.exp(le))) - math.log(n), -40, 10, xtol=1e-14, rtol=1e-15,
                           maxiter=500))


def case(name, shares, weights, alpha, eps, delta, power, base, method, n_inverse):
    p = np.asarray(shares, float); p = p / p.sum()
    w = np.asarray(weights, float); w = w / w.sum()
    pi = w ** (2 / 3); pi = pi / pi.sum()
    h23 = math.log(float(np.sum(w ** (2 / 3)))) / (1 - 2 / 3)
    maxgap = maxgap_rows(p, eps, delta, power, base, method)
    iid, v_iid, rho_iid = l2_rows(w, p, alpha, eps, delta, power, base, method)
    strat, v_strat, rho_strat = l2_rows(w, pi, alpha, eps, delta, power, base, method)
    two = two_stage(alpha, eps, delta, power, base, method)
    s0, sa = variances(base, eps)
    kd, kb = multipliers(method, delta, power)
    n = n_inverse
    strat_rows = math.ceil(strat)
    return {
        "name": name, "shares": list(map(float, shares)), "weights": list(map(float, weights)),
        "alpha": alpha, "epsilon": eps, "delta": delta, "power": power, "baseRate": base, "bound": method,
        "nullVariance": s0, "alternativeVariance": sa, "nullMultiplier": kd, "powerMultiplier": kb,
        "renyi23": h23, "norm23": float(np.sum(w ** (2 / 3)) ** 1.5), "effectiveGroups": math.exp(h23),
        "iidFactor": v_iid, "stratifiedFactor": v_strat, "iidTail": rho_iid, "stratifiedTail": rho_strat,
        "maxGapExact": maxgap, "maxGap": math.ceil(maxgap),
        "cvarIIDExact": iid, "cvarIID": math.ceil(iid),
        "cvarStratifiedExact": strat, "cvarStratified": strat_rows,
        "stratifiedAllocation": list(map(float, pi)),
        "stratifiedRows": [max(2, math.ceil(strat_rows * x)) if x > 0 else 0 for x in pi],
        "twoStageSplit": two["split"], "twoStageGroups": two["groups"], "twoStageRows": two["rows"],
        "twoStage": two["groups"] * two["rows"], "twoStageExact": two["exact"],
        "inverseSamples": n,
        "inverseMaxGap": inverse(lambda e: maxgap_rows(p, e, delta, power, base, method), n),
        "inverseIID": inverse(lambda e: l2_rows(w, p, alpha, e, delta, power, base, method)[0], n),
        "inverseStratified": inverse(lambda e: l2_rows(w, pi, alpha, e, delta, power, base, method)[0], n),
        "inverseTwoStage": inverse(lambda e: two_stage(alpha, e, delta, power, base, method)["exact"], n),
    }


def main():
    zipf = lambda K, s: [1 / (i + 1) ** s for i in range(K)]
    cases = [
        case("uniform K=40 (README plan), normal", [1] * 40, [1] * 40, 0.1, 0.1, 0.05, 0.9, 0.5, "normal", 20000),
        case("uniform K=10, cantelli, b = 0.3", [1] * 10, [1] * 10, 0.1, 0.1, 0.05, 0.9, 0.3, "cantelli", 100000),
        case("uniform K=1280, normal, b = 0.3", [1] * 1280, [1] * 1280, 0.1, 0.1, 0.05, 0.9, 0.3, "normal", 1000000),
        case("zipf(1.1) K=2560, population weights, normal, b = 0.3 (issue 15)", zipf(2560, 1.1), zipf(2560, 1.1),
             0.1, 0.1, 0.05, 0.9, 0.3, "normal", 30000),
        case("zipf(1) K=50, population weights, cantelli", zipf(50, 1), zipf(50, 1), 0.2, 0.05, 0.01, 0.8, 0.5,
             "cantelli", 50000),
        case("zipf(1.5) K=30, uniform weights, normal, b = 0.1", zipf(30, 1.5), [1] * 30, 0.05, 0.1, 0.05, 0.95, 0.1,
             "normal", 20000),
        case("concentrated weights K=5, power 0.5, b = 0.7", [0.2] * 5, [0.9, 0.025, 0.025, 0.025, 0.025], 0.5, 0.2,
             0.1, 0.5, 0.7, "normal", 1000),
        case("alpha = 1 K=3, cantelli, b = 0.45 (sigma_A^2 = 1/4)", [3, 2, 1], [1, 1, 1], 1.0, 0.3, 0.2, 0.95, 0.45,
             "cantelli", 500),
        case("base rate 0 K=8, normal", [1] * 8, [1] * 8, 0.25, 0.05, 0.05, 0.8, 0.0, "normal", 5000),
    ]
    doc = {
        "provenance": {
            "generator": "Tests/Oracles/make_planning_fixtures.py",
            "packages": {"python": "%d.%d.%d" % sys.version_info[:3], "numpy": pkg_version("numpy"),
                         "scipy": pkg_version("scipy")},
            "calls": ["scipy.stats.norm.isf / norm.ppf for the normal multipliers",
                      "scipy.optimize.linprog(method='highs') for rho = CVaR_alpha^w(w/pi) (dual form)",
                      "scipy.optimize.brentq on log n of the L2 power condition (xtol 1e-15)",
                      "scipy.optimize.minimize_scalar(bounded, xatol 1e-12) over log m for the two-stage split",
                      "scipy.optimize.brentq on log eps for the inverses"],
            "notes": "Sizes from their defining conditions (see this file's docstring), not from the Swift closed forms.",
        },
        "cases": cases,
    }
    with open(OUT, "w") as fh:
        fh.write("{\n")
        fh.write('"provenance": ' + json.dumps(doc["provenance"]) + ",\n")
        fh.write('"cases": [\n' + ",\n".join(json.dumps(c) for c in cases) + "\n]\n}\n")


if __name__ == "__main__":
    main()
