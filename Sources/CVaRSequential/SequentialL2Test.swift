import CVaRAudit
import RealModule

/// One look of the sequential L2 test.
public struct L2Look: Hashable, Sendable, Codable {
  /// Look number k (1, 2, …).
  public var index: Int
  /// Observations at the look, n_k = n₀ 2^{k−1}.
  public var observations: Int
  /// T_L2 at the look (NaN when fewer than one group has two observations).
  public var statistic: Double
  /// The rejection threshold t_k.
  public var threshold: Double
  /// The look's level δ_k = 6 δ_L2 / (π² k²).
  public var level: Double
  /// Whether T_L2 > t_k.
  public var rejected: Bool
}

/// The sequential L2 test of docs/method.md §10: the debiased statistic
/// T_L2 = Σ_g w̃_g U_g (docs/method.md §6, with the pooled reference) is
/// examined at n_k = n₀ 2^{k−1} observations, k = 1, 2, …, each look at level
///
///     δ_k = 6 δ / (π² k²),      Σ_k δ_k = δ,
///
/// so that P(any look rejects | H0) ≤ δ by the union bound.
///
/// Null: no disparity (every group's losses share one distribution, docs/method.md
/// section 7). Calibration at a look is a closed-form Cantelli bound, exact
/// conditionally on the per-group counts, which holds when which group is
/// observed does not depend on the losses (monitor order, `iid`,
/// `stratified`, `two-stage`; not `adaptive`, for which the test is refused).
/// With e = X − μ (|e| ≤ 1, σ² ≤ 1/4, E e⁴ ≤ σ²), ē_g the group mean, ē the
/// pooled mean over all n observations, write U_g = A_g + B_g with
///
///     A_g = ē_g² − s_g²/n_g          (a U-statistic: mean 0, Var = 2σ⁴/(n_g(n_g−1)), uncorrelated across g)
///     B_g = ē² − 2 ē_g ē             (the cost of estimating the reference)
///
/// Then E[T] = −σ²/n ≤ 0 and sd(T) ≤ sd(Σw̃A) + √E[(Σw̃B)²] with
///
///     Var(Σw̃A)   = 2σ⁴ Σ w̃_g² / (n_g(n_g−1))
///     √E[(Σw̃B)²] ≤ √E ē⁴ + 2 (E ē⁴)^{1/4} (E Y⁴)^{1/4},   Y = Σ w̃_g ē_g
///     E ē⁴ ≤ 3σ⁴/n² + σ²/n³,   E Y⁴ ≤ 3σ⁴ S₂² + σ² S₄,   S₂ = Σ w̃²/n_g,  S₄ = Σ w̃⁴/n_g³
///
/// (Cauchy–Schwarz and the fourth moment of a weighted sum of independent
/// centred variables). Every term grows with σ², so σ² = 1/4 gives a bound s
/// free of unknowns, and Cantelli's inequality P(T − E T ≥ t) ≤ s²/(s² + t²)
/// gives the threshold t_k = s √((1 − δ_k)/δ_k).
public struct SequentialL2Test: Hashable, Sendable, Codable {
  /// The test's total level δ_L2.
  public let level: Double
  /// The first look n₀.
  public let firstLook: Int
  /// Looks done so far.
  public private(set) var looks: [L2Look] = []

  public init(level: Double, firstLook: Int) {
    precondition(level > 0 && level < 1, "level must lie in (0, 1)")
    precondition(firstLook >= 2, "the first look needs at least two observations")
    self.level = level
    self.firstLook = firstLook
  }

  /// The number of observations at which the next look happens.
  public var nextLook: Int { firstLook << looks.count }

  /// δ_k = 6 δ / (π² k²).
  public static func lookLevel(_ k: Int, total: Double) -> Double {
    6 * total / (Double.pi * Double.pi * Double(k * k))
  }

  /// The Cantelli threshold t for T_L2 at level δ_k (see the type's comment).
  ///
  /// - Complexity: O(K).
  public static func threshold(counts: [Int], weights: [Double], observations n: Int, level: Double) -> Double {
    let sigma2 = 0.25
    let sigma4 = sigma2 * sigma2
    var varianceA = 0.0, s2 = 0.0, s4 = 0.0
    for g in counts.indices where counts[g] >= 2 && weights[g] > 0 {
      let m = Double(counts[g])
      let w = weights[g]
      varianceA += w * w / (m * (m - 1))
      s2 += w * w / m
      s4 += w * w * w * w / (m * m * m)
    }
    varianceA *= 2 * sigma4
    let nn = Double(n)
    let pooledFourth = 3 * sigma4 / (nn * nn) + sigma2 / (nn * nn * nn)
    let weightedFourth = 3 * sigma4 * s2 * s2 + sigma2 * s4
    let sdB = pooledFourth.squareRoot() + 2 * Double.root(pooledFourth, 4) * Double.root(weightedFourth, 4)
    let s = varianceA.squareRoot() + sdB
    return s * ((1 - level) / level).squareRoot()
  }

  /// Runs the look due at `observations` (the caller checks `nextLook`).
  ///
  /// - Returns: the look, also appended to `looks`.
  /// - Complexity: O(K).
  public mutating func look(statistics: [SufficientStatistics], weights: [Double], observations: Int) -> L2Look {
    precondition(observations == nextLook, "looks happen at n₀ 2^(k−1) observations")
    let k = looks.count + 1
    let deltaK = Self.lookLevel(k, total: level)
    let pooled = statistics.reduce(SufficientStatistics(), +)
    let l2 = DisparityStatistics.l2(statistics, weights: weights, reference: pooled.mean)
    var result = L2Look(index: k, observations: observations, statistic: l2.value, threshold: .infinity,
                        level: deltaK, rejected: false)
    if !l2.value.isNaN {
      result.threshold = Self.threshold(counts: statistics.map(\.count), weights: l2.effectiveWeights,
                                        observations: pooled.count, level: deltaK)
      result.rejected = l2.value > result.threshold
    }
    looks.append(result)
    return result
  }
}
