import CVaRAudit
import Distributions
import Testing
@testable import CVaRSequential

/// Small seeded versions of the validity simulations of README.md (the full
/// table: Benchmarks/scripts/sequential_validity.sh).
@Suite struct SequentialValidityTests {
  static func bound(_ delta: Double, runs: Int) -> Double {
    delta + 3 * (delta * (1 - delta) / Double(runs)).squareRoot()
  }

  /// Null of no disparity: the share of runs that EVER declare a violation
  /// (checked after every observation, runs continue after other decisions)
  /// is ≤ δ within Monte-Carlo error, with every sampler, K ∈ {4, 32}.
  /// A large δ (0.3) makes the check able to fail.
  @Test(arguments: SamplerKind.allCases, [4, 32])
  func nullOfNoDisparity(kind: SamplerKind, groups: Int) {
    let delta = 0.3
    let runs = 60
    let scenario = SequentialScenario.null(groups: groups, unbalanced: true, delta: delta,
                                           l2FirstLook: kind.isDataDependent ? nil : 32, horizon: 3000)
    let results = SequentialSimulation.run(scenario, sampler: kind, runs: runs, seed: 77, stopAtDecision: false)
    let summary = SequentialSimulation.summarize(results, horizon: scenario.horizon)
    #expect(summary.violationRate <= Self.bound(delta, runs: runs))
    #expect(results.allSatisfy { $0.violationEverDeclared || $0.observations == scenario.horizon })
  }

  /// The boundary of the composite null (CVaR = ε0 exactly, known reference).
  @Test(arguments: [SamplerKind.iid, .adaptive])
  func boundaryNull(kind: SamplerKind) {
    let delta = 0.3
    let runs = 60
    let scenario = SequentialScenario.boundaryNull(groups: 10, unbalanced: false, alpha: 0.2, tolerance: 0.1,
                                                   delta: delta, horizon: 4000)
    let truth = CVaR.value(of: scenario.means.map { $0 - 0.3 }, weights: scenario.configuration.weights, alpha: 0.2)
    #expect(abs(truth - 0.1) < 1e-12)
    let summary = SequentialSimulation.summarize(
      SequentialSimulation.run(scenario, sampler: kind, runs: runs, seed: 5, stopAtDecision: false), horizon: 4000)
    #expect(summary.violationRate <= Self.bound(delta, runs: runs))
  }

  /// `runEProcesses` (the e-processes alone, for the 10^6-row validity
  /// streams) ever declares a violation and ever detects a disparity exactly
  /// when the full tester does, at the same observation, over seeded streams
  /// of every sampler, with and without the L2 test, at the null, the
  /// boundary and an alternative, with δ large enough (0.3) that both happen.
  @Test(arguments: SamplerKind.allCases)
  func eProcessesAloneAgreeWithTheTester(kind: SamplerKind) {
    let scenarios: [SequentialScenario] = [
      .null(groups: 12, unbalanced: false, delta: 0.3, l2FirstLook: 32, horizon: 2_000),
      .null(groups: 12, unbalanced: true, delta: 0.3, l2FirstLook: nil, horizon: 2_000),
      .boundaryNull(groups: 12, unbalanced: true, alpha: 0.25, tolerance: 0.1, delta: 0.3, horizon: 2_000),
      .alternative(groups: 12, unbalanced: false, gap: 0.2, tolerance: 0, delta: 0.3, l2FirstLook: 32, horizon: 2_000),
    ]
    var violations = 0, detections = 0
    for var scenario in scenarios {
      scenario.configuration.method = .betting
      for r in 0..<20 {
        let blocks = TwoStageBlocks(rows: 8, perRound: 3)
        let full = SequentialSimulation.run(scenario, sampler: kind, replicate: r, seed: 31, stopAtDecision: false,
                                            blocks: blocks)
        let lean = SequentialSimulation.runEProcesses(scenario, sampler: kind, replicate: r, seed: 31, blocks: blocks)
        #expect(full.violationEverDeclared == lean.violationEverDeclared)
        #expect(full.disparityEverDetected == lean.disparityEverDetected)
        #expect(full.observations == lean.observations)
        if full.violationEverDeclared { violations += 1 }
        if full.disparityEverDetected { detections += 1 }
      }
    }
    #expect(violations > 0 && detections > 0)
  }

