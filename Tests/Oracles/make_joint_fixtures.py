#!/usr/bin/env python3
"""Independent reference values for the joint multi-metric permutation test
(`JointPermutationTest`, Sources/CVaRInference/JointPermutationTest.swift).

Regenerate from the repository root with:

    python3 Tests/Oracles/make_joint_fixtures.py

Writes Tests/Fixtures/joint_permutation_pvalues.json. Needs numpy only.
Deterministic: every draw comes from numpy.random.default_rng(seed).

Nothing here shares code with the Swift implementation. The statistic is
written from its definition with numpy arrays:

    d_g[m]      = (losses of metric m in g) / n_gm − r_m
    C_g[m, m']  = c_mm' · n_g(m∧m') / (n_gm · n_gm')
    T           = Σ_g w_g ‖L_g⁻¹ d_g‖²,   C_g = L_g L_gᵀ (numpy.linalg.cholesky)

r_m is the pooled rate of metric m, c_mm' the pooled covariance of the two
losses over the rows eligible for both, n_gm the rows of g eligible for m and
n_g(m∧m') those eligible for both. A group adds 0 when some metric has no
eligible row in it or C_g is not positive definite. The weights are
normalised to sum 1.

The null distribution permutes whole rows across groups. Each permutation
deals the group sizes, one group after the other, out of the pooled counts
of the four confusion cells that are still left, with
`rng.multivariate_hypergeometric(left, n_g)` (the last group takes what is
left). p = (1 + #{T_b ≥ T_obs − (1e-9·|T_obs| + 1e-12)}) / (B + 1); the slack
only absorbs rounding in exact ties, and the fixture records how many draws
fall inside it.
"""
from __future__ import annotations

import numpy as np

from fixture_io import dump, versions

GEN = "Tests/Oracles/make_joint_fixtures.py"
SEED = 20240311
B = 200_000
CHUNK = 10_000
PD_TOLERANCE = 1e-10  # |λ_min| ≤ this · max|λ|: decided by numpy.linalg.cholesky itself

# Cell index 2·y + ŷ: 0 = TN, 1 = FP, 2 = FN, 3 = TP.
Y = np.array([0, 0, 1, 1])
YHAT = np.array([0, 1, 0, 1])
# metric name -> (eligible rows, loss on a row) as functions of (y, ŷ).
METRICS = {
    "error": (np.ones(4, bool), Y != YHAT),
    "fnr": (Y == 1, YHAT == 0),
    "fpr": (Y == 0, YHAT == 1),
    "selection": (np.ones(4, bool), YHAT == 1),
}


class Joint:
    """The statistic for fixed metrics, pooled cell counts and weights."""

    def __init__(self, metrics, confusion, weights):
        self.E = np.array([METRICS[m][0] for m in metrics], float)          # M x 4
        self.L = np.array([METRICS[m][0] & METRICS[m][1] for m in metrics], float)
        pooled = np.asarray(confusion, float).reshape(-1, 4).sum(axis=0)   # 4
        self.rates = (self.L @ pooled) / (self.E @ pooled)
        # Pooled covariance over the rows eligible for both metrics.
        both = self.E[:, None, :] * self.E[None, :, :]                        # M x M x 4
        rows = both @ pooled
        mean_i = (both * self.L[:, None, :]) @ pooled
        mean_j = (both * self.L[None, :, :]) @ pooled
        joint = (both * self.L[:, None, :] * self.L[None, :, :]) @ pooled
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = joint / rows - (mean_i / rows) * (mean_j / rows)
        self.cov = np.where(rows > 0, cov, 0.0)
        self.both = both
        w = np.asarray(weights, float)
        self.w = w / w.sum()
        self.ambiguous = 0

    def terms(self, x):
        """‖L_g⁻¹ d_g‖² for counts x of shape (..., K, 4); NaN where the group adds 0."""
        x = np.asarray(x, float)
        n = x @ self.E.T                                                      # ..., K, M
        losses = x @ self.L.T
        eligible = (n > 0).all(axis=-1)
        n1 = np.where(n > 0, n, 1.0)
        d = losses / n1 - self.rates
        nboth = np.einsum("...c,ijc->...ij", x, self.both)                   # ..., K, M, M
        C = self.cov * nboth / (n1[..., :, None] * n1[..., None, :])
        out = np.full(x.shape[:-1], np.nan)
        idx = np.nonzero(eligible)
        Ce, de = C[idx], d[idx]
        lam = np.linalg.eigvalsh(Ce)
        scale = np.abs(lam).max(axis=-1)
        pd = lam[:, 0] > PD_TOLERANCE * scale
        unsure = np.nonzero(np.abs(lam[:, 0]) <= PD_TOLERANCE * scale)[0]
        self.ambiguous += len(unsure)
        for u in unsure:  # near-singular: let the Cholesky factorisation decide
            try:
                np.linalg.cholesky(Ce[u])
                pd[u] = True
            except np.linalg.LinAlgError:
                pass
        q = np.full(len(de), np.nan)
        if pd.any():
            chol = np.linalg.cholesky(Ce[pd])
            z = np.linalg.solve(chol, de[pd][..., None])[..., 0]
            q[pd] = (z * z).sum(axis=-1)
        out[idx] = q
        return out

    def statistic(self, x):
        t = self.terms(x)
        return (np.where(np.isnan(t), 0.0, t) * self.w).sum(axis=-1)


