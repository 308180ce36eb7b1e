import Testing
import FixtureSupport
import Foundation
import CVaRAudit
import Distributions
@testable import CVaRInference

@Suite struct L2BoundTests {
  static func reference(_ text: String) -> L2Bound.Reference {
    switch text {
    case "known": .known
    case "pooled": .pooled
    default: .group(Int(text.dropFirst("group:".count))!)
    }
  }

  /// E[T] and Var(T) of the closed form equal exact enumeration of Bernoulli
  /// data (`Tests/Oracles/make_l2_bound_fixtures.py`), and the bounds (m, V)
  /// used by the p-value are at least as large.
  @Test func momentsMatchExactEnumeration() throws {
    let cases = try #require(try Fixtures.json("l2_bound_moments.json")["cases"] as? [[String: Any]])
    #expect(cases.count == 48)
    for c in cases {
      let sizes = try #require(c["sizes"] as? [Int])
      let weights = try #require((c["weights"] as? [Any])?.compactMap(number))
      let p = try #require(number(c["p"]))
      let text = try #require(c["reference"] as? String)
      let bound = L2Bound(sizes: sizes, weights: weights, reference: Self.reference(text))
      let sigma2 = p * (1 - p)
      let kappa = sigma2 * (1 - 3 * p + 3 * p * p)
      let (mean, variance) = bound.moments(variance: sigma2, fourthMoment: kappa)
      let expectedMean = try #require(number(c["mean"]))
      let expectedVariance = try #require(number(c["variance"]))
      #expect(isClose(mean, expectedMean, relative: 1e-12, absolute: 1e-16), "\(sizes) \(text) p=\(p): mean \(mean)")
      #expect(isClose(variance, expectedVariance, relative: 1e-12, absolute: 1e-17), "\(sizes) \(text) p=\(p): var \(variance)")
      #expect(bound.meanBound >= expectedMean - 1e-16)
      #expect(bound.variance >= expectedVariance * (1 - 1e-12))
    }
  }

  /// With a known reference the bound is the familiar Σ w̃²/(8 n(n − 1)).
  @Test func knownReferenceIsTheUStatisticVariance() {
    let bound = L2Bound(sizes: [5, 8, 1], weights: [0.25, 0.75, 0], reference: .known)
    let expected: Double = 0.0625 / 160 + 0.5625 / 448
    #expect(isClose(bound.variance, expected))
    #expect(bound.meanBound == 0)
    #expect(bound.pValue(0) == 1)
    #expect(isClose(bound.pValue(0.1), bound.variance / (bound.variance + 0.01)))
  }

  /// Type I error of `--calibration bound` under H0 (every row Bernoulli(0.3)),
  /// for the two layouts with a small named reference group (the old
  /// bound, which assumed E[T] ≤ 0 and a known reference, rejected in 70% and
  /// 49% of them), and for the pooled and known references.
  @Test(arguments: 0..<4)
  func rejectionRateStaysBelowDelta(setting: Int) throws {
    let layouts: [(sizes: [Int], reference: Reference)] = [
      ([10] + [Int](repeating: 500, count: 39), .group(["0"])),
      ([20] + [Int](repeating: 200, count: 29), .group(["0"])),
      ([10] + [Int](repeating: 500, count: 39), .pooled),
      ([10] + [Int](repeating: 500, count: 39), .value(0.3)),
    ]
    let (sizes, reference) = layouts[setting]
    let replicates = 1_000
    let delta = 0.05
    var generator = Xoshiro256StarStar(seed: 43, stream: UInt64(setting))
    var rejections = 0
    for _ in 0..<replicates {
      let errors = sizes.map { Binomial.sample(count: $0, probability: 0.3, using: &generator) }
      let result = try DisparityTest.run(errorTable(sizes: sizes, errors: errors), configuration: DisparityTestConfiguration(
        audit: AuditConfiguration(metric: .errorRate, reference: reference), statistic: .l2, calibration: .bound, delta: delta))
      #expect(result.pValue > 0 && result.pValue <= 1)
      if result.decision == .violation { rejections += 1 }
    }
    let rate = Double(rejections) / Double(replicates)
    let limit = delta + 3 * (delta * (1 - delta) / Double(replicates)).squareRoot()
    #expect(rate <= limit, "\(reference): type I error \(rate) > \(limit)")
  }

  /// The bound still rejects a real disparity against a named group.
  @Test func detectsADisparityAgainstAReferenceGroup() throws {
    let sizes = [200] + [Int](repeating: 200, count: 9)
    let errors = [40] + [Int](repeating: 120, count: 9)
    let result = try DisparityTest.run(errorTable(sizes: sizes, errors: errors), configuration: DisparityTestConfiguration(
      audit: AuditConfiguration(metric: .errorRate, reference: .group(["0"])), statistic: .l2, calibration: .bound))
    #expect(result.decision == .violation, "p = \(result.pValue)")
  }
}