  /// The simulation can see invalidity: peeking after every observation at a
  /// fixed-sample Wilson interval at level δ (not a confidence sequence)
  /// excludes the true mean in far more than δ of null runs.
  @Test func naivePeekingFails() {
    let delta = 0.1
    let runs = 200
    var rejections = 0
    for r in 0..<runs {
      var generator = Xoshiro256StarStar(seed: 13, stream: UInt64(r))
      var sum = 0.0
      for n in 1...5000 {
        sum += generator.nextUnitDouble() < 0.5 ? 1 : 0
        let interval = ProportionInterval.wilson(successes: sum, trials: n, delta: delta)
        if !interval.contains(0.5) { rejections += 1; break }
      }
    }
    #expect(Double(rejections) / Double(runs) > Self.bound(delta, runs: runs))
  }

  /// Power: with a clear violation every sampler decides `violation`.
  @Test(arguments: SamplerKind.allCases)
  func alternativeIsDetected(kind: SamplerKind) {
    let scenario = SequentialScenario.alternative(groups: 8, unbalanced: false, gap: 0.4, tailShare: 0.25,
                                                  alpha: 0.25, tolerance: 0.05, delta: 0.05, l2FirstLook: nil,
                                                  horizon: 20_000)
    let runs = SequentialSimulation.run(scenario, sampler: kind, runs: 10, seed: 3, stopAtDecision: true)
    #expect(runs.allSatisfy { $0.decision == .violation })
  }

  /// The betting method (e-process on the pooled CVaR contrast), at the
  /// null of no disparity (tolerance 0: every contrast has mean 0) and at the
  /// boundary CVaR = ε0 (known reference), for every sampler: the share of
  /// runs that ever declare a violation, checked after every observation,
  /// is ≤ δ within Monte-Carlo error (δ = 0.3 so that the check can fail).
  @Test(arguments: SamplerKind.allCases, [false, true])
  func bettingIsValid(kind: SamplerKind, boundary: Bool) {
    let delta = 0.3
    let runs = 120
    var scenario = boundary
      ? SequentialScenario.boundaryNull(groups: 10, unbalanced: true, alpha: 0.2, tolerance: 0.1, delta: delta,
                                        horizon: 2000)
      : SequentialScenario.null(groups: 16, unbalanced: true, delta: delta, l2FirstLook: 32, horizon: 2000)
    scenario.configuration.method = .betting
    let summary = SequentialSimulation.summarize(
      SequentialSimulation.run(scenario, sampler: kind, runs: runs, seed: 91, stopAtDecision: false), horizon: 2000)
    #expect(summary.violationRate <= Self.bound(delta, runs: runs))
    #expect(summary.rejectionRate <= Self.bound(delta, runs: runs) + Self.bound(delta, runs: runs))
  }

  /// The averaged violation e-value ((W_cvar + W_L2)/2 without blocks, the
  /// blocks' average for two-stage) at its null of no disparity (Zipf shares,
  /// weights = shares, tolerance 0), for every sampler, adaptive's design
  /// following both contrasts: ever declaring a violation within δ + 3 SE
  /// (δ = 0.3; the measured rate at 2,000 streams is 0.20 ± 0.01 for iid, so
  /// Ville's bound has slack here and a mild error like taking the larger of
  /// the two e-values, 0.32 ± 0.01, is not caught: this checks gross invalidity).
  @Test(arguments: SamplerKind.allCases)
  func averagedViolationIsValid(kind: SamplerKind) {
    let delta = 0.3
    let runs = 150
    var scenario = SequentialScenario.null(groups: 12, unbalanced: true, delta: delta, l2FirstLook: nil,
                                           horizon: 2000, weightsFromShares: true)
    scenario.configuration.method = .betting
    #expect(scenario.configuration.toleranceNullIsNoDisparity)
    let blocks = TwoStageBlocks(rows: 8, perRound: 3)
    let results = (0..<runs).map {
      SequentialSimulation.runEProcesses(scenario, sampler: kind, replicate: $0, seed: 43, blocks: blocks)
    }
    let rate = Double(results.filter(\.violationEverDeclared).count) / Double(runs)
    #expect(rate <= Self.bound(delta, runs: runs), "\(kind): \(rate)")
  }

  /// Power of the betting method where the confidence sequences fail: K =
  /// 256 with the default alternative, 10 seeded runs within 40,000
  /// observations (the sequences at δ/K decide in none of them).
  @Test func bettingDetectsAtManyGroups() {
    var scenario = SequentialScenario.alternative(groups: 256, unbalanced: false, l2FirstLook: nil, horizon: 40_000)
    scenario.configuration.method = .betting
    let runs = SequentialSimulation.run(scenario, sampler: .iid, runs: 10, seed: 3, stopAtDecision: true)
    #expect(runs.allSatisfy { $0.decision == .violation && $0.reason == .eProcess })
  }
}
