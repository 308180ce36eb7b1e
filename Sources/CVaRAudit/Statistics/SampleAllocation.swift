import RealModule

/// How to split a sample over groups.
public enum SampleAllocation {
  /// The allocation that minimises the null standard deviation of T_L2 for
  /// weights w:
  ///
  ///     π_g = w_g^{2/3} / Σ_h w_h^{2/3},   giving  √(Σ w_g²/π_g²) = ‖w‖_{2/3}
  ///
  /// (for π = w the same quantity is √K).
  ///
  /// - Precondition: weights finite, non-negative, positive sum.
  /// - Complexity: O(K).
  public static func stratified(_ weights: [Double]) -> [Double] {
    let p = RenyiEntropy.normalized(weights)
    let powered = p.map { $0 > 0 ? Double.pow($0, 2.0 / 3) : 0 }
    let total = powered.reduce(0, +)
    return powered.map { $0 / total }
  }

  /// √(Σ_g w_g² / π_g²): the factor by which allocation π scales the null
  /// standard deviation of T_L2 (docs/method.md §9). Infinite when some
  /// group with w_g > 0 has π_g = 0.
  ///
  /// - Complexity: O(K).
  public static func varianceFactor(weights: [Double], allocation: [Double]) -> Double {
    precondition(weights.count == allocation.count, "one share per group")
    let w = RenyiEntropy.normalized(weights)
    let pi = RenyiEntropy.normalized(allocation)
    var sum = 0.0
    for g in w.indices where w[g] > 0 {
      if pi[g] == 0 { return .infinity }
      sum += (w[g] / pi[g]) * (w[g] / pi[g])
    }
    return sum.squareRoot()
  }
}
