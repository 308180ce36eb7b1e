import CVaRAudit
import Distributions
import FixtureSupport
import Foundation
import Testing
@testable import CVaRSequential

/// The decision an exact evaluation after every observation would give: the
/// reference the lazy tester must agree with.
private func bruteForceDecision(_ tester: SequentialTester) -> SequentialDecision? {
  let s = tester.snapshot()
  if s.cvarInterval.lower > tester.configuration.tolerance { return .violation }
  if s.cvarInterval.upper < tester.configuration.tolerance { return .withinTolerance }
  return nil
}

@Suite struct SequentialTesterTests {
  /// Property: over many seeded configurations and streams, the first
  /// decision (and its observation) of the O(1)-amortized tester equals that
  /// of an exact CVaR evaluation after every observation. References: known,
  /// pooled, population; every other trial draws without replacement from
  /// small pools to exhaustion (known means, bounds that jump).
  @Test func lazyEvaluationIsExact() {
    var generator = Xoshiro256StarStar(seed: 2024)
    var decided = 0
    for trial in 0..<60 {
      let k = 2 + Int(generator.nextUnitDouble() * 12)
      let weights = (0..<k).map { _ in 0.1 + generator.nextUnitDouble() }
      let alpha = [0.1, 0.25, 0.5, 1.0][trial % 4]
      let kind: DisparityKind = trial % 3 == 0 ? .twoSided : .oneSided
      let shares = (0..<k).map { _ in 0.05 + generator.nextUnitDouble() }
      let reference: SequentialReference = [.value(0.3), .pooled, .population(shares)][trial % 3]
      let tolerance = [0.0, 0.05, 0.15, 0.3][(trial / 4) % 4]
      let finite = trial % 2 == 1
      let sizes = (0..<k).map { _ in 5 + Int(generator.nextUnitDouble() * 150) }
      let config = SequentialConfiguration(
        groupKeys: (0..<k).map { ["\($0)"] }, weights: weights, alpha: alpha, tolerance: tolerance, delta: 0.1,
        disparity: kind, reference: reference, groupSizes: finite ? sizes : nil)
      let means = (0..<k).map { _ in 0.1 + 0.6 * generator.nextUnitDouble() }
      var left = sizes
      var tester = SequentialTester(configuration: config)
      var expected: (SequentialDecision, Int)? = nil
      for n in 1...3000 {
        var g = Int(generator.nextUnitDouble() * Double(k))
        if finite {
          let open = left.indices.filter { left[$0] > 0 }
          if open.isEmpty { break }
          g = open[g % open.count]
          left[g] -= 1
        }
        tester.observe(group: g, loss: generator.nextUnitDouble() < means[g] ? 1 : 0)
        if expected == nil, let d = bruteForceDecision(tester) { expected = (d, n) }
        if expected != nil { break }
      }
      if let (d, n) = expected {
        decided += 1
        #expect(tester.decision == d, "trial \(trial)")
        #expect(tester.decisionObservation == n, "trial \(trial)")
      } else {
        #expect(tester.decision == .continue, "trial \(trial)")
      }
      #expect(tester.exactEvaluations <= tester.observations + 1)
    }
    // Both kinds of decision occur, so the comparison is not vacuous.
    #expect(decided >= 20 && decided <= 58, "\(decided)")
  }

  /// The interval holds the CVaR of the true disparities (known reference) and
  /// lower ≤ estimate ≤ upper.
  @Test func snapshotBrackets() {
    let config = SequentialConfiguration(groupKeys: [["a"], ["b"], ["c"]], weights: [1, 1, 1], alpha: 0.34,
                                         tolerance: 0.5, delta: 0.05, reference: .value(0.2))
    var tester = SequentialTester(configuration: config)
    var generator = Xoshiro256StarStar(seed: 5)
    let means = [0.2, 0.25, 0.5]
    for i in 0..<30_000 { let g = i % 3; tester.observe(group: g, loss: generator.nextUnitDouble() < means[g] ? 1 : 0) }
    let s = tester.snapshot()
    let truth = CVaR.value(of: means.map { $0 - 0.2 }, weights: [1, 1, 1], alpha: 0.34)
    #expect(s.cvarInterval.lower <= truth && truth <= s.cvarInterval.upper)
    #expect(s.cvarInterval.lower <= s.cvar && s.cvar <= s.cvarInterval.upper)
    #expect(s.tailGroups.first == 2)
    #expect(tester.decision == .withinTolerance)
  }

  @Test func budgetExhausted() {
    let config = SequentialConfiguration(groupKeys: [["a"], ["b"]], weights: [1, 1], alpha: 0.5, tolerance: 0.05,
                                         delta: 0.05, budget: 25)
    var tester = SequentialTester(configuration: config)
    for i in 0..<40 { tester.observe(group: i % 2, loss: 0.5) }
    #expect(tester.decision == .budgetExhausted)
    #expect(tester.decisionObservation == 25)
    #expect(tester.reason == .budget)
  }

