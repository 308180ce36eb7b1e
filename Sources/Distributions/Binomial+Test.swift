/// Tails of the binomial law and the exact binomial test.
extension Binomial {
  /// P(X ≤ k) = I_{1−p}(n − k, k + 1) (0 for k < 0, 1 for k ≥ n).
  ///
  /// - Complexity: one regularized incomplete beta function.
  public func lowerTail(_ k: Int) -> Double {
    if k < 0 { return 0 }
    if k >= count { return 1 }
    if probability == 0 { return 1 }
    if probability == 1 { return 0 }
    return IncompleteBeta.regularized(1 - probability, a: Double(count - k), b: Double(k + 1))
  }

  /// P(X ≥ k) = I_p(k, n − k + 1) (1 for k ≤ 0, 0 for k > n): the one-sided
  /// ("greater") p-value of the exact binomial test.
  ///
  /// - Complexity: one regularized incomplete beta function.
  public func upperTail(_ k: Int) -> Double {
    if k <= 0 { return 1 }
    if k > count { return 0 }
    if probability == 0 { return 0 }
    if probability == 1 { return 1 }
    return IncompleteBeta.regularized(probability, a: Double(k), b: Double(count - k + 1))
  }

  /// The two-sided p-value of the exact binomial test of H0: P(success) = p
  /// after k successes: the total probability of the outcomes no more likely
  /// than k,
  ///
  ///     Σ_{j : P(j) ≤ P(k)(1 + 1e-7)} P(j),
  ///
  /// with scipy's `binomtest(k, n, p).pvalue` conventions (the relative slack
  /// against rounding; the other side's cut found by binary search on the
  /// monotone pmf, the tails summed by incomplete beta functions).
  ///
  /// - Precondition: 0 ≤ k ≤ n.
  /// - Complexity: O(log n) pmf evaluations and two incomplete beta functions.
  public func twoSidedPValue(_ k: Int) -> Double {
    precondition(k >= 0 && k <= count, "successes must lie in 0...trials")
    let n = count
    let mean = Double(n) * probability
    let slack = 1 + 1e-7
    let d = self.probability(k)
    if Double(k) == mean { return 1 }
    /// The i in lo...hi with a(i) ≤ target < a(i + 1) for an increasing a (scipy's search).
    func search(_ a: (Int) -> Double, _ target: Double, _ low: Int, _ high: Int) -> Int {
      var lo = low, hi = high
      while lo < hi {
        let mid = lo + (hi - lo) / 2
        let value = a(mid)
        if value < target { lo = mid + 1 } else if value > target { hi = mid - 1 } else { return mid }
      }
      return a(lo) <= target ? lo : lo - 1
    }
    let p: Double
    if Double(k) < mean {
      let ix = search({ -self.probability($0) }, -d * slack, Int(mean.rounded(.up)), n)
      let y = n - ix + (d * slack == self.probability(ix) ? 1 : 0)
      p = lowerTail(k) + upperTail(n - y + 1)
    } else {
      let ix = search({ self.probability($0) }, d * slack, 0, Int(mean.rounded(.down)))
      p = lowerTail(ix) + upperTail(k)
    }
    return min(1, p)
  }
}
