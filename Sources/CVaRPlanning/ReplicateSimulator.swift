import CVaRAudit
import Dispatch
import Distributions
import RealModule

/// Simulated audits, replicate by replicate, without rows: each replicate
/// draws the per-group counts directly (group sizes from a multinomial or a
/// fixed allocation, error counts from binomials) and evaluates the
/// project's statistics (`DisparityStatistics.l2`, `.maxGap`) on them.
///
/// Replicates are cut into blocks of `blockSize`; block b draws from
/// `Xoshiro256StarStar(seed: seed, stream: b)` and blocks run concurrently
/// (`DispatchQueue.concurrentPerform`), so the output depends on the seed
/// only, never on the number of threads. The same seed at a different n
/// reuses the same streams (common random numbers), which smooths power
/// curves against n.
public enum ReplicateSimulator {
  /// Replicates per block (and per random stream).
  public static let blockSize = 16

  /// One score per replicate: the statistic (Monte-Carlo calibration) or the
  /// statistic minus its closed-form threshold (bound calibration). A
  /// replicate rejects when its score exceeds the critical value (0 for the
  /// bound). A statistic that does not exist (every group dropped) scores −∞.
  ///
  /// - Precondition: one rate in [0, 1] per group; n ≥ 2; R ≥ 1.
  /// - Complexity: O(R · K) binomial variates (O(R · J) for two-stage), on all cores.
  public static func scores(design: SimulationDesign, rates: [Double], samples n: Int,
                            replicates: Int, seed: UInt64, parallel: Bool = true) -> [Double] {
    precondition(rates.count == design.groupCount && rates.allSatisfy { $0 >= 0 && $0 <= 1 })
    precondition(n >= 2 && replicates >= 1)
    let blocks = (replicates + blockSize - 1) / blockSize
    let output = ScoreBuffer(count: replicates)
    let context = Context(design: design, rates: rates, samples: n)
    let work: @Sendable (Int) -> Void = { b in
      var generator = Xoshiro256StarStar(seed: seed, stream: UInt64(b))
      var scratch = Scratch(groupCount: design.groupCount)
      let end = min(replicates, (b + 1) * blockSize)
      for r in (b * blockSize)..<end {
        output.pointer[r] = context.score(scratch: &scratch, using: &generator)
      }
    }
    if parallel && blocks > 1 {
      DispatchQueue.concurrentPerform(iterations: blocks, execute: work)
    } else {
      for b in 0..<blocks { work(b) }
    }
    return output.array()
  }

  /// Reusable per-block storage.
  struct Scratch {
    var sizes: [Int]
    var statistics: [SufficientStatistics]
    init(groupCount k: Int) {
      sizes = .init(repeating: 0, count: k)
      statistics = .init(repeating: SufficientStatistics(), count: k)
    }
  }

  /// What every replicate of one call shares.
  struct Context: Sendable {
    let design: SimulationDesign
    let rates: [Double]
    let n: Int
    let stratifiedSizes: [Int]
    let groupSampler: Categorical?
    let twoStage: (groups: Int, rows: Int)

    init(design: SimulationDesign, rates: [Double], samples n: Int) {
      self.design = design
      self.rates = rates
      self.n = n
      stratifiedSizes = design.sampler == .stratified
        ? ReplicateSimulator.largestRemainder(n, design.stratifiedAllocation) : []
      groupSampler = design.sampler == .twoStage ? Categorical(weights: design.weights) : nil
      twoStage = design.twoStageShape(samples: n)
    }

