import CVaRAudit
import Distributions

/// The rows of a non-binary loss, kept for the permutation test: a group
/// index (0..<K) and the loss ℓ ∈ [0, 1] per row. Memory grows with the rows:
/// only this path needs them (binary losses are permuted through counts).
public struct LossRows: Sendable {
  public var groups: [Int32]
  public var losses: [Double]
  public init(groups: [Int32], losses: [Double]) {
    precondition(groups.count == losses.count, "one group per loss")
    self.groups = groups
    self.losses = losses
  }
}

/// The permutation test of "loss independent of group" for a loss column in
/// [0, 1]: each permutation shuffles the loss column across the rows
/// (Fisher–Yates), re-aggregates (n_g, S_g, Q_g) and evaluates the statistic
/// through `DisparityStatistics`. Also counts, per group, how often the
/// permuted disparity reaches the observed one (per-group permutation p-values).
public struct LossPermutationTest: Sendable {
  public let statistic: TestStatistic
  public let rows: LossRows
  public let groupCount: Int
  public let weights: [Double]
  public let reference: PermutedReference
  public let disparity: DisparityKind
  public let alpha: Double

  /// - Precondition: group ids in 0..<groupCount; every group has a row; losses in [0, 1].
  public init(statistic: TestStatistic, rows: LossRows, groupCount: Int, weights: [Double],
              reference: PermutedReference, disparity: DisparityKind, alpha: Double) {
    precondition(weights.count == groupCount, "one weight per group")
    precondition(rows.groups.allSatisfy { $0 >= 0 && Int($0) < groupCount }, "group ids in range")
    self.statistic = statistic
    self.rows = rows
    self.groupCount = groupCount
    self.weights = weights
    self.reference = reference
    self.disparity = disparity
    self.alpha = alpha
  }

  func aggregate(_ losses: UnsafeBufferPointer<Double>) -> [SufficientStatistics] {
    var stats = [SufficientStatistics](repeating: SufficientStatistics(), count: groupCount)
    rows.groups.withUnsafeBufferPointer { ids in
      for i in 0..<ids.count { stats[Int(ids[i])].count += 1; stats[Int(ids[i])].sum += losses[i]; stats[Int(ids[i])].sumOfSquares += losses[i] * losses[i] }
    }
    return stats
  }

  func evaluate(_ stats: [SufficientStatistics]) -> (statistic: Double, disparities: [Double]) {
    let r: Double
    switch reference {
    case .fixed(let v): r = v
    case .group(let g): r = stats[g].mean
    }
    let value = statistic.value(of: stats, weights: weights, reference: r, disparity: disparity, alpha: alpha)
    return (value, stats.map { disparity.disparity($0.mean, reference: r) })
  }

  /// The permutation p-value of the statistic and per-group permutation
  /// p-values (1 + #{Δ_g,b ≥ Δ_g,obs}) / (B + 1). Permutation b shuffles with
  /// its own stream `Xoshiro256StarStar(seed: seed, stream: b + 1)`, starting
  /// from the original order.
  ///
  /// - Complexity: O(B · (rows + K)).
  public func pValues(permutations: Int, seed: UInt64) -> (PermutationPValue, [PermutationPValue]) {
    precondition(permutations >= 1, "at least one permutation")
    let observed = rows.losses.withUnsafeBufferPointer { evaluate(aggregate($0)) }
    let slack = 1e-9 * abs(observed.statistic) + 1e-12
    var exceedances = 0
    var groupExceedances = [Int](repeating: 0, count: groupCount)
    var shuffled = rows.losses
    for b in 0..<permutations {
      var generator = Xoshiro256StarStar(seed: seed, stream: UInt64(b) + 1)
      shuffled.withUnsafeMutableBufferPointer { buffer in
        for i in 0..<buffer.count { buffer[i] = rows.losses[i] }
        var i = buffer.count - 1
        while i > 0 {
          let j = Int(generator.next(upperBound: UInt64(i + 1)))
          buffer.swapAt(i, j)
          i -= 1
        }
      }
      let permuted = shuffled.withUnsafeBufferPointer { evaluate(aggregate($0)) }
      if permuted.statistic >= observed.statistic - slack { exceedances += 1 }
      for g in 0..<groupCount where permuted.disparities[g] >= observed.disparities[g] - 1e-12 { groupExceedances[g] += 1 }
    }
    return (PermutationPValue(exceedances: exceedances, permutations: permutations),
            groupExceedances.map { PermutationPValue(exceedances: $0, permutations: permutations) })
  }
}
