import Testing
import FixtureSupport
import CVaRAudit
import Distributions
@testable import CVaRInference

/// Type I error by seeded simulation: under H0 every row's loss is
/// Bernoulli(0.3) whatever its group; the rejection rate at δ = 0.05 must stay
/// below δ + 3·(Monte-Carlo s.e.).
@Suite struct TypeIErrorTests {
  static let settings: [(name: String, sizes: [Int])] = [
    ("K=2 balanced", [Int](repeating: 15, count: 2)),
    ("K=8 balanced", [Int](repeating: 6, count: 8)),
    ("K=24 Zipf with sizes 1, 2", zipfSizes(groups: 24, scale: 60)),
    ("K=64 Zipf with sizes 1, 2", zipfSizes(groups: 64, scale: 120)),
  ]

  static let designs: [(TestStatistic, Calibration)] = [
    (.l2, .permutation), (.max, .permutation), (.cvar, .permutation), (.l2, .bound), (.cvar, .tolerance),
  ]

  @Test(arguments: 0..<4)
  func rejectionRateStaysBelowDelta(setting: Int) throws {
    let (name, sizes) = Self.settings[setting]
    let replicates = 300
    let delta = 0.05
    var rejections = [Int](repeating: 0, count: Self.designs.count)
    var generator = Xoshiro256StarStar(seed: 40, stream: UInt64(setting))
    for replicate in 0..<replicates {
      let errors = sizes.map { binomial($0, 0.3, using: &generator) }
      let table = errorTable(sizes: sizes, errors: errors)
      for (i, (statistic, calibration)) in Self.designs.enumerated() {
        let configuration = DisparityTestConfiguration(
          audit: AuditConfiguration(metric: .errorRate, alpha: 0.2), statistic: statistic, calibration: calibration,
          permutations: 99, seed: UInt64(replicate), delta: delta, tolerance: 0)
        let result = try DisparityTest.run(table, configuration: configuration)
        #expect(result.pValue > 0 && result.pValue <= 1)
        if result.decision == .violation { rejections[i] += 1 }
      }
    }
    let limit = delta + 3 * (delta * (1 - delta) / Double(replicates)).squareRoot()
    for (i, design) in Self.designs.enumerated() {
      let rate = Double(rejections[i]) / Double(replicates)
      #expect(rate <= limit, "\(name), \(design.0.rawValue)/\(design.1.rawValue): type I error \(rate) > \(limit)")
    }
  }

  /// The joint (fpr, fnr) and (error, selection) tests under H0: rows' labels
  /// and predictions drawn independently of the group.
  @Test func jointTestRejectionRate() {
    let sizes = zipfSizes(groups: 12, scale: 80)
    let replicates = 200
    var generator = Xoshiro256StarStar(seed: 41)
    var rejections = [0, 0]
    let cellProbabilities = [0.45, 0.15, 0.1, 0.3]
    for replicate in 0..<replicates {
      var confusion = [Int](repeating: 0, count: 4 * sizes.count)
      for (g, n) in sizes.enumerated() {
        for _ in 0..<n {
          var u = generator.nextUnitDouble()
          var cell = 0
          while cell < 3 && u >= cellProbabilities[cell] { u -= cellProbabilities[cell]; cell += 1 }
          confusion[4 * g + cell] += 1
        }
      }
      for (i, metrics) in [[Metric.falsePositiveRate, .falseNegativeRate], [.errorRate, .selectionRate]].enumerated() {
        let test = JointPermutationTest(metrics: metrics, confusion: confusion,
                                        weights: [Double](repeating: 1, count: sizes.count))
        let p = test.pValue(permutations: 99, seed: UInt64(replicate)).value
        #expect(p > 0 && p <= 1)
        if p <= 0.05 { rejections[i] += 1 }
      }
    }
    let limit = 0.05 + 3 * (0.05 * 0.95 / Double(replicates)).squareRoot()
    #expect(Double(rejections[0]) / Double(replicates) <= limit)
    #expect(Double(rejections[1]) / Double(replicates) <= limit)
  }

  /// Under a real disparity the tests do reject (so the checks above can fail).
  @Test func detectsALargeDisparity() throws {
    let sizes = [Int](repeating: 40, count: 8)
    let errors = [36, 8, 10, 9, 12, 8, 11, 10]
    let table = errorTable(sizes: sizes, errors: errors)
    for (statistic, calibration) in TypeIErrorTests.designs {
      let result = try DisparityTest.run(table, configuration: DisparityTestConfiguration(
        audit: AuditConfiguration(metric: .errorRate, alpha: 0.2), statistic: statistic, calibration: calibration,
        permutations: 999, seed: 1, delta: 0.05, tolerance: 0))
      #expect(result.decision == .violation, "\(statistic)/\(calibration): p = \(result.pValue)")
    }
  }
}
