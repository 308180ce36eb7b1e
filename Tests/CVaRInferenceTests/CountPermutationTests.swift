import Testing
import FixtureSupport
import Foundation
import CVaRAudit
import Distributions
@testable import CVaRInference

@Suite struct CountPermutationTests {
  /// The batched (BLAS) statistics equal `DisparityStatistics` on the same counts.
  @Test(arguments: [TestStatistic.l2, .max, .cvar])
  func batchedStatisticsMatchDisparityStatistics(statistic: TestStatistic) {
    var generator = Xoshiro256StarStar(seed: 31)
    for trial in 0..<40 {
      let k = 2 + trial % 37
      let sizes = (0..<k).map { _ in 1 + Int(generator.next(upperBound: UInt64(60))) }
      let counts = sizes.map { Int(generator.next(upperBound: UInt64($0 + 1))) }
      let weights = (0..<k).map { _ in 0.1 + generator.nextUnitDouble() }
      let reference: PermutedReference = trial % 3 == 0 ? .group(trial % k) : .fixed(generator.nextUnitDouble())
      let test = CountPermutationTest(statistic: statistic, sizes: sizes, counts: counts, weights: weights,
                                      reference: reference, disparity: trial % 2 == 0 ? .oneSided : .twoSided, alpha: 0.2)
      // Several rows at once: the counts and random multivariate-hypergeometric rows.
      var rows = [counts]
      for _ in 0..<4 { rows.append(MultivariateHypergeometric.sample(colours: sizes, draws: counts.reduce(0, +), using: &generator)) }
      var x = rows.flatMap { $0.map(Double.init) }
      var y = x
      var out = [Double](repeating: 0, count: rows.count)
      x.withUnsafeMutableBufferPointer { xb in
        y.withUnsafeMutableBufferPointer { yb in
          out.withUnsafeMutableBufferPointer { test.statistics(batch: xb, rows: rows.count, scratch: yb, into: $0) }
        }
      }
      for (row, value) in zip(rows, out) {
        let direct = test.statistic(counts: row)
        #expect(isClose(value, direct, relative: 1e-9, absolute: 1e-13), "\(statistic) trial \(trial)")
      }
    }
  }

  @Test func pValuesLieInZeroOneAndRepeatWithTheSeed() {
    var generator = Xoshiro256StarStar(seed: 32)
    for trial in 0..<60 {
      let k = 2 + trial % 11
      let sizes = (0..<k).map { _ in 1 + Int(generator.next(upperBound: UInt64(30))) }
      let counts = sizes.map { Int(generator.next(upperBound: UInt64($0 + 1))) }
      let statistic = TestStatistic.allCases[trial % 3]
      let test = CountPermutationTest(statistic: statistic, sizes: sizes, counts: counts,
                                      weights: [Double](repeating: 1, count: k), reference: .fixed(0.3),
                                      disparity: .oneSided, alpha: 0.25)
      let b = 1 + trial * 3
      let p = test.pValue(permutations: b, seed: UInt64(trial))
      #expect(p.value > 0 && p.value <= 1)
      #expect(p.value >= 1 / Double(b + 1))
      #expect(p == test.pValue(permutations: b, seed: UInt64(trial)))
    }
  }

  /// Against numpy's multivariate_hypergeometric (200,000 permutations per
  /// case): agreement within 4 Monte-Carlo standard errors of the difference.
  @Test func pValuesAgreeWithNumpy() throws {
    let fixture = try Fixtures.json("permutation_pvalues.json")
    let cases = try #require(fixture["cases"] as? [[String: Any]])
    #expect(cases.count == 9)
    for c in cases {
      let sizes = (c["sizes"] as! [NSNumber]).map(\.intValue)
      let counts = (c["counts"] as! [NSNumber]).map(\.intValue)
      let statistic = TestStatistic(rawValue: c["statistic"] as! String)!
      let r = Double(counts.reduce(0, +)) / Double(sizes.reduce(0, +))
      let test = CountPermutationTest(statistic: statistic, sizes: sizes, counts: counts,
                                      weights: [Double](repeating: 1, count: sizes.count), reference: .fixed(r),
                                      disparity: .oneSided, alpha: number(c["alpha"])!)
      #expect(isClose(test.observed, number(c["observed"])!, relative: 1e-10, absolute: 1e-14))
      let b = 9_999
      let p = test.pValue(permutations: b, seed: 2024).value
      let expected = number(c["pValue"])!
      let bNumpy = Double((c["permutations"] as! NSNumber).intValue)
      let se = (expected * (1 - expected) * (1 / Double(b) + 1 / bNumpy)).squareRoot()
      #expect(abs(p - expected) <= 4 * se + 1e-4, "\(c["name"]!) \(statistic): \(p) vs numpy \(expected)")
    }
  }
}

@Suite struct GroupPValueTests {
  @Test func hypergeometricTailsAgreeWithScipy() throws {
    let fixture = try Fixtures.json("group_pvalues.json")
    let cases = try #require(fixture["cases"] as? [[String: Any]])
    for c in cases {
      let n = (c["population"] as! NSNumber).intValue, m = (c["successes"] as! NSNumber).intValue
      let s = (c["draws"] as! NSNumber).intValue, k = (c["k"] as! NSNumber).intValue
      #expect(isClose(Hypergeometric.upperTail(k, population: n, successes: m, draws: s), number(c["upperTail"])!,
                      relative: 1e-8, absolute: 1e-15), "\(c)")
      #expect(isClose(Hypergeometric.twoSidedPValue(k, population: n, successes: m, draws: s), number(c["twoSided"])!,
                      relative: 1e-8, absolute: 1e-15), "\(c)")
    }
  }

  @Test func holmAndBenjaminiHochbergAgreeWithStatsmodels() throws {
    let fixture = try Fixtures.json("multitest.json")
    let cases = try #require(fixture["cases"] as? [[String: Any]])
    for c in cases {
      let p = (c["p"] as! [NSNumber]).map(\.doubleValue)
      let holm = (c["holm"] as! [NSNumber]).map(\.doubleValue)
      let bh = (c["bh"] as! [NSNumber]).map(\.doubleValue)
      for (a, e) in zip(MultipleTesting.holm(p), holm) { #expect(isClose(a, e, relative: 1e-12, absolute: 1e-15)) }
      for (a, e) in zip(MultipleTesting.benjaminiHochberg(p), bh) { #expect(isClose(a, e, relative: 1e-12, absolute: 1e-15)) }
    }
  }
}
