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
    let total = validatedTotal(values, weights, alpha: alpha)
    let order = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
    var lambda = [Double](repeating: 0, count: values.count)
    var valueAtRisk = values[order[0]]
    if let boundary = fillTailWeights(order[...], weights: weights, total: total, alpha: alpha, into: &lambda) {
      valueAtRisk = values[order[boundary.position]]
      if abs(weights[order[boundary.position]] / total - boundary.remaining) <= tolerance * alpha {
        // The cumulative weight hits α exactly: every τ between this group's
        // value and the next smaller one minimises; report the lower end.
        if let next = order[(boundary.position + 1)...].first(where: { weights[$0] > 0 }) {
          valueAtRisk = values[next]
        }
      }
    }
    let cvar = BLAS.dot(lambda, values)
    return TailSummary(cvar: cvar, valueAtRisk: valueAtRisk, tailWeights: lambda)
  }

  /// Checks the preconditions of `tail` and `value`; returns Σ_g w_g.
  static func validatedTotal(_ values: [Double], _ weights: [Double], alpha: Double) -> Double {
    precondition(!values.isEmpty, "CVaR needs at least one value")
    precondition(values.count == weights.count, "one weight per value")
    precondition(alpha > 0 && alpha <= 1, "alpha must lie in (0, 1]")
    var total = 0.0
    var valid = true
    for w in weights {
      valid = valid && w >= 0 && w.isFinite
      total += w
    }
    precondition(valid, "weights must be finite and non-negative")
    precondition(total > 0, "weights must have a positive sum")
    return total
  }

  /// The walk that makes the tail weights: through `order` (the tail order,
  /// or a prefix of it that holds the boundary), λ_g = w_g/α while the
  /// cumulative weight stays below α, then the boundary group gets the
  /// remainder (α − cumulative)/α. Groups of weight 0 are passed over.
  ///
  /// - Returns: the boundary's position in `order` and the weight
  ///   α − cumulative it got; nil when `order` ends first.
  /// - Complexity: O(|order|).
  static func fillTailWeights(_ order: ArraySlice<Int>, weights: [Double], total: Double, alpha: Double,
                              into lambda: inout [Double]) -> (position: Int, remaining: Double)? {
    var cumulative = 0.0
    for position in order.indices {
      let g = order[position]
      let w = weights[g] / total
      if w == 0 { continue }
      let remaining = alpha - cumulative
      if w < remaining * (1 - tolerance) {
        lambda[g] = w / alpha
        cumulative += w
        continue
      }
      lambda[g] = remaining / alpha
      return (position, remaining)
    }
    return nil
  }

  /// CVaR_α^w(Δ) alone: the same number as `tail(of:weights:alpha:).cvar`,
  /// bit for bit, without sorting every group.
  ///
  /// A quickselect-style partition (the first pivot from a sample, aimed at
  /// a few times α of the weight, then medians of three; in the order of
  /// `tail`: larger Δ first, ties by index) finds a prefix S of that order
  /// whose weight reaches α(1 + 10⁻⁹) (or S = every group). The walk of
  /// `tail` stops inside S — every group it takes in full keeps the
  /// cumulative weight below α — so sorting S alone and walking it gives the
  /// same tail weights λ, summed in the same order, and the same
  /// Σ λ_g Δ_g (the same `BLAS.dot` over all K).
  ///
  /// - Precondition: as `tail(of:weights:alpha:)`.
  /// - Complexity: expected O(K + |S| log |S|), |S| ≈ the number of groups
  ///   in the α tail; O(K log K) at worst.
  public static func value(of values: [Double], weights: [Double], alpha: Double) -> Double {
    let total = validatedTotal(values, weights, alpha: alpha)
    let count = values.count
    return values.withUnsafeBufferPointer { v in
      weights.withUnsafeBufferPointer { weight in
        // `better(i, j)`: group i comes before group j in the order of `tail`.
        @inline(__always) func better(_ i: Int, _ j: Int) -> Bool { v[i] > v[j] || (v[i] == v[j] && i < j) }
        var order = [Int](unsafeUninitializedCapacity: count) { buffer, initialized in
          for g in 0..<count { buffer[g] = g }
          initialized = count
        }
        let end = order.withUnsafeMutableBufferPointer { o -> Int in
          // Invariant: o[0..<lo] all come before o[lo..<hi], which all come
          // before o[hi...]; `committed` is the weight of o[0..<lo].
          let target = alpha * (1 + 1e-9)
          var lo = 0, hi = count
          var committed = 0.0
          var rounds = 0
          while hi - lo > 24 && rounds < 64 {
            rounds += 1
            if rounds == 1 && count >= 512 {
              // First cut: a pivot from an evenly spaced sample of 64 groups,
              // at about 1.5α + 1/16 of the sample's weight, so that one pass
              // leaves a few times the tail (o is still the identity here:
              // group g sits at position g). Any pivot gives the same result.
              var sample = (0..<64).map { $0 * count / 64 }
              sample.sort { better($0, $1) }
              let goal = min(1, 1.5 * alpha + 0.0625) * sample.reduce(0) { $0 + weight[$1] }
              var pick = sample.count - 1, accumulated = 0.0
              for (j, g) in sample.enumerated() {
                accumulated += weight[g]
                if accumulated >= goal { pick = j; break }
              }
              o.swapAt(sample[pick], hi - 1)
            } else {
              // Median of three as the pivot, moved to o[hi − 1].
              let mid = lo + (hi - lo) / 2
              if better(o[mid], o[lo]) { o.swapAt(mid, lo) }
              if better(o[hi - 1], o[lo]) { o.swapAt(hi - 1, lo) }
              if better(o[hi - 1], o[mid]) { o.swapAt(hi - 1, mid) }
              o.swapAt(mid, hi - 1)
            }
            let pivot = o[hi - 1]
            // o[lo..<m]: strictly before the pivot; their weight.
            var m = lo
            var weightBefore = 0.0
            for i in lo..<(hi - 1) where better(o[i], pivot) {
              weightBefore += weight[o[i]] / total
              o.swapAt(i, m)
              m += 1
            }
            o.swapAt(m, hi - 1)  // the pivot at m, worse ones after it
            if committed + weightBefore >= target {
              hi = m
            } else {
              committed += weightBefore + weight[pivot] / total
              lo = m + 1
              if committed >= target { hi = lo }
            }
          }
          return hi
        }
        // Sort the prefix and walk it exactly as `tail` does.
        order[0..<end].sort { better($0, $1) }
        var lambda = [Double](repeating: 0, count: count)
        _ = fillTailWeights(order[0..<end], weights: weights, total: total, alpha: alpha, into: &lambda)
        return BLAS.dot(lambda, values)
      }
    }
  }
}
