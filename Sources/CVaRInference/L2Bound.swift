/// A closed-form, conservative calibration of T_L2 (no resampling).
///
/// Under H0 (no disparity, μ_ref known) the U_g are independent, unbiased for
/// 0, with Var(U_g) = 2σ⁴/(n_g(n_g − 1)); a loss in [0, 1] has σ² ≤ 1/4, so
///
///     Var(T_L2) ≤ V = Σ_g w̃_g² / (8 n_g (n_g − 1))
///
/// and Cantelli's (one-sided Chebyshev) inequality gives, for t > 0,
///
///     P(T_L2 ≥ t) ≤ V / (V + t²)       p = V/(V + T²) if T > 0, else 1.
///
/// With the pooled reference, E[T_L2] = −σ²Σw̃/N ≤ 0 and the variance is
/// below V in the cases checked by simulation (see the README's table).
public struct L2Bound: Hashable, Sendable {
  /// V.
  public var variance: Double

  /// - Precondition: one size per weight; weights 0 wherever n_g < 2.
  /// - Complexity: O(K).
  public init(sizes: [Int], weights: [Double]) {
    precondition(sizes.count == weights.count, "one weight per group")
    var v = 0.0
    for (n, w) in zip(sizes, weights) where w > 0 {
      precondition(n >= 2, "groups with n < 2 carry no L2 weight")
      v += w * w / (8 * Double(n) * Double(n - 1))
    }
    variance = v
  }

  /// Cantelli's p-value for an observed T_L2.
  public func pValue(_ t: Double) -> Double {
    guard t > 0 else { return 1 }
    return variance / (variance + t * t)
  }
}
