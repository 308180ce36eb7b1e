import Testing
import FixtureSupport
@testable import CVaRAudit

@Suite struct ConfidenceIntervalTests {
  @Test func matchStatsmodels() throws {
    let fixture = try Fixtures.json("proportion_intervals.json")
    let cases = fixture["cases"] as! [[String: Any]]
    #expect(cases.count > 200)
    for c in cases {
      let count = (c["count"] as! NSNumberLike).intValue, nobs = (c["nobs"] as! NSNumberLike).intValue
      let alpha = number(c["alpha"])!
      let wilson = (c["wilson"] as! [Any]).map { number($0)! }
      let cp = (c["clopperPearson"] as! [Any]).map { number($0)! }
      let w = ProportionInterval.wilson(successes: Double(count), trials: nobs, delta: alpha)
      #expect(isClose(w.lower, wilson[0], relative: 1e-12, absolute: 1e-15), "wilson \(count)/\(nobs) α \(alpha)")
      #expect(isClose(w.upper, wilson[1], relative: 1e-12, absolute: 1e-15), "wilson \(count)/\(nobs) α \(alpha)")
      let p = ProportionInterval.clopperPearson(successes: count, trials: nobs, delta: alpha)
      #expect(isClose(p.lower, cp[0], relative: 1e-9, absolute: 1e-300), "CP low \(count)/\(nobs) α \(alpha): \(p.lower) vs \(cp[0])")
      #expect(isClose(p.upper, cp[1], relative: 1e-9, absolute: 1e-300), "CP high \(count)/\(nobs) α \(alpha): \(p.upper) vs \(cp[1])")
    }
  }

  @Test func boundedIntervalsContainTheMeanAndShrink() {
    var previous = 1.0
    for n in [2, 10, 100, 1000, 10_000] {
      let h = MeanInterval.hoeffding(mean: 0.4, count: n, delta: 0.05)
      let b = MeanInterval.empiricalBernstein(mean: 0.4, variance: 0.01, count: n, delta: 0.05)
      #expect(h.contains(0.4) && b.contains(0.4))
      #expect(h.upper - h.lower <= previous)
      previous = h.upper - h.lower
    }
    // Hoeffding half-width √(log(2/δ)/(2n)) at n = 100, δ = 0.05.
    let h = MeanInterval.hoeffding(mean: 0.5, count: 100, delta: 0.05)
    #expect(isClose(h.upper - 0.5, (log(40.0) / 200).squareRoot(), relative: 1e-14))
  }

  @Test func undefinedWithoutRows() {
    #expect(IntervalMethod.wilson.interval(SufficientStatistics(), delta: 0.05).lower.isNaN)
    #expect(IntervalMethod.hoeffding.interval(SufficientStatistics(), delta: 0.05).upper.isNaN)
  }
}

import Foundation
typealias NSNumberLike = NSNumber
