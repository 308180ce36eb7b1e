/// The contrast of the betting L2 test of no disparity (docs/method.md §10):
/// c_g = w_g (m_g − Σ_h w_h m_h) from the shrunken past means m. Σ c = 0,
/// so under the null (every μ_g equal to one μ) Σ c_g μ_g = μ Σ c = 0; under
/// an alternative with m ≈ μ it is Σ w_g (μ_g − μ̄_w)², the weighted
/// variance of the group means that the fixed-sample L2 test estimates.
public struct L2Contrast: ContrastRule {
  public var weights: [Double]

  /// - Precondition: finite non-negative weights with a positive sum.
  public init(weights: [Double]) {
    precondition(weights.allSatisfy { $0 >= 0 && $0.isFinite } && weights.reduce(0, +) > 0,
                 "non-negative weights with a positive sum")
    let total = weights.reduce(0, +)
    self.weights = weights.map { $0 / total }
  }

  /// - Complexity: O(K).
  public func contrast(means m: [Double]) -> (coefficients: [Double], offset: Double) {
    let mean = zip(weights, m).reduce(0) { $0 + $1.0 * $1.1 }
    var c = zip(weights, m).map { $0 * ($1 - mean) }
    // Σ c = 0 exactly in real arithmetic; remove the rounding residue.
    let residue = c.reduce(0, +)
    if residue != 0, let g = c.indices.max(by: { abs(c[$0]) < abs(c[$1]) }) { c[g] -= residue }
    return (c, 0)
  }
}
