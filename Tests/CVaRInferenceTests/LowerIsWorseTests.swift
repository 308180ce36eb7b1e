import Testing
import FixtureSupport
import CVaRAudit
import Distributions
@testable import CVaRInference

/// Tests of a metric where a lower rate is worse (Δ_g = μ_ref − μ_g).
@Suite struct LowerIsWorseTests {
  /// A table of label-1 rows only: group g has `sizes[g]` rows, `hits[g]` of them predicted 1.
  static func recallTable(sizes: [Int], hits: [Int]) -> GroupTable {
    twoCellTable(sizes: sizes, counts: hits, cell: (1, 1), rest: (1, 0))
  }

  /// tpr with lower-is-worse is fnr with higher-is-worse: the same
  /// disparities, and per-group exact p-values equal (the lower tail of the
  /// hits is the upper tail of the misses).
  @Test func perGroupPValuesMirrorTheComplement() throws {
    let sizes = [40, 35, 12, 60, 5, 1, 22]
    let hits = [30, 12, 11, 45, 1, 1, 20]
    let table = Self.recallTable(sizes: sizes, hits: hits)
    func run(_ metric: Metric, _ kind: DisparityKind) throws -> DisparityTestResult {
      try DisparityTest.run(table, configuration: DisparityTestConfiguration(
        audit: AuditConfiguration(metric: metric, alpha: 0.3, disparity: kind), statistic: .cvar,
        calibration: .permutation, permutations: 999, seed: 3))
    }
    let lower = try run(.truePositiveRate, .oneSidedLower)
    let higher = try run(.falseNegativeRate, .oneSided)
    #expect(lower.groups.map(\.key) == higher.groups.map(\.key))
    for (a, b) in zip(lower.groups, higher.groups) {
      #expect(isClose(a.disparity, b.disparity, relative: 1e-12, absolute: 1e-12))
      #expect(isClose(a.pValue, b.pValue, relative: 1e-12, absolute: 1e-300), "\(a.key): \(a.pValue) vs \(b.pValue)")
    }
    #expect(isClose(lower.value, higher.value, relative: 1e-12, absolute: 1e-12))
    // Group 1 (12 of 35) is the low one: significant only with lower-is-worse.
    let upper = try run(.truePositiveRate, .oneSided)
    let g1 = lower.groups.first { $0.key == ["1"] }!
    #expect(g1.pValue < 1e-4)
    #expect(upper.groups.first { $0.key == ["1"] }!.pValue > 0.99)
  }

  /// Type I error of the lower-is-worse tests under H0 (every row predicted 1
  /// with probability 0.7 whatever its group): the rejection rate at δ = 0.05
  /// stays below δ + 3·(Monte-Carlo s.e.).
  @Test func rejectionRateStaysBelowDelta() throws {
    let sizes = zipfSizes(groups: 16, scale: 80)
    let replicates = 300
    let designs: [(TestStatistic, Calibration)] = [(.cvar, .permutation), (.max, .permutation), (.cvar, .tolerance)]
    var rejections = [Int](repeating: 0, count: designs.count)
    var generator = Xoshiro256StarStar(seed: 44)
    for replicate in 0..<replicates {
      let hits = sizes.map { binomial($0, 0.7, using: &generator) }
      let table = Self.recallTable(sizes: sizes, hits: hits)
      for (i, (statistic, calibration)) in designs.enumerated() {
        let result = try DisparityTest.run(table, configuration: DisparityTestConfiguration(
          audit: AuditConfiguration(metric: .truePositiveRate, alpha: 0.2, disparity: .oneSidedLower),
          statistic: statistic, calibration: calibration, permutations: 99, seed: UInt64(replicate), delta: 0.05,
          tolerance: 0))
        #expect(result.pValue > 0 && result.pValue <= 1)
        if result.decision == .violation { rejections[i] += 1 }
      }
    }
    let limit = 0.05 + 3 * (0.05 * 0.95 / Double(replicates)).squareRoot()
    for (i, design) in designs.enumerated() {
      let rate = Double(rejections[i]) / Double(replicates)
      #expect(rate <= limit, "\(design.0.rawValue)/\(design.1.rawValue): type I error \(rate) > \(limit)")
    }
  }
}
