import CVaRAudit
import Distributions
import FixtureSupport
import Testing
@testable import CVaRSequential

@Suite struct SequentialL2TestTests {
  @Test func thresholdMatchesOracle() throws {
    let fixture = try Fixtures.json("sequential.json")
    let cases = try #require(fixture["l2Thresholds"] as? [[String: Any]])
    for c in cases {
      let counts = try #require(c["counts"] as? [Int])
      let weights = try #require(c["weights"] as? [Any]).compactMap(number)
      let n = try #require(c["observations"] as? Int)
      let level = try #require(number(c["level"]))
      // The oracle renormalises over groups with n_g ≥ 2, as DisparityStatistics.l2 does.
      let stats = counts.map { SufficientStatistics(count: $0, positives: $0 / 2) }
      let effective = DisparityStatistics.l2(stats, weights: weights, reference: 0.5).effectiveWeights
      let t = SequentialL2Test.threshold(counts: counts, weights: effective, observations: n, level: level)
      #expect(isClose(t, try #require(number(c["threshold"])), relative: 1e-12))
      // The oracle's Monte-Carlo null rejection rate is below the level.
      #expect(try #require(number(c["monteCarloRejectionRate"])) <= level)
    }
  }

  /// Looks at n₀·2^(k−1) with δ_k = 6δ/(π²k²), summing to at most δ.
  @Test func schedule() {
    var test = SequentialL2Test(level: 0.05, firstLook: 10)
    var total = 0.0
    for k in 1...30 {
      #expect(test.nextLook == 10 << (k - 1))
      let stats = [SufficientStatistics(count: test.nextLook / 2, positives: 1),
                   SufficientStatistics(count: test.nextLook - test.nextLook / 2, positives: 1)]
      let look = test.look(statistics: stats, weights: [0.5, 0.5], observations: test.nextLook)
      #expect(look.index == k)
      total += look.level
    }
    #expect(total <= 0.05)
    #expect(isClose(SequentialL2Test.lookLevel(1, total: 0.05), 6 * 0.05 / (Double.pi * Double.pi)))
  }

  /// A large disparity is rejected at a look; equal groups with no noise are not.
  @Test func rejectsLargeDisparity() {
    var test = SequentialL2Test(level: 0.05, firstLook: 4000)
    let stats = [SufficientStatistics(count: 2000, positives: 200), SufficientStatistics(count: 2000, positives: 1800)]
    #expect(test.look(statistics: stats, weights: [0.5, 0.5], observations: 4000).rejected)
    var other = SequentialL2Test(level: 0.05, firstLook: 4000)
    let equal = [SufficientStatistics(count: 2000, positives: 600), SufficientStatistics(count: 2000, positives: 600)]
    #expect(!other.look(statistics: equal, weights: [0.5, 0.5], observations: 4000).rejected)
  }
}
