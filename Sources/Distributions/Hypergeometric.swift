import RealModule

/// The hypergeometric distribution: the number X of marked items in a sample
/// of `draws` items taken without replacement from a population of
/// `population` items of which `successes` are marked.
///
///     P(X = k) = C(K, k) C(N − K, n − k) / C(N, n),   max(0, n − N + K) ≤ k ≤ min(n, K)
///
/// with N = population, K = successes, n = draws.
public enum Hypergeometric {
  /// The smallest and largest values X can take.
  @inlinable
  public static func support(population: Int, successes: Int, draws: Int) -> ClosedRange<Int> {
    max(0, draws - population + successes)...min(draws, successes)
  }

  /// log P(X = k), computed in log space with log-factorials:
  ///
  ///     log P(X = k) = log K! − log k! − log (K − k)!
  ///                  + log (N − K)! − log (n − k)! − log (N − K − n + k)!
  ///                  − log N! + log n! + log (N − n)!
  ///
  /// −∞ outside the support.
  ///
  /// - Precondition: 0 ≤ successes ≤ population, 0 ≤ draws ≤ population.
  /// - Complexity: O(1).
  public static func logPMF(_ k: Int, population n: Int, successes m: Int, draws s: Int) -> Double {
    precondition(n >= 0 && m >= 0 && m <= n && s >= 0 && s <= n, "invalid hypergeometric parameters")
    guard support(population: n, successes: m, draws: s).contains(k) else { return -.infinity }
    let lf = LogFactorial.of
    return lf(m) - lf(k) - lf(m - k) + lf(n - m) - lf(s - k) - lf(n - m - s + k) - lf(n) + lf(s) + lf(n - s)
  }

  /// P(X = k) = exp(log P(X = k)).
  ///
  /// - Complexity: O(1).
  public static func pmf(_ k: Int, population n: Int, successes m: Int, draws s: Int) -> Double {
    .exp(logPMF(k, population: n, successes: m, draws: s))
  }

  /// The upper tail P(X ≥ k).
  ///
  /// Summed from whichever side of the mode is shorter and decreasing:
  /// P(X ≥ k) directly when k is above the mode (terms fall off), else
  /// 1 − P(X ≤ k − 1). Each side is a sum of pmf ratios
  ///
  ///     P(k + 1)/P(k) = (K − k)(n − k) / ((k + 1)(N − K − n + k + 1))
  ///
  /// started from P(k) in log space, so tiny tails do not underflow to 0
  /// before they are below double precision.
  ///
  /// - Complexity: O(length of the summed side).
  public static func upperTail(_ k: Int, population n: Int, successes m: Int, draws s: Int) -> Double {
    let range = support(population: n, successes: m, draws: s)
    if k <= range.lowerBound { return 1 }
    if k > range.upperBound { return 0 }
    let mode = Int((Double(s + 1) * Double(m + 1) / Double(n + 2)).rounded(.down))
    if k > mode {
      return sumUpward(from: k, to: range.upperBound, population: n, successes: m, draws: s)
    }
    return max(0, 1 - sumDownward(from: k - 1, to: range.lowerBound, population: n, successes: m, draws: s))
  }

  /// The lower tail P(X ≤ k).
  ///
  /// - Complexity: O(length of the summed side).
  public static func lowerTail(_ k: Int, population n: Int, successes m: Int, draws s: Int) -> Double {
    max(0, 1 - upperTail(k + 1, population: n, successes: m, draws: s))
  }

  /// P(k ≤ X ≤ upper) by the forward ratio recurrence (terms decreasing above the mode).
  static func sumUpward(from k: Int, to upper: Int, population n: Int, successes m: Int, draws s: Int) -> Double {
    let p0 = pmf(k, population: n, successes: m, draws: s)
    var term = p0
    var total = p0
    var j = k
    while j < upper {
      term *= Double(m - j) * Double(s - j) / (Double(j + 1) * Double(n - m - s + j + 1))
      total += term
      j += 1
      if term <= total * 1e-17 { break }
    }
    return min(total, 1)
  }