    func score(scratch: inout Scratch, using generator: inout Xoshiro256StarStar) -> Double {
      let k = design.groupCount
      switch design.sampler {
      case .iid, .stratified:
        if design.sampler == .iid {
          scratch.sizes.withUnsafeMutableBufferPointer { out in
            design.shares.withUnsafeBufferPointer { p in
              Multinomial.sample(count: n, probabilities: p, into: out, using: &generator)
            }
          }
        } else {
          scratch.sizes = stratifiedSizes
        }
        for g in 0..<k {
          let size = scratch.sizes[g]
          let errors = Binomial.sample(count: size, probability: rates[g], using: &generator)
          scratch.statistics[g] = SufficientStatistics(count: size, positives: errors)
        }
        return evaluate(scratch.statistics, weights: design.weights)
      case .twoStage:
        let (j, m) = twoStage
        var drawn = [SufficientStatistics](repeating: SufficientStatistics(), count: j)
        for i in 0..<j {
          let g = groupSampler!.sample(using: &generator)
          drawn[i] = SufficientStatistics(count: m, positives: Binomial.sample(count: m, probability: rates[g], using: &generator))
        }
        return evaluate(drawn, weights: .init(repeating: 1 / Double(j), count: j))
      }
    }

    /// The score of one replicate's per-group statistics under weights w.
    func evaluate(_ statistics: [SufficientStatistics], weights w: [Double]) -> Double {
      // Reference: the w-weighted mean of the observed group rates (groups
      // without rows left out, the rest renormalised).
      var total = 0.0, reference = 0.0
      for (g, s) in statistics.enumerated() where s.count > 0 {
        total += w[g]
        reference += w[g] * s.mean
      }
      guard total > 0 else { return -.infinity }
      reference /= total
      let delta = design.delta
      switch design.test {
      case .l2:
        let l2 = DisparityStatistics.l2(statistics, weights: w, reference: reference)
        guard l2.value.isFinite else { return -.infinity }
        guard design.calibration == .bound else { return l2.value }
        var variance = 0.0
        for (g, s) in statistics.enumerated() where l2.effectiveWeights[g] > 0 {
          let ng = Double(s.count)
          variance += l2.effectiveWeights[g] * l2.effectiveWeights[g] / (8 * ng * (ng - 1))
        }
        return l2.value - SamplePlanner.cantelli(delta) * variance.squareRoot()
      case .maxGap:
        guard design.calibration == .bound else {
          return DisparityStatistics.maxGap(statistics, reference: reference, kind: .oneSided)
        }
        let observed = statistics.filter { $0.count > 0 }.count
        let logTerm = Double.log(2 * Double(observed) / delta)
        var best = -Double.infinity
        var referenceSpread = 0.0
        for (g, s) in statistics.enumerated() where s.count > 0 {
          let ng = Double(s.count)
          best = max(best, s.mean - reference - (logTerm / (2 * ng)).squareRoot())
          referenceSpread += (w[g] / total) * (w[g] / total) / ng
        }
        return best - (Double.log(2 / delta) * referenceSpread / 2).squareRoot()
      }
    }
  }

  /// ⌊n π_g⌋ plus one row to the groups with the largest remainders, so that Σ = n.
  static func largestRemainder(_ n: Int, _ pi: [Double]) -> [Int] {
    var sizes = pi.map { Int((Double(n) * $0).rounded(.down)) }
    var left = n - sizes.reduce(0, +)
    let order = pi.indices.sorted {
      let a = Double(n) * pi[$0] - Double(sizes[$0]), b = Double(n) * pi[$1] - Double(sizes[$1])
      return a > b || (a == b && $0 < $1)
    }
    var i = 0
    while left > 0 {
      sizes[order[i % order.count]] += 1
      left -= 1
      i += 1
    }
    return sizes
  }

  /// The Monte-Carlo critical value: the ⌈(1 − δ)(R₀ + 1)⌉-th smallest null
  /// score (+∞ when that exceeds R₀). With exchangeable null replicates,
  /// P(score > critical) ≤ δ.
  public static func criticalValue(nullScores: [Double], delta: Double) -> Double {
    let sorted = nullScores.sorted()
    let rank = Int(((1 - delta) * Double(sorted.count + 1)).rounded(.up))
    return rank > sorted.count ? .infinity : sorted[rank - 1]
  }
}

/// Output storage written by disjoint blocks of replicates in parallel.
final class ScoreBuffer: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<Double>
  let count: Int
  init(count: Int) {
    self.count = count
    pointer = .allocate(capacity: count)
    pointer.initialize(repeating: .nan, count: count)
  }
  deinit { pointer.deallocate() }
  func array() -> [Double] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
