import Testing
import Foundation
import FixtureSupport
import CVaRAudit
import Distributions
@testable import CVaRPlanning

@Suite struct SimulationTests {
  static func design(_ k: Int, _ test: DisparityTest, _ sampler: Sampler, _ calibration: Calibration,
                     shares: [Double]? = nil) -> SimulationDesign {
    let p = shares ?? .init(repeating: 1, count: k)
    return SimulationDesign(shares: p, weights: p, test: test, sampler: sampler, calibration: calibration, delta: 0.05,
                            twoStageRatio: 1, calibrationReplicates: 1000)
  }

  /// Type I error at the base-rate null: Monte-Carlo calibration lands on δ
  /// within Monte-Carlo error (of both the estimate, R = 2000, and the
  /// critical value, R₀ = 1000); the bounds stay at or below δ.
  @Test(arguments: [
    (DisparityTest.maxGap, Sampler.iid, Calibration.monteCarlo), (.l2, .iid, .monteCarlo), (.l2, .stratified, .monteCarlo),
    (.l2, .twoStage, .monteCarlo), (.maxGap, .stratified, .monteCarlo), (.l2, .iid, .bound), (.maxGap, .iid, .bound),
    (.l2, .twoStage, .bound),
  ])
  func typeIErrorWithinMonteCarloError(test: DisparityTest, sampler: Sampler, calibration: Calibration) {
    let zipf = (1...12).map { 1 / Double($0) }
    for shares in [nil, zipf] {
      let d = Self.design(12, test, sampler, calibration, shares: shares)
      let settings = SimulationSettings(replicates: 2000, calibrationReplicates: 1000, seed: 99)
      let null = [Double](repeating: 0.3, count: 12)
      let point = SampleComplexity.evaluate(design: d, nullRates: null, alternativeRates: null, samples: 1500,
                                            settings: settings, measureTypeI: true)
      let t = point.typeIError!
      let se = (0.05 * 0.95 * (1.0 / 2000 + 1.0 / 1000)).squareRoot()
      if calibration == .monteCarlo {
        #expect(abs(t - 0.05) <= 4 * se, "\(test) \(sampler): type I \(t)")
      } else {
        #expect(t <= 0.05 + 4 * (0.05 * 0.95 / 2000).squareRoot(), "\(test) \(sampler) bound: type I \(t)")
      }
      // Under the null, "power" is a second type I estimate.
      #expect(abs(point.power - t) <= 6 * se)
    }
  }

  /// Power grows with n (within Monte-Carlo error) for every design.
  @Test func powerMonotoneInSamples() {
    let k = 20
    let p = [Double](repeating: 1.0 / Double(k), count: k)
    let settings = SimulationSettings(replicates: 600, calibrationReplicates: 600, seed: 3)
    for (test, sampler, alternative) in [(DisparityTest.l2, Sampler.iid, Alternative.flatTail), (.l2, .twoStage, .flatTail),
                                         (.maxGap, .iid, .singleGroup), (.l2, .stratified, .spread)] {
      let d = Self.design(k, test, sampler, .monteCarlo)
      let rates = alternative.rates(base: 0.3, epsilon: 0.15, alpha: 0.1, weights: p, shares: p)!
      let null = [Double](repeating: 0.3, count: k)
      var previous: PowerPoint? = nil
      var last = 0.0
      for n in [500, 1000, 2000, 4000, 8000] {
        let point = SampleComplexity.evaluate(design: d, nullRates: null, alternativeRates: rates, samples: n,
                                              settings: settings, measureTypeI: false)
        if let previous {
          let se = (previous.powerStandardError * previous.powerStandardError + point.powerStandardError * point.powerStandardError).squareRoot()
          #expect(point.power >= previous.power - 3 * max(se, 0.01), "\(test) \(sampler): power \(previous.power) at \(previous.samples) → \(point.power) at \(n)")
        }
        previous = point
        last = point.power
      }
      #expect(last > 0.5, "\(test) \(sampler): power at n = 8000 only \(last)")
    }
  }

