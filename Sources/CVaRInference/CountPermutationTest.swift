import CVaRAudit
import Dispatch
import Distributions
import Foundation
import LinearAlgebra

/// The reference rate as a function of permuted data.
public enum PermutedReference: Hashable, Sendable {
  /// A number that does not move under permutation: a given value, or the
  /// pooled rate (the total loss is conserved by a permutation).
  case fixed(Double)
  /// The rate of the group at this index (it moves with the permutation).
  case group(Int)
}

/// The permutation test of "binary loss independent of group" from per-group
/// counts alone.
///
/// A random permutation of the loss column across the rows changes only the
/// per-group loss counts X, which then follow the multivariate hypergeometric
/// law with colours n_g and S = Σ x_g draws. Each permutation is one
/// group-by-group draw (`MultivariateHypergeometric`): O(K) variates, no pass
/// over the rows. The B × K matrix of permuted counts becomes B statistics in
/// batches:
///
/// - `l2`: with x the count of a group of size n ≥ 2, weight w̃ and reference r,
///
///       U = (x/n − r)² − s²/n = x(x − 1)/(n(n − 1)) − 2r·x/n + r²
///
///   so T_L2 = Y·a − 2r (X·e) + r² Σw̃ with Y = X∘(X − 1), a_g = w̃_g/(n_g(n_g − 1)),
///   e_g = w̃_g/n_g: two `gemv` calls per batch (r per row for a group reference).
/// - `max`: max_g Δ(x_g/n_g, r) on each row (what `DisparityStatistics.maxGap` computes).
/// - `cvar`: `DisparityStatistics.cvar` on each row.
///
/// p = (1 + #{b : T_b ≥ T_obs}) / (B + 1), where T_b ≥ T_obs is judged with a
/// relative slack of 1e-9 (plus 1e-12) so that rounding in the batched
/// formula never turns a tie into a strict inequality (ties count against
/// rejection: conservative).
public struct CountPermutationTest: Sendable {
  public let statistic: TestStatistic
  /// n_g.
  public let sizes: [Int]
  /// x_g.
  public let counts: [Int]
  /// w_g as configured (normalised).
  public let weights: [Double]
  public let reference: PermutedReference
  public let disparity: DisparityKind
  public let alpha: Double
  /// w̃: the L2 weights (0 for n_g < 2, renormalised).
  public let l2Weights: [Double]
  @usableFromInline let a: [Double]
  @usableFromInline let e: [Double]
  /// Permutations evaluated per batch (rows of the count matrix).
  static let batchSize = 128

  /// - Precondition: equal lengths ≥ 1; 0 ≤ x_g ≤ n_g, n_g ≥ 1; weights ≥ 0 with positive sum.
  public init(statistic: TestStatistic, sizes: [Int], counts: [Int], weights: [Double],
              reference: PermutedReference, disparity: DisparityKind, alpha: Double) {
    precondition(!sizes.isEmpty && sizes.count == counts.count && sizes.count == weights.count, "one size, count and weight per group")
    precondition(zip(sizes, counts).allSatisfy { $0 >= 1 && $1 >= 0 && $1 <= $0 }, "0 ≤ x_g ≤ n_g and n_g ≥ 1")
    self.statistic = statistic
    self.sizes = sizes
    self.counts = counts
    let total = weights.reduce(0, +)
    self.weights = weights.map { $0 / total }
    self.reference = reference
    self.disparity = disparity
    self.alpha = alpha
    let l2 = DisparityStatistics.l2(sizes.map { SufficientStatistics(count: $0, positives: 0) },
                                    weights: self.weights, reference: 0)
    l2Weights = l2.effectiveWeights
    a = zip(l2Weights, sizes).map { w, n in n >= 2 ? w / (Double(n) * Double(n - 1)) : 0 }
    e = zip(l2Weights, sizes).map { w, n in w / Double(n) }
  }

  /// The statistic of one vector of counts, through `DisparityStatistics`.
  ///
  /// - Complexity: O(K) (O(K log K) for cvar).
  public func statistic(counts x: [Int]) -> Double {
    let stats = zip(sizes, x).map { SufficientStatistics(count: $0, positives: $1) }
    return statistic.value(of: stats, weights: weights, reference: referenceRate(stats), disparity: disparity, alpha: alpha)
  }

  func referenceRate(_ stats: [SufficientStatistics]) -> Double {
    switch reference {
    case .fixed(let r): r
    case .group(let g): stats[g].mean
    }
  }

  /// The observed statistic.
  public var observed: Double { statistic(counts: counts) }

