import LinearAlgebra

/// The debiased weighted second moment of the disparities and its parts.
public struct L2Statistic: Hashable, Sendable {
  /// T_L2 = Σ_g w̃_g U_g.
  public var value: Double
  /// U_g = (μ̂_g − μ_ref)² − s_g²/n_g per group (NaN for groups with n_g < 2).
  public var unbiasedSquares: [Double]
  /// The weights w̃ actually used: 0 for groups with n_g < 2, the others
  /// renormalised to sum to 1.
  public var effectiveWeights: [Double]
  /// Groups left out because n_g < 2.
  public var droppedGroups: [Int]
}

/// Test statistics of the group disparities, as functions of the per-group
/// sufficient statistics.
public enum DisparityStatistics {
  /// The L2 statistic
  ///
  ///     U_g  = (μ̂_g − μ_ref)² − s_g²/n_g      (unbiased for Δ_g² when μ_ref is known)
  ///     T_L2 = Σ_g w̃_g U_g
  ///
  /// Groups with n_g < 2 have no U_g: their weight is set to 0 and the others
  /// are renormalised (w̃); they are listed in `droppedGroups`. When every
  /// group is dropped the value is NaN.
  ///
  /// - Precondition: one weight per group, non-negative.
  /// - Complexity: O(K).
  public static func l2(_ statistics: [SufficientStatistics], weights: [Double], reference: Double) -> L2Statistic {
    precondition(statistics.count == weights.count, "one weight per group")
    var u = [Double](repeating: .nan, count: statistics.count)
    var w = [Double](repeating: 0, count: statistics.count)
    var dropped: [Int] = []
    var total = 0.0
    for (g, s) in statistics.enumerated() {
      precondition(weights[g] >= 0, "weights must be non-negative")
      guard s.count >= 2 else { dropped.append(g); continue }
      let d = s.mean - reference
      u[g] = d * d - s.variance / Double(s.count)
      w[g] = weights[g]
      total += weights[g]
    }
    guard total > 0 else {
      return L2Statistic(value: .nan, unbiasedSquares: u, effectiveWeights: w, droppedGroups: dropped)
    }
    for g in w.indices { w[g] /= total }
    let finiteU = u.map { $0.isNaN ? 0 : $0 }
    return L2Statistic(value: BLAS.dot(w, finiteU), unbiasedSquares: u, effectiveWeights: w, droppedGroups: dropped)
  }

  /// The max gap T_max = max_g Δ̂_g.
  ///
  /// - Complexity: O(K).
  public static func maxGap(_ statistics: [SufficientStatistics], reference: Double, kind: DisparityKind) -> Double {
    var best = -Double.infinity
    for s in statistics where s.count > 0 { best = max(best, kind.disparity(s.mean, reference: reference)) }
    return best
  }

  /// The plug-in CVaR T_CVaR = CVaR_α^w(Δ̂) (biased upward for small groups:
  /// a statistic for permutation calibration, not an estimate).
  ///
  /// - Complexity: O(K log K).
  public static func cvar(_ statistics: [SufficientStatistics], weights: [Double], reference: Double,
                          kind: DisparityKind, alpha: Double) -> Double {
    let disparities = statistics.map { kind.disparity($0.mean, reference: reference) }
    return CVaR.value(of: disparities, weights: weights, alpha: alpha)
  }
}
