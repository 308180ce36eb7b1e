/// The per-group sufficient statistics of a loss ℓ ∈ [0, 1]:
/// n = number of eligible rows, S = Σℓ, Q = Σℓ² (Q = S for binary losses).
///
/// They add across shards, so every statistic of an audit is a function of
/// them and can be computed from a GROUP BY.
public struct SufficientStatistics: Hashable, Sendable, Codable {
  public var count: Int
  public var sum: Double
  public var sumOfSquares: Double

  public init(count: Int = 0, sum: Double = 0, sumOfSquares: Double = 0) {
    self.count = count
    self.sum = sum
    self.sumOfSquares = sumOfSquares
  }

  /// Statistics of a binary loss: `count` rows of which `positives` have ℓ = 1.
  public init(count: Int, positives: Int) {
    self.init(count: count, sum: Double(positives), sumOfSquares: Double(positives))
  }

  /// μ̂ = S / n; NaN when n = 0.
  @inlinable public var mean: Double { count > 0 ? sum / Double(count) : .nan }

  /// The unbiased variance s² = (Q − S²/n) / (n − 1); NaN when n < 2.
  /// Clamped at 0 against rounding.
  @inlinable public var variance: Double {
    guard count >= 2 else { return .nan }
    let n = Double(count)
    return max(0, (sumOfSquares - sum * sum / n) / (n - 1))
  }

  /// Adds another shard's statistics.
  @inlinable
  public static func + (lhs: Self, rhs: Self) -> Self {
    Self(count: lhs.count + rhs.count, sum: lhs.sum + rhs.sum, sumOfSquares: lhs.sumOfSquares + rhs.sumOfSquares)
  }

  @inlinable
  public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }
}
