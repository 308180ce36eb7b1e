import CVaRAudit
import Distributions
import FixtureSupport
import Testing
@testable import CVaRSequential

/// The pool of issue 15, item 3: group 0 has 41,650 rows at loss mean 0.3
/// (12,495 ones), groups 1–9 have 500 rows at 0.1 each. The population mean
/// is 12,945/46,150 = 0.28050, so with uniform weights and α = 0.1 (the tail
/// is group 0) the population CVaR is 0.0195 < ε0 = 0.05. A stratified
/// sampler draws the groups equally, so a pooled reference estimated the
/// mixture mean 0.12 instead and declared a violation after about 3,600
/// labels (while the i.i.d. order ended withinTolerance).
private func issuePool() -> LabelPool {
  var pool = LabelPool(groupCount: 10)
  for i in 0..<41_650 { pool.append(group: 0, loss: i < 12_495 ? 1 : 0) }
  for g in 1..<10 { for i in 0..<500 { pool.append(group: g, loss: i < 50 ? 1 : 0) } }
  return pool
}

private func configuration(_ pool: LabelPool, tolerance: Double = 0.05,
                           reference: SequentialReference? = nil) -> SequentialConfiguration {
  SequentialConfiguration(groupKeys: (0..<pool.losses.count).map { ["g\($0)"] },
                          weights: Array(repeating: 1, count: pool.losses.count), alpha: 0.1,
                          tolerance: tolerance, delta: 0.05, reference: reference ?? .population(pool.shares))
}

@Suite struct ActiveAuditTests {
  @Test func issuePoolHasPopulationCVaRBelowTolerance() {
    let pool = issuePool()
    let means = pool.losses.map { $0.reduce(0, +) / Double($0.count) }
    let mean = zip(pool.shares, means).reduce(0) { $0 + $1.0 * $1.1 }
    #expect(isClose(mean, 12_945.0 / 46_150, relative: 1e-12))
    let cvar = CVaR.value(of: means.map { $0 - mean }, weights: Array(repeating: 1, count: 10), alpha: 0.1)
    #expect(abs(cvar - 0.0195) < 5e-5)
  }

  /// With the population reference (the default of `active`) no sampler
  /// declares a violation on the issue's pool, over several seeds, and the
  /// i.i.d. order does not either.
  @Test(arguments: [SamplerKind.iid, .stratified, .twoStage, .adaptive])
  func noFalseViolationOnTheIssuePool(kind: SamplerKind) {
    let pool = issuePool()
    for seed: UInt64 in 1...3 {
      let run = ActiveAudit.run(pool: pool, configuration: configuration(pool), sampler: kind, seed: seed)
      #expect(!run.violationEverDeclared, "\(kind) seed \(seed)")
      #expect(run.decision != .violation)
      #expect(run.configuration.groupSizes == pool.sizes)
      let baseline = ActiveAudit.runInRandomOrder(pool: pool, configuration: configuration(pool), seed: seed)
      #expect(baseline.decision != .violation)
    }
  }

  /// Drawn to exhaustion (ε0 = 1 cannot be reached from below by a lower
  /// bound, and the tester keeps updating after its decision): every group's
  /// interval is its pool mean, the population reference is the pool mean,
  /// and the CVaR interval is the pool's CVaR.
  @Test(arguments: [SamplerKind.iid, .stratified, .twoStage, .adaptive])
  func exhaustedPoolIsKnownExactly(kind: SamplerKind) {
    var generator = Xoshiro256StarStar(seed: 41)
    var pool = LabelPool(groupCount: 6)
    for g in 0..<6 {
      let size = 3 + Int(generator.nextUnitDouble() * 200)
      let p = 0.1 + 0.15 * Double(g)
      for _ in 0..<size { pool.append(group: g, loss: generator.nextUnitDouble() < p ? 1 : 0) }
    }
    var tester = SequentialTester(configuration: configuration(pool, tolerance: 1).drawingWithoutReplacement(from: pool))
    // Feed the pool in a sampler's order until exhaustion.
    var remaining = pool.losses
    var sampler = GroupSampler(kind: kind, populationShares: pool.shares, weights: tester.configuration.weights, seed: 3)
    while let g = sampler.next(tester: tester) {
      tester.observe(group: g, loss: remaining[g].removeLast())
      if remaining[g].isEmpty { sampler.exhaust(g) }
    }
    #expect(tester.observations == pool.rowCount)
    let means = pool.losses.map { $0.reduce(0, +) / Double($0.count) }
    for g in 0..<6 {
      #expect(tester.groups[g].isExhausted)
      #expect(tester.groups[g].lower == tester.groups[g].upper)
      #expect(abs(tester.groups[g].lower - means[g]) < 1e-12)
    }
    let mean = zip(pool.shares, means).reduce(0) { $0 + $1.0 * $1.1 }
    #expect(abs(tester.referenceInterval.lower - mean) < 1e-12 && abs(tester.referenceInterval.upper - mean) < 1e-12)
    let cvar = CVaR.value(of: means.map { $0 - mean }, weights: tester.configuration.weights, alpha: 0.1)
    let s = tester.snapshot()
    #expect(abs(s.cvarInterval.lower - cvar) < 1e-12 && abs(s.cvarInterval.upper - cvar) < 1e-12)
    #expect(tester.emptiedGroups.isEmpty)
  }

  /// The `iid` sampler draws a uniform row from the whole pool: seeded
  /// (same seed, same run), a pooled reference is allowed and runs without
  /// replacement over all N rows; its order is not the baseline's.
  @Test func iidIsAUniformDrawFromThePool() {
    let pool = issuePool()
    let config = configuration(pool, tolerance: 1, reference: .pooled)
    let a = ActiveAudit.run(pool: pool, configuration: config, sampler: .iid, seed: 8)
    let b = ActiveAudit.run(pool: pool, configuration: config, sampler: .iid, seed: 8)
    #expect(a.groups == b.groups && a.referenceSequence == b.referenceSequence)
    #expect(a.referenceSequence?.populationSize == pool.rowCount)
    #expect(a.decision == .withinTolerance)
    let baseline = ActiveAudit.runInRandomOrder(pool: pool, configuration: config, seed: 8)
    #expect(baseline.groups != a.groups)
  }
}
