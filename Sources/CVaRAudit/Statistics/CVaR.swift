import LinearAlgebra

/// The weighted discrete conditional value-at-risk of a set of values and
/// what it is made of.
public struct TailSummary: Hashable, Sendable {
  /// CVaR_α^w(Δ): the mean of Δ over the worst α of weight mass.
  public var cvar: Double
  /// VaR_α: the minimising τ in the primal form (the upper α-quantile);
  /// when the minimisers form an interval, its lower end.
  public var valueAtRisk: Double
  /// The dual weights λ_g (0 ≤ λ_g ≤ w_g/α, Σλ = 1) that attain the CVaR:
  /// which groups form the tail, and how much each counts.
  public var tailWeights: [Double]
}

/// Conditional value-at-risk of weighted discrete values.
///
///     CVaR_α^w(Δ) = min_τ  τ + (1/α) Σ_g w_g (Δ_g − τ)₊
///                 = max { Σ λ_g Δ_g : 0 ≤ λ_g ≤ w_g/α, Σ λ_g = 1 }
///
/// Computed exactly by sorting: order the groups by Δ, largest first (ties by
/// index), give each group λ_g = w_g/α until the cumulative weight reaches α,
/// and the boundary group the remainder.
public enum CVaR {
  /// Relative tolerance for "the cumulative weight reached α exactly".
  static let tolerance = 1e-12

  /// CVaR_α, VaR_α and the tail weights of `values` under weights `weights`.
  ///
  /// - Precondition: the arrays have one entry per group (at least one);
  ///   weights are finite and non-negative with a positive sum (they are
  ///   normalised to sum to 1); α ∈ (0, 1]; values are finite.
  /// - Complexity: O(K log K) for K groups.
  public static func tail(of values: [Double], weights: [Double], alpha: Double) -> TailSummary {
    precondition(!values.isEmpty, "CVaR needs at least one value")
    precondition(values.count == weights.count, "one weight per value")
    precondition(alpha > 0 && alpha <= 1, "alpha must lie in (0, 1]")
    var total = 0.0
    for w in weights {
      precondition(w >= 0 && w.isFinite, "weights must be finite and non-negative")
      total += w
    }
    precondition(total > 0, "weights must have a positive sum")
    let order = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
    var lambda = [Double](repeating: 0, count: values.count)
    var cumulative = 0.0
    var valueAtRisk = values[order[0]]
    for (position, g) in order.enumerated() {
      let w = weights[g] / total
      if w == 0 { continue }
      let remaining = alpha - cumulative
      if w < remaining * (1 - tolerance) {
        lambda[g] = w / alpha
        cumulative += w
        continue
      }
      // The boundary group: it fills the rest of the α mass.
      lambda[g] = remaining / alpha
      valueAtRisk = values[g]
      if abs(w - remaining) <= tolerance * alpha {
        // The cumulative weight hits α exactly: every τ between this group's
        // value and the next smaller one minimises; report the lower end.
        if let nextPosition = order[(position + 1)...].first(where: { weights[$0] > 0 }) {
          valueAtRisk = values[nextPosition]
        }
      }
      break
    }
    let cvar = BLAS.dot(lambda, values)
    return TailSummary(cvar: cvar, valueAtRisk: valueAtRisk, tailWeights: lambda)
  }

  /// CVaR_α^w(Δ) alone.
  ///
  /// - Complexity: O(K log K).
  public static func value(of values: [Double], weights: [Double], alpha: Double) -> Double {
    tail(of: values, weights: weights, alpha: alpha).cvar
  }
}