  /// Statistics of `rows` count vectors (row-major rows × K, as Doubles)
  /// into `out`: the batched path used for the permutations.
  ///
  /// - Complexity: O(rows · K) (BLAS for l2).
  public func statistics(batch x: UnsafeMutableBufferPointer<Double>, rows: Int, scratch y: UnsafeMutableBufferPointer<Double>,
                         into out: UnsafeMutableBufferPointer<Double>) {
    let k = sizes.count
    switch statistic {
    case .l2:
      for i in 0..<(rows * k) { y[i] = x[i] * (x[i] - 1) }
      var xe = [Double](repeating: 0, count: rows)
      a.withUnsafeBufferPointer { ab in
        BLAS.gemv(rows: rows, columns: k, UnsafeBufferPointer(y), ab, UnsafeMutableBufferPointer(rebasing: out[0..<rows]))
      }
      e.withUnsafeBufferPointer { eb in
        xe.withUnsafeMutableBufferPointer { BLAS.gemv(rows: rows, columns: k, UnsafeBufferPointer(x), eb, $0) }
      }
      let weightSum = l2Weights.reduce(0, +)
      for b in 0..<rows {
        let r: Double
        switch reference {
        case .fixed(let value): r = value
        case .group(let g): r = x[b * k + g] / Double(sizes[g])
        }
        out[b] += -2 * r * xe[b] + r * r * weightSum
      }
    case .max:
      // max_g Δ(x_g/n_g, r), as `DisparityStatistics.maxGap` (every n_g ≥ 1), without building statistics.
      for b in 0..<rows {
        let row = b * k
        let r: Double
        switch reference {
        case .fixed(let value): r = value
        case .group(let g): r = x[row + g] / Double(sizes[g])
        }
        var best = -Double.infinity
        for g in 0..<k { best = Swift.max(best, disparity.disparity(x[row + g] / Double(sizes[g]), reference: r)) }
        out[b] = best
      }
    case .cvar:
      // CVaR_α^w of Δ(x_g/n_g, r), as `DisparityStatistics.cvar` (every n_g ≥ 1), without building statistics.
      var disparities = [Double](repeating: 0, count: k)
      for b in 0..<rows {
        let row = b * k
        let r: Double
        switch reference {
        case .fixed(let value): r = value
        case .group(let g): r = x[row + g] / Double(sizes[g])
        }
        for g in 0..<k { disparities[g] = disparity.disparity(x[row + g] / Double(sizes[g]), reference: r) }
        out[b] = CVaR.value(of: disparities, weights: weights, alpha: alpha)
      }
    }
  }

  /// The statistic of the observed counts through the batched path (what
  /// the permuted statistics are compared with).
  func observedThroughBatch() -> Double {
    var x = counts.map(Double.init)
    var y = x
    var out = [0.0]
    x.withUnsafeMutableBufferPointer { xb in
      y.withUnsafeMutableBufferPointer { yb in
        out.withUnsafeMutableBufferPointer { statistics(batch: xb, rows: 1, scratch: yb, into: $0) }
      }
    }
    return out[0]
  }

