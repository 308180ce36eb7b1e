/// A group's row-weighted statistics of a binary metric (survey weights):
/// over the eligible rows, n rows, W = Σw, Σwℓ and Σw².
public struct WeightedStatistics: Hashable, Sendable {
  /// Eligible rows (unweighted).
  public var count: Int
  /// W = Σw over the eligible rows.
  public var weight: Double
  /// Σwℓ.
  public var weightedSum: Double
  /// Σw².
  public var sumOfSquaredWeights: Double

  public init(count: Int = 0, weight: Double = 0, weightedSum: Double = 0, sumOfSquaredWeights: Double = 0) {
    self.count = count
    self.weight = weight
    self.weightedSum = weightedSum
    self.sumOfSquaredWeights = sumOfSquaredWeights
  }

  /// The weighted rate μ̂ = Σwℓ / Σw (the Hájek estimator; what fairlearn and
  /// scikit-learn compute with `sample_weight`); NaN when W = 0.
  @inlinable public var mean: Double { weight > 0 ? weightedSum / weight : .nan }

  /// Kish's effective sample size (Σw)² / Σw² (n when every weight is equal);
  /// 0 when W = 0.
  @inlinable public var effectiveCount: Double { weight > 0 ? weight * weight / sumOfSquaredWeights : 0 }

  /// Binary statistics with ⌊n_eff⌋ rows (at least 1) and rate μ̂: what the
  /// per-group intervals are formed from under weights. An approximation
  /// (Kish's design effect for unequal weights), not a guaranteed coverage.
  public var effectiveStatistics: SufficientStatistics {
    guard weight > 0 else { return SufficientStatistics() }
    let n = max(1, Int(effectiveCount.rounded(.down)))
    let s = mean * Double(n)
    return SufficientStatistics(count: n, sum: s, sumOfSquares: s)
  }

  @inlinable
  public static func + (lhs: Self, rhs: Self) -> Self {
    Self(count: lhs.count + rhs.count, weight: lhs.weight + rhs.weight, weightedSum: lhs.weightedSum + rhs.weightedSum,
         sumOfSquaredWeights: lhs.sumOfSquaredWeights + rhs.sumOfSquaredWeights)
  }
}
