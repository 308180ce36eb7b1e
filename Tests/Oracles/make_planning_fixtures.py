#!/usr/bin/env python3
"""Independent reference values for the sample-size planner (CVaRPlanning).

Regenerate from the repository root with:

    python3 Tests/Oracles/make_planning_fixtures.py

Writes Tests/Fixtures/planning.json. The formulas are those of METHOD.md
section 9 with the constants documented in Sources/CVaRPlanning/SamplePlanner.swift,
written here from the formulas (numpy + scipy), sharing no code with Swift:

- k_x = sqrt((1 - x)/x) (Cantelli), beta = 1 - power
- L2:       n = (k_delta + k_beta)/(2 sqrt 2) * sqrt(sum w^2/pi^2) / (alpha eps^2)
            pi = p (i.i.d.) or pi = w^(2/3)/sum w^(2/3) (stratified)
- max gap:  n = 2 log(2K/min(delta, beta)) / (eps^2 min p)
- two-stage: c minimises c * A(c), A(c) = [k_d/(sqrt 8 c) + k_b sqrt(1 + sqrt(alpha)/c + 1/(8c^2))]^2,
            m = ceil(c/(sqrt(alpha) eps^2)), J = ceil(A(c)/alpha)  (scipy.optimize.minimize_scalar)
- inverse at n: eps = sqrt(2 log(2K/min(delta,beta))/(n min p)), sqrt(C V/(alpha n)),
            sqrt(c A(c)/(alpha^1.5 n)).
"""
import json, math, os, sys
from importlib.metadata import version as pkg_version
import numpy as np
import scipy
from scipy.optimize import minimize_scalar

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "planning.json")


def kx(x):
    return math.sqrt((1 - x) / x)


def case(name, shares, weights, alpha, eps, delta, power, n_inverse):
    p = np.asarray(shares, float); p = p / p.sum()
    w = np.asarray(weights, float); w = w / w.sum()
    K = len(p)
    beta = 1 - power
    C = (kx(delta) + kx(beta)) / (2 * math.sqrt(2))
    v_iid = math.sqrt(float(np.sum((w / p) ** 2)))
    pi = w ** (2 / 3); pi = pi / pi.sum()
    v_strat = math.sqrt(float(np.sum((w / pi) ** 2)))
    h23 = math.log(float(np.sum(w ** (2 / 3)))) / (1 - 2 / 3)
    maxgap = 2 * math.log(2 * K / min(delta, beta)) / (eps ** 2 * p.min())
    iid = C * v_iid / (alpha * eps ** 2)
    strat = C * v_strat / (alpha * eps ** 2)

    def A(c):
        return (kx(delta) / (math.sqrt(8) * c) + kx(beta) * math.sqrt(1 + math.sqrt(alpha) / c + 1 / (8 * c * c))) ** 2

    res = minimize_scalar(lambda lc: math.exp(lc) * A(math.exp(lc)), bounds=(-8, 8), method="bounded",
                          options={"xatol": 1e-12})
    c = math.exp(res.x)
    m = max(2, math.ceil(c / (math.sqrt(alpha) * eps ** 2)))
    J = max(2, math.ceil(A(c) / alpha))
    n = n_inverse
    return {
        "name": name, "shares": list(map(float, shares)), "weights": list(map(float, weights)),
        "alpha": alpha, "epsilon": eps, "delta": delta, "power": power,
        "renyi23": h23, "norm23": float(np.sum(w ** (2 / 3)) ** 1.5), "effectiveGroups": math.exp(h23),
        "constantC": C, "iidFactor": v_iid, "stratifiedFactor": v_strat,
        "maxGapExact": maxgap, "maxGap": math.ceil(maxgap),
        "cvarIIDExact": iid, "cvarIID": math.ceil(iid),
        "cvarStratifiedExact": strat, "cvarStratified": math.ceil(strat),
        "stratifiedAllocation": list(map(float, pi)),
        "twoStageSplit": c, "twoStageGroups": J, "twoStageRows": m, "twoStage": J * m,
        "inverseSamples": n,
        "inverseMaxGap": math.sqrt(2 * math.log(2 * K / min(delta, beta)) / (n * p.min())),
        "inverseIID": math.sqrt(C * v_iid / (alpha * n)),
        "inverseStratified": math.sqrt(C * v_strat / (alpha * n)),
        "inverseTwoStage": math.sqrt(c * A(c) / (alpha ** 1.5 * n)),
    }


def main():
    zipf = lambda K, s: [1 / (i + 1) ** s for i in range(K)]
    cases = [
        case("uniform K=10 (scaling preset)", [1] * 10, [1] * 10, 0.1, 0.1, 0.05, 0.9, 100000),
        case("uniform K=1280", [1] * 1280, [1] * 1280, 0.1, 0.1, 0.05, 0.9, 1000000),
        case("zipf(1) K=50, population weights", zipf(50, 1), zipf(50, 1), 0.2, 0.05, 0.01, 0.8, 50000),
        case("zipf(1.5) K=30, uniform weights", zipf(30, 1.5), [1] * 30, 0.05, 0.1, 0.05, 0.95, 20000),
        case("concentrated weights K=5", [0.2] * 5, [0.9, 0.025, 0.025, 0.025, 0.025], 0.5, 0.2, 0.1, 0.5, 1000),
        case("delta > beta K=3", [3, 2, 1], [1, 1, 1], 1.0, 0.3, 0.2, 0.95, 500),
    ]
    doc = {
        "provenance": {
            "generator": "Tests/Oracles/make_planning_fixtures.py",
            "packages": {"python": "%d.%d.%d" % sys.version_info[:3], "numpy": pkg_version("numpy"),
                         "scipy": pkg_version("scipy")},
            "calls": ["scipy.optimize.minimize_scalar(lambda lc: exp(lc)*A(exp(lc)), bounds=(-8, 8), method='bounded', options={'xatol': 1e-12})",
                      "numpy sums for the Renyi entropy of order 2/3 and sqrt(sum w^2/pi^2)"],
            "notes": "Closed forms of METHOD.md section 9 with the constants documented in SamplePlanner.swift.",
        },
        "cases": cases,
    }
    with open(OUT, "w") as fh:
        fh.write("{\n")
        fh.write('"provenance": ' + json.dumps(doc["provenance"]) + ",\n")
        fh.write('"cases": [\n' + ",\n".join(json.dumps(c) for c in cases) + "\n]\n}\n")


if __name__ == "__main__":
    main()