  /// The permutation p-value with B permutations; permutation b draws from
  /// its own stream `Xoshiro256StarStar(seed: seed, stream: b + 1)`, so the
  /// result does not depend on batching or on how work is split (`threads`).
  ///
  /// - Complexity: O(B · K), on `threads` cores.
  public func pValue(permutations: Int, seed: UInt64,
                     threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> PermutationPValue {
    Self.pValues([self], permutations: permutations, seed: seed, threads: threads)[0]
  }

  /// The p-values of several tests of the same counts (e.g. l2, max and cvar)
  /// from one set of B permutations: each equals the test's own
  /// `pValue(permutations:seed:)` (the permutations depend on the sizes, the
  /// total and the seed only), but the counts are drawn once.
  ///
  /// The B permutations are cut into contiguous chunks that run concurrently
  /// (`DispatchQueue.concurrentPerform`, one urn workspace and one set of
  /// batch buffers per chunk); permutation b always draws from stream b + 1
  /// and the exceedance counts are added chunk by chunk, so the p-values are
  /// the same for any number of threads.
  ///
  /// - Precondition: at least one test; all with the same sizes and counts; threads ≥ 1.
  /// - Complexity: O(B · K) variates, plus each test's statistics, on `threads` cores.
  public static func pValues(_ tests: [CountPermutationTest], permutations: Int, seed: UInt64,
                             threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> [PermutationPValue] {
    precondition(!tests.isEmpty && tests.allSatisfy { $0.sizes == tests[0].sizes && $0.counts == tests[0].counts },
                 "tests sharing permutations need the same sizes and counts")
    precondition(permutations >= 1, "at least one permutation")
    precondition(threads >= 1, "at least one thread")
    let urn = MultivariateHypergeometric.Urn(colours: tests[0].sizes)
    let total = tests[0].counts.reduce(0, +)
    let observed = tests.map { $0.observedThroughBatch() }
    // Several chunks per thread, so that a core busy with something else
    // does not hold up the others; no chunk smaller than one batch.
    let batches = (permutations + batchSize - 1) / batchSize
    let chunks = threads == 1 ? 1 : min(4 * threads, batches)
    let counts = SlotBuffer<Int>(count: chunks * tests.count)  // one slot per (chunk, test)
    let work: @Sendable (Int) -> Void = { c in
      let range = (c * permutations / chunks)..<((c + 1) * permutations / chunks)
      var workspace = urn.makeWorkspace()
      let exceedances = exceedanceCounts(tests, observed: observed, permutations: range) { b, row in
        var generator = Xoshiro256StarStar(seed: seed, stream: UInt64(b) + 1)
        urn.sample(draws: total, into: row, workspace: &workspace, using: &generator)
      }
      for t in tests.indices { counts.pointer[c * tests.count + t] = exceedances[t] }
    }
    if chunks > 1 {
      DispatchQueue.concurrentPerform(iterations: chunks, execute: work)
    } else {
      work(0)
    }
    return tests.indices.map { t in
      var exceedances = 0
      for c in 0..<chunks { exceedances += counts.pointer[c * tests.count + t] }
      return PermutationPValue(exceedances: exceedances, permutations: permutations)
    }
  }

  /// The permutation p-value drawing every permutation from one generator
  /// (sequentially, on one core).
  ///
  /// - Complexity: O(B · K).
  public func pValue(permutations: Int, using generator: inout some RandomNumberGenerator) -> PermutationPValue {
    precondition(permutations >= 1, "at least one permutation")
    let urn = MultivariateHypergeometric.Urn(colours: sizes)
    let total = counts.reduce(0, +)
    var workspace = urn.makeWorkspace()
    let exceedances = Self.exceedanceCounts([self], observed: [observedThroughBatch()], permutations: 0..<permutations) { _, row in
      urn.sample(draws: total, into: row, workspace: &workspace, using: &generator)
    }
    return PermutationPValue(exceedances: exceedances[0], permutations: permutations)
  }

  /// #{b ∈ permutations : T_b ≥ T_obs − slack} per test, where `draw(b, row)`
  /// writes the counts of permutation b into `row`.
  static func exceedanceCounts(_ tests: [CountPermutationTest], observed: [Double], permutations: Range<Int>,
                               draw: (Int, UnsafeMutableBufferPointer<Int>) -> Void) -> [Int] {
    let k = tests[0].sizes.count
    let slack = observed.map { 1e-9 * abs($0) + 1e-12 }
    let batch = batchSize
    var x = [Double](repeating: 0, count: batch * k)
    var y = x
    var out = [Double](repeating: 0, count: batch)
    var row = [Int](repeating: 0, count: k)
    var exceedances = [Int](repeating: 0, count: tests.count)
    var start = permutations.lowerBound
    while start < permutations.upperBound {
      let rows = min(batch, permutations.upperBound - start)
      for i in 0..<rows {
        row.withUnsafeMutableBufferPointer { draw(start + i, $0) }
        for g in 0..<k { x[i * k + g] = Double(row[g]) }
      }
      for (t, test) in tests.enumerated() {
        x.withUnsafeMutableBufferPointer { xb in
          y.withUnsafeMutableBufferPointer { yb in
            out.withUnsafeMutableBufferPointer { test.statistics(batch: xb, rows: rows, scratch: yb, into: $0) }
          }
        }
        for i in 0..<rows where out[i] >= observed[t] - slack[t] { exceedances[t] += 1 }
      }
      start += rows
    }
    return exceedances
  }
}

/// A Monte-Carlo permutation p-value p = (1 + #{T_b ≥ T_obs}) / (B + 1):
/// valid (P(p ≤ u) ≤ u under H0) for any B.
public struct PermutationPValue: Hashable, Sendable {
  /// #{b : T_b ≥ T_obs}.
  public var exceedances: Int
  /// B.
  public var permutations: Int
  public init(exceedances: Int, permutations: Int) {
    self.exceedances = exceedances
    self.permutations = permutations
  }
  public var value: Double { Double(1 + exceedances) / Double(permutations + 1) }
  /// The Monte-Carlo standard error √(p(1 − p)/B) of p as an estimate of the
  /// exact (all-permutations) p-value.
  public var monteCarloError: Double { (value * (1 - value) / Double(permutations)).squareRoot() }
}