  /// δ split: δ/(K+1) per sequence with a pooled reference, δ/K with a known
  /// one, halved when the L2 test is on.
  @Test func deltaSplit() {
    let keys = (0..<9).map { ["\($0)"] }
    let w = [Double](repeating: 1, count: 9)
    #expect(isClose(SequentialConfiguration(groupKeys: keys, weights: w, alpha: 0.1, tolerance: 0, delta: 0.1)
      .confidenceSequenceLevel, 0.01))
    #expect(isClose(SequentialConfiguration(groupKeys: keys, weights: w, alpha: 0.1, tolerance: 0, delta: 0.09,
                                            reference: .value(0.5)).confidenceSequenceLevel, 0.01))
    let withL2 = SequentialConfiguration(groupKeys: keys, weights: w, alpha: 0.1, tolerance: 0, delta: 0.1, l2FirstLook: 64)
    #expect(isClose(withL2.confidenceSequenceLevel, 0.005) && withL2.l2Level == 0.05)
  }

  /// Save, restore, continue: identical to never stopping.
  @Test func stateRoundTrip() throws {
    let config = SequentialConfiguration(groupKeys: (0..<5).map { ["\($0)"] }, weights: [1, 2, 3, 4, 5], alpha: 0.2,
                                         tolerance: 0.1, delta: 0.05, l2FirstLook: 64, label: "x")
    var a = SequentialTester(configuration: config)
    var generator = Xoshiro256StarStar(seed: 9)
    var stream: [(Int, Double)] = []
    for _ in 0..<4000 { let g = Int(generator.nextUnitDouble() * 5); stream.append((g, generator.nextUnitDouble())) }
    for (g, l) in stream.prefix(1500) { a.observe(group: g, loss: l) }
    var b = try SequentialTester(restoring: try a.encodedState(), configuration: config)
    for (g, l) in stream.dropFirst(1500) { a.observe(group: g, loss: l); b.observe(group: g, loss: l) }
    #expect(a.decision == b.decision && a.decisionObservation == b.decisionObservation)
    #expect(a.groups == b.groups && a.referenceSequence == b.referenceSequence && a.l2Test == b.l2Test)
    #expect(a.snapshot() == b.snapshot())
  }

  @Test func stateFromAnotherConfigurationIsRefused() throws {
    let config = SequentialConfiguration(groupKeys: [["a"], ["b"]], weights: [1, 1], alpha: 0.2, tolerance: 0.1, delta: 0.05)
    var other = config
    other.delta = 0.01
    other.tolerance = 0.2
    let data = try SequentialTester(configuration: config).encodedState()
    #expect(throws: SequentialStateError.configurationMismatch(["tolerance (0.1 vs 0.2)", "delta (0.05 vs 0.01)"])) {
      _ = try SequentialTester(restoring: data, configuration: other)
    }
    #expect(throws: SequentialStateError.self) {
      _ = try SequentialTester(restoring: Data("{\"a\": 1}".utf8), configuration: config)
    }
  }

  /// Issue 15, item 2: the L2 test's rejection is `disparityDetected`, never
  /// `violation`. 64 balanced groups, 13 at 0.4 and 51 at 0.3, α = 0.1,
  /// ε0 = 0.1: the true CVaR is 0.0797 < ε0, so a violation would be false.
  /// The L2 test rejects no disparity (at 262,144 observations); the old
  /// tester reported that as `violation` in every run.
  @Test func l2RejectionIsNotAViolation() {
    let scenario = SequentialScenario.alternative(groups: 64, unbalanced: false, gap: 0.1, tailShare: 0.2,
                                                  alpha: 0.1, tolerance: 0.1, delta: 0.05, l2FirstLook: 256,
                                                  horizon: 300_000)
    #expect(scenario.means.filter { $0 > 0.3 }.count == 13)
    #expect(isClose(scenario.trueCVaR, 0.0796875, relative: 1e-12))
    let runs = SequentialSimulation.run(scenario, sampler: .iid, runs: 3, seed: 15, stopAtDecision: false)
    for run in runs {
      #expect(!run.violationEverDeclared)
      #expect(run.disparityEverDetected)
      #expect(run.decision == .disparityDetected && run.reason == .l2Test)
    }
  }

  /// Issue 15, item 3: rows sorted by group. Five groups of 4,000 rows with
  /// means 0.1, 0.3, 0.3, 0.3, 0.33 in that order; α = 0.4, ε0 = 0.06. The
  /// population mean is 0.266 and the true CVaR 0.049 < ε0. The pooled
  /// sequence's running intersection empties (its stream's mean jumps) and,
  /// as before the fix, it declares a violation; the population reference
  /// does not, and its interval covers the truth at the end.
  @Test func rowsSortedByGroup() {
    let means = [0.1, 0.3, 0.3, 0.3, 0.33]
    let size = 4000
    let truth = CVaR.value(of: means.map { $0 - 0.266 }, weights: [1, 1, 1, 1, 1], alpha: 0.4)
    #expect(isClose(truth, 0.049, relative: 1e-9))
    func tester(_ reference: SequentialReference) -> SequentialTester {
      let config = SequentialConfiguration(groupKeys: (0..<5).map { ["g\($0)"] }, weights: [1, 1, 1, 1, 1],
                                           alpha: 0.4, tolerance: 0.06, delta: 0.05, reference: reference)
      var t = SequentialTester(configuration: config)
      for (g, m) in means.enumerated() {
        // Exactly round(m·size) ones, spread evenly through the group.
        for i in 0..<size {
          t.observe(group: g, loss: (Double(i + 1) * m).rounded(.down) > (Double(i) * m).rounded(.down) ? 1 : 0)
        }
      }
      return t
    }
    let population = tester(.population([0.2, 0.2, 0.2, 0.2, 0.2]))
    #expect(!population.violationEverDeclared)
    #expect(population.emptiedGroups.isEmpty)
    #expect(population.snapshot().cvarInterval.contains(truth))
    #expect(population.referenceInterval.contains(0.266))
    let pooled = tester(.pooled)
    #expect(pooled.referenceEmptiedAt != nil)
    #expect(pooled.violationEverDeclared)
  }
}
