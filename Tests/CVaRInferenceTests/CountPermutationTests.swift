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

  /// The p-values do not depend on the number of threads: permutation b
  /// always draws from stream b + 1 and the chunks' counts are added in a
  /// fixed order.
  @Test func pValuesDoNotDependOnThreads() {
    var generator = Xoshiro256StarStar(seed: 33)
    var moderate = 0
    for trial in 0..<12 {
      let k = 3 + trial * 7
      let sizes = (0..<k).map { _ in 2 + Int(generator.next(upperBound: UInt64(40))) }
      // Counts drawn under H0, so that the p-values are spread over (0, 1].
      let counts = MultivariateHypergeometric.sample(colours: sizes, draws: sizes.reduce(0, +) / 4, using: &generator)
      let weights = (0..<k).map { _ in trial % 2 == 0 ? 1 : 0.2 + generator.nextUnitDouble() }
      let tests = TestStatistic.allCases.map {
        CountPermutationTest(statistic: $0, sizes: sizes, counts: counts, weights: weights, reference: .fixed(0.25),
                             disparity: trial % 3 == 0 ? .twoSided : .oneSided, alpha: 0.1 + 0.05 * Double(trial % 4))
      }
      let b = 300 + 97 * trial
      let single = CountPermutationTest.pValues(tests, permutations: b, seed: UInt64(100 + trial), threads: 1)
      for threads in [2, 3, 8] {
        #expect(CountPermutationTest.pValues(tests, permutations: b, seed: UInt64(100 + trial), threads: threads) == single,
                "trial \(trial), \(threads) threads")
      }
      for (test, p) in zip(tests, single) {
        #expect(test.pValue(permutations: b, seed: UInt64(100 + trial), threads: 2) == p)
        #expect(test.pValue(permutations: b, seed: UInt64(100 + trial), threads: 1) == p)
      }
      moderate += single.filter { $0.value > 0.05 && $0.value < 0.95 }.count
    }
    #expect(moderate >= 12)
  }

  /// The cvar p-value counts exactly the permutations whose sort-based
  /// `CVaR.tail(...).cvar` reaches the observed value (the permutation loop
  /// uses the selection-based `CVaR.value`).
  @Test func cvarPValueMatchesSortBasedCVaR() {
    var generator = Xoshiro256StarStar(seed: 34)
    for trial in 0..<6 {
      let k = 30 + 40 * trial
      let sizes = (0..<k).map { _ in 1 + Int(generator.next(upperBound: UInt64(25))) }
      let counts = sizes.map { n in Int((Double(n) * (0.15 + 0.2 * generator.nextUnitDouble())).rounded()) }
      let weights = (0..<k).map { g in trial % 2 == 0 ? 1 : Double(sizes[g]) }
      let alpha = [0.1, 0.05, 0.25][trial % 3]
      let test = CountPermutationTest(statistic: .cvar, sizes: sizes, counts: counts, weights: weights,
                                      reference: .fixed(0.25), disparity: .oneSided, alpha: alpha)
      let b = 400
      let seed = UInt64(200 + trial)
      func sorted(_ x: [Int]) -> Double {
        CVaR.tail(of: zip(sizes, x).map { n, c in DisparityKind.oneSided.disparity(Double(c) / Double(n), reference: 0.25) },
                  weights: test.weights, alpha: alpha).cvar
      }
      let observed = sorted(counts)
      #expect(observed == test.observedThroughBatch())
      let urn = MultivariateHypergeometric.Urn(colours: sizes)
      var exceedances = 0
      for permutation in 0..<b {
        var stream = Xoshiro256StarStar(seed: seed, stream: UInt64(permutation) + 1)
        let x = urn.sample(draws: counts.reduce(0, +), using: &stream)
        if sorted(x) >= observed - (1e-9 * abs(observed) + 1e-12) { exceedances += 1 }
      }
      #expect(test.pValue(permutations: b, seed: seed) == PermutationPValue(exceedances: exceedances, permutations: b))
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