def deal(rng, sizes, cells):
    """One row permutation: group g's four cell counts, dealt group by group."""
    table = np.empty((len(sizes), 4), np.int64)
    left = np.array(cells, np.int64)
    for g, n in enumerate(sizes):
        if g == len(sizes) - 1:
            table[g] = left
        else:
            table[g] = rng.multivariate_hypergeometric(left, int(n))
        left = left - table[g]
    return table


def draw_confusion(rng, sizes, probabilities):
    """Counts of the four cells in each group, one multinomial per group."""
    return np.array([rng.multinomial(n, p) for n, p in zip(sizes, probabilities)], np.int64)


def designs(rng):
    out = []
    base = np.array([0.45, 0.15, 0.1, 0.3])  # TN, FP, FN, TP

    # K = 3, (fpr, fnr), null, one tiny group.
    sizes = np.array([70, 25, 4])
    out.append(("k3-fpr-fnr-null", ["fpr", "fnr"], sizes, draw_confusion(rng, sizes, [base] * 3), "uniform"))

    # K = 6, (error, selection), a real disparity in one group.
    sizes = np.array([60, 45, 30, 20, 9, 3])
    probs = [base] * 6
    probs[2] = np.array([0.4, 0.21, 0.11, 0.28])
    out.append(("k6-error-selection-disparity", ["error", "selection"], sizes,
                draw_confusion(rng, sizes, probs), "uniform"))

    # K = 12, (fpr, fnr), Zipf sizes with groups of 1, 2 and 1 rows
    # (a group without positives or negatives adds 0), disparity in fnr.
    sizes = np.maximum(1, np.ceil(80 / np.arange(1, 13) ** 1.1)).astype(int)
    sizes[-1], sizes[-2], sizes[-3] = 1, 2, 1
    probs = [base] * 12
    probs[0] = np.array([0.5, 0.1, 0.08, 0.32])
    probs[1] = np.array([0.42, 0.13, 0.27, 0.18])
    probs[3] = np.array([0.42, 0.13, 0.25, 0.2])
    out.append(("k12-fpr-fnr-disparity", ["fpr", "fnr"], sizes, draw_confusion(rng, sizes, probs), "uniform"))

    # K = 12, (error, selection), null, weights proportional to the sizes.
    sizes = np.array([40, 33, 27, 22, 18, 15, 12, 9, 7, 5, 3, 2])
    out.append(("k12-error-selection-null-sizeweights", ["error", "selection"], sizes,
                draw_confusion(rng, sizes, [base] * 12), "sizes"))

    # K = 6, three metrics (fpr, fnr, selection), disparity.
    sizes = np.array([50, 40, 30, 25, 10, 5])
    probs = [base] * 6
    probs[0] = np.array([0.28, 0.34, 0.05, 0.33])
    probs[2] = np.array([0.6, 0.04, 0.24, 0.12])
    out.append(("k6-fpr-fnr-selection-disparity", ["fpr", "fnr", "selection"], sizes,
                draw_confusion(rng, sizes, probs), "uniform"))

    # K = 12, three metrics (error, fpr, fnr), null. Within a group the error
    # rate is (n0·fpr + n1·fnr)/n, so C_g is close to singular and is not
    # positive definite in groups whose share of negatives is well above the
    # pooled one: exercises the rule that such groups add 0.
    sizes = np.array([45, 38, 30, 24, 20, 16, 12, 9, 6, 4, 2, 1])
    probs = [np.array([0.5, 0.1, 0.15, 0.25])] * 12
    out.append(("k12-error-fpr-fnr-null", ["error", "fpr", "fnr"], sizes,
                draw_confusion(rng, sizes, probs), "uniform"))
    return out