  /// P(lower ≤ X ≤ k) by the backward ratio recurrence (terms decreasing below the mode).
  static func sumDownward(from k: Int, to lower: Int, population n: Int, successes m: Int, draws s: Int) -> Double {
    let p0 = pmf(k, population: n, successes: m, draws: s)
    var term = p0
    var total = p0
    var j = k
    while j > lower {
      term *= Double(j) * Double(n - m - s + j) / (Double(m - j + 1) * Double(s - j + 1))
      total += term
      j -= 1
      if term <= total * 1e-17 { break }
    }
    return min(total, 1)
  }

  /// Fisher's two-sided p-value: the total probability of the values no more
  /// likely than k, Σ_{j : P(j) ≤ P(k)(1 + 1e-7)} P(j) (the relative slack is
  /// scipy's `fisher_exact` convention against rounding in P).
  ///
  /// - Complexity: O(size of the support).
  public static func twoSidedPValue(_ k: Int, population n: Int, successes m: Int, draws s: Int) -> Double {
    let range = support(population: n, successes: m, draws: s)
    guard range.contains(k) else { return 0 }
    let threshold = logPMF(k, population: n, successes: m, draws: s) + Double.log(onePlus: 1e-7)
    var total = 0.0
    for j in range {
      let lp = logPMF(j, population: n, successes: m, draws: s)
      if lp <= threshold { total += .exp(lp) }
    }
    return min(1, total)
  }

  /// One hypergeometric variate, exact in distribution.
  ///
  /// The parameters are first reduced by the symmetries of the law to
  /// K' = min(K, N − K) marked items and n' = min(n, N − n) draws. Then:
  ///
  /// - n' ≤ 15: inversion from 0 (HIN, Kachitvichyanukul & Schmeiser 1985):
  ///   P(0) = Π_{i<n'} (N − K' − i)/(N − i), then the ratio recurrence
  ///   upward until the cumulative probability passes a uniform U.
  /// - otherwise: ratio-of-uniforms rejection (HRUA, Stadlober 1989, as in
  ///   numpy's generator) with hat centre a = n'K'/N + ½, width
  ///   h = 1.7155·√(Var + ½) + 0.8989 and the exact acceptance test
  ///   2 log U ≤ log P(⌊X⌋) − log P(mode), decided by bounds on log U. The hat
  ///   covers the whole support (no tail truncation), so the law is exact.
  ///
  /// Many draws from one population with varying n: `Hypergeometric.Population`.
  ///
  /// - Precondition: 0 ≤ successes ≤ population, 0 ≤ draws ≤ population.
  /// - Complexity: O(n') for n' ≤ 15; O(1) expected otherwise.
  @inlinable
  public static func sample(population n: Int, successes m: Int, draws s: Int,
                            using generator: inout some RandomNumberGenerator) -> Int {
    precondition(n >= 0 && m >= 0 && m <= n && s >= 0 && s <= n, "invalid hypergeometric parameters")
    return Population(size: n, successes: m).sample(draws: s, using: &generator)
  }

  /// A variate with a seed: the same seed gives the same value.
  public static func sample(population n: Int, successes m: Int, draws s: Int, seed: UInt64) -> Int {
    var generator = Xoshiro256StarStar(seed: seed)
    return sample(population: n, successes: m, draws: s, using: &generator)
  }

  /// HIN: inversion from 0 for small n (K ≤ N/2, n ≤ N/2).
  @inlinable
  static func inversion(population n: Int, successes m: Int, draws s: Int,
                        using generator: inout some RandomNumberGenerator) -> Int {
    let bad = n - m
    var p0 = 1.0
    for i in 0..<s { p0 *= Double(bad - i) / Double(n - i) }
    let upper = min(s, m)
    while true {
      var u = generator.nextUnitDouble()
      var p = p0
      var k = 0
      while true {
        if u < p { return k }
        u -= p
        // Past the end of the support only through rounding of the cumulative
        // sums (probability ~1e-16): draw again, keeping the law exact.
        if k == upper { break }
        p *= Double(m - k) * Double(s - k) / (Double(k + 1) * Double(bad - s + k + 1))
        k += 1
      }
    }
  }
}