  /// Same seed, same scores, whether blocks run on all cores or one.
  @Test func resultsDoNotDependOnThreads() {
    for sampler in Sampler.allCases {
      let d = Self.design(30, .l2, sampler, .monteCarlo)
      let rates = (0..<30).map { 0.2 + 0.01 * Double($0) }
      let a = ReplicateSimulator.scores(design: d, rates: rates, samples: 3000, replicates: 203, seed: 7, parallel: true)
      let b = ReplicateSimulator.scores(design: d, rates: rates, samples: 3000, replicates: 203, seed: 7, parallel: false)
      let c = ReplicateSimulator.scores(design: d, rates: rates, samples: 3000, replicates: 203, seed: 8, parallel: true)
      #expect(a == b)
      #expect(a != c)
    }
  }

  /// The search returns a bracket: power below the target at its low end,
  /// at or above it at n*, the ends within the tolerance.
  @Test func searchBracketsTheTarget() {
    let k = 10
    let p = [Double](repeating: 0.1, count: k)
    let d = Self.design(k, .l2, .iid, .monteCarlo)
    let rates = Alternative.flatTail.rates(base: 0.3, epsilon: 0.2, alpha: 0.1, weights: p, shares: p)!
    let settings = SimulationSettings(replicates: 300, calibrationReplicates: 500, seed: 5, targetPower: 0.8, tolerance: 1.1)
    let result = SampleComplexity.search(design: d, nullRates: .init(repeating: 0.3, count: k), alternativeRates: rates,
                                         start: 50, settings: settings)
    let n = try! #require(result.samples), lo = try! #require(result.bracketLow)
    #expect(Double(n) / Double(lo) <= 1.1 + 1e-9)
    #expect(result.points.first { $0.samples == lo }!.power < 0.8)
    #expect(result.atSamples!.power >= 0.8)
    #expect(result.atSamples!.typeIError != nil)
    #expect(result.points.count < 15)
    // Again from far above: the search halves down to the same kind of bracket.
    let down = SampleComplexity.search(design: d, nullRates: .init(repeating: 0.3, count: k), alternativeRates: rates,
                                       start: 100_000, settings: settings)
    #expect(down.points.first { $0.samples == down.bracketLow! }!.power < 0.8)
    #expect(down.atSamples!.power >= 0.8)
  }

  /// The alternatives reach exactly ε in the criterion they target.
  @Test func alternativesHitEpsilon() {
    var rng = Xoshiro256StarStar(seed: 21)
    for _ in 0..<50 {
      let k = 2 + Int(rng.next() % 40)
      let p = SamplePlanner.normalized((0..<k).map { _ in 0.1 + rng.nextUnitDouble() })
      let alpha = 0.05 + 0.5 * rng.nextUnitDouble()
      for alternative in Alternative.allCases {
        let largest = alternative.largestEpsilon(base: 0.3, alpha: alpha, weights: p, shares: p)
        let eps = 0.5 * largest
        let rates = alternative.rates(base: 0.3, epsilon: eps, alpha: alpha, weights: p, shares: p)!
        let reference = zip(p, rates).reduce(0) { $0 + $1.0 * $1.1 }
        let delta = rates.map { $0 - reference }
        if alternative == .singleGroup {
          #expect(isClose(delta.max()!, eps, relative: 1e-12))
        } else {
          #expect(isClose(CVaR.value(of: delta, weights: p, alpha: alpha), eps, relative: 1e-9))
          // The key inequality: Σ w Δ² ≥ α ε².
          #expect(zip(p, delta).reduce(0) { $0 + $1.0 * $1.1 * $1.1 } >= alpha * eps * eps * (1 - 1e-9))
        }
        #expect(rates.allSatisfy { $0 >= 0.3 - 1e-12 && $0 <= 1 })
        #expect(alternative.rates(base: 0.3, epsilon: largest * 1.01, alpha: alpha, weights: p, shares: p) == nil)
      }
    }
  }

  @Test func logLogFitAndAllocation() {
    let x = [10.0, 20, 40, 80], y = x.map { 3 * $0.squareRoot() }
    let fit = LogLogFit(x: x, y: y)
    #expect(isClose(fit.slope, 0.5, relative: 1e-12))
    #expect(isClose(Foundation.exp(fit.intercept), 3, relative: 1e-12))
    let sizes = ReplicateSimulator.largestRemainder(1001, SampleAllocation.stratified([0.5, 0.3, 0.15, 0.05]))
    #expect(sizes.reduce(0, +) == 1001)
    #expect(ReplicateSimulator.criticalValue(nullScores: Array(1...19).map(Double.init), delta: 0.05) == 19)
    #expect(ReplicateSimulator.criticalValue(nullScores: Array(1...10).map(Double.init), delta: 0.05) == .infinity)
  }
}