def joint_cases():
    rng = np.random.default_rng(SEED)
    cases = []
    for name, metrics, sizes, confusion, weighting in designs(rng):
        assert (confusion.sum(axis=1) == sizes).all()
        weights = sizes.astype(float) if weighting == "sizes" else np.ones(len(sizes))
        joint = Joint(metrics, confusion, weights)
        terms = joint.terms(confusion)
        no_row = (confusion @ joint.E.T == 0).any(axis=1)
        t_obs = float(joint.statistic(confusion))
        cells = confusion.sum(axis=0)
        slack = 1e-9 * abs(t_obs) + 1e-12
        exceed = ties = 0
        for start in range(0, B, CHUNK):
            tables = np.stack([deal(rng, sizes, cells) for _ in range(min(CHUNK, B - start))])
            assert (tables.sum(axis=2) == sizes).all() and (tables.sum(axis=1) == cells).all()
            t = joint.statistic(tables)
            exceed += int((t >= t_obs - slack).sum())
            ties += int((np.abs(t - t_obs) <= slack).sum())
        p = (1 + exceed) / (B + 1)
        near_singular = joint.ambiguous
        case = {
            "name": name, "metrics": metrics, "weighting": weighting,
            "sizes": [int(v) for v in sizes],
            "confusion": [[int(v) for v in row] for row in confusion],
            "weights": [float(v) for v in joint.w],
            "pooledRates": [float(v) for v in joint.rates],
            "groupTerms": [None if np.isnan(v) else float(v) for v in terms],
            "groupsWithoutEligibleRow": [int(g) for g in np.nonzero(no_row)[0]],
            "groupsNotPositiveDefinite": [int(g) for g in np.nonzero(np.isnan(terms) & ~no_row)[0]],
            "nearSingularGroupTables": near_singular,
            "observed": t_obs, "permutations": B, "exceedances": exceed,
            "tiesWithinSlack": ties, "pValue": p,
            "monteCarloStandardError": float(np.sqrt(p * (1 - p) / B)),
        }
        print("%-40s T = %.6g  p = %.5f  skipped %d  ties %d  ambiguous PD %d"
              % (name, t_obs, p, sum(v is None for v in case["groupTerms"]), ties, near_singular))
        cases.append(case)
        joint.ambiguous = 0
    dump("joint_permutation_pvalues.json", {
        "provenance": {
            "generator": GEN, "packages": versions("numpy"), "seed": SEED,
            "calls": [
                "rng = numpy.random.default_rng(%d)" % SEED,
                "confusion: rng.multinomial(n_g, cell_probabilities) per group, in case order",
                "each permutation: table[g] = rng.multivariate_hypergeometric(left, n_g) for g < K-1, "
                "table[K-1] = left (left = pooled cell counts not yet dealt); %d permutations per case, "
                "cases in order after their confusion counts" % B,
                "C_g = L_g L_g^T: numpy.linalg.cholesky(C_g); L_g^-1 d_g: numpy.linalg.solve(L_g, d_g)",
                "positive definite: numpy.linalg.eigvalsh(C_g).min() > %g * max|eigenvalue|; "
                "within that band numpy.linalg.cholesky decides" % PD_TOLERANCE,
            ],
            "notes": "confusion rows are [TN, FP, FN, TP] (index 2y + yhat). fpr: FP over TN+FP; fnr: FN over FN+TP; "
                     "error: FP+FN over all rows; selection: FP+TP over all rows. weights are normalised. "
                     "groupTerms[g] = ||L_g^-1 d_g||^2, null where a metric has no eligible row in g or C_g is not "
                     "positive definite (the group adds 0). "
                     "p = (1 + #{T_b >= T_obs - (1e-9|T_obs| + 1e-12)}) / (B + 1); tiesWithinSlack counts the draws "
                     "with |T_b - T_obs| <= that slack. groupsWithoutEligibleRow / groupsNotPositiveDefinite: why the observed "
                     "table's null groupTerms are null. nearSingularGroupTables: group tables (observed and all "
                     "permutations) whose C_g had |smallest eigenvalue| <= 1e-10 max|eigenvalue|, where the "
                     "positive-definiteness decision is fragile; 0 means no decision in the fixture depends on rounding.",
        },
        "cases": cases})


if __name__ == "__main__":
    joint_cases()
