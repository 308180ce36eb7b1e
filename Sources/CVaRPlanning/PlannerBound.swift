import Distributions

/// How the planner turns a mean and two standard deviations into a sample
/// size: the multipliers k_δ (the null's upper 1 − δ point, in null standard
/// deviations) and k_β (the alternative's lower β point, in alternative
/// standard deviations), β = 1 − power.
///
/// A design needs n such that, with T its statistic, m = E T under the least
/// favourable violation, σ₀(n) the null and σ₁(n) the alternative standard
/// deviation,
///
///     m ≥ k_δ σ₀(n) + k_β σ₁(n).
public enum PlannerBound: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  /// The normal approximation: k_δ = z_{1−δ} = Φ⁻¹(1 − δ) and
  /// k_β = max(0, z_{1−β}) = max(0, Φ⁻¹(power)). An approximation, not a
  /// guarantee: it predicts the sample size of a test calibrated by its exact
  /// null distribution (the permutation test, or the Monte-Carlo critical
  /// value of `simulate`), whose statistic is close to normal when many
  /// groups or rows contribute. Below power 1/2 it plans for power 1/2 (k_β = 0):
  /// then the alternative's spread would only help, and the planner does not
  /// count on it. The max-gap size is Bonferroni over the K groups with
  /// normal quantiles.
  case normal
  /// Cantelli's one-sided inequality P(X − E X ≥ kσ) ≤ 1/(1 + k²) applied to
  /// both the null and the alternative: k_δ = √((1 − δ)/δ),
  /// k_β = √(power/(1 − power)). Distribution-free given the two variances,
  /// so the size is a bound (for the `bound` calibration of `cvar-audit test`,
  /// which rejects above k_δ σ₀), at the price of much larger multipliers
  /// (k_0.05 = 4.36 against z_0.95 = 1.64). The max-gap size is
  /// Bonferroni–Hoeffding, which needs no variance.
  case cantelli

  public var description: String { rawValue }

  /// The null multiplier k_δ.
  ///
  /// - Precondition: δ ∈ (0, 1).
  public func nullMultiplier(delta: Double) -> Double {
    precondition(delta > 0 && delta < 1, "δ ∈ (0, 1)")
    switch self {
    case .normal: return Normal.quantile(1 - delta)
    case .cantelli: return ((1 - delta) / delta).squareRoot()
    }
  }

  /// The alternative's multiplier k_β, β = 1 − power (never negative).
  ///
  /// - Precondition: power ∈ (0, 1).
  public func powerMultiplier(power: Double) -> Double {
    precondition(power > 0 && power < 1, "power ∈ (0, 1)")
    switch self {
    case .normal: return max(0, Normal.quantile(power))
    case .cantelli: return (power / (1 - power)).squareRoot()
    }
  }

  /// What the output says about the multipliers.
  public var label: String {
    switch self {
    case .normal: "normal approximation (k_δ = z_{1−δ}, k_β = z_{power}); an estimate, not a guarantee"
    case .cantelli: "one-sided Cantelli on the null and on the alternative (k_x = √((1−x)/x)); a distribution-free bound given the variances"
    }
  }
}
