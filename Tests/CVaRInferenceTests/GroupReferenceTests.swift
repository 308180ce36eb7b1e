import Testing
import FixtureSupport
import CVaRAudit
import Distributions
@testable import CVaRInference

@Suite struct GroupReferenceTests {
  static func run(_ table: GroupTable, reference: Reference, disparity: DisparityKind = .oneSided) throws -> DisparityTestResult {
    try DisparityTest.run(table, configuration: DisparityTestConfiguration(
      audit: AuditConfiguration(metric: .errorRate, disparity: disparity, reference: reference),
      statistic: .max, calibration: .permutation, permutations: 19, seed: 1))
  }

  /// A group below a fixed reference is not flagged, although it is far above
  /// the rest of the rows (the old group-vs-rest p-value was ~1e-40).
  @Test func aGroupBelowAFixedReferenceIsNotSignificant() throws {
    let result = try Self.run(errorTable(sizes: [200, 200, 200], errors: [168, 40, 40]), reference: .value(0.9))
    let g = try #require(result.groups.first { $0.key == ["0"] })
    #expect(g.disparity < 0)
    #expect(g.pValue > 0.5, "p = \(g.pValue)")
    #expect(result.groupTest == .binomialVersusValue(0.9))
  }

  /// Group vs a reference group: scipy's fisher_exact on the 2×2 table
  /// (`Tests/Oracles/make_group_reference_fixtures.py`); the reference is not tested.
  @Test func referenceGroupPValuesMatchScipyFisherExact() throws {
    let cases = try #require(try Fixtures.json("group_reference_pvalues.json")["fisherCases"] as? [[String: Any]])
    #expect(cases.count == 60)
    for c in cases {
      let table = errorTable(sizes: [c["nGroup"] as! Int, c["nReference"] as! Int],
                             errors: [c["xGroup"] as! Int, c["xReference"] as! Int])
      for (disparity, key) in [(DisparityKind.oneSided, "greater"), (.twoSided, "twoSided")] {
        let result = try Self.run(table, reference: .group(["1"]), disparity: disparity)
        let g = try #require(result.groups.first { $0.key == ["0"] })
        let r = try #require(result.groups.first { $0.key == ["1"] })
        let expected = number(c[key])!
        #expect(isClose(g.pValue, expected, relative: 1e-9, absolute: 1e-300), "\(c) \(key): \(g.pValue)")
        #expect(r.pValue.isNaN && r.holm.isNaN)
        #expect(g.holm == g.pValue)  // a family of one
      }
    }
  }

  /// With a fixed reference, per-group p-values equal scipy's binomtest.
  @Test func fixedReferencePValuesMatchScipyBinomtest() throws {
    let cases = try #require(try Fixtures.json("group_reference_pvalues.json")["binomialCases"] as? [[String: Any]])
    for c in cases.prefix(20) {
      let n = c["n"] as! Int, k = c["k"] as! Int, p = number(c["p"])!
      let result = try Self.run(errorTable(sizes: [n, 10], errors: [k, 3]), reference: .value(p))
      let g = try #require(result.groups.first { $0.key == ["0"] })
      #expect(isClose(g.pValue, number(c["greater"])!, relative: 1e-9, absolute: 1e-300))
    }
  }

  /// Type I error of the per-group tests under their own nulls (each group at
  /// the fixed value; all groups equal to the reference group): the rate of
  /// p ≤ 0.05 over groups and replicates stays below 0.05 + 3 s.e.
  @Test(arguments: [Reference.value(0.3), .group(["0"])])
  func perGroupRejectionRateStaysBelowDelta(reference: Reference) throws {
    let sizes = [40, 25, 60, 15, 100]
    var generator = Xoshiro256StarStar(seed: 46)
    var rejections = 0, tests = 0
    for _ in 0..<400 {
      let errors = sizes.map { Binomial.sample(count: $0, probability: 0.3, using: &generator) }
      for disparity in [DisparityKind.oneSided, .twoSided] {
        let result = try Self.run(errorTable(sizes: sizes, errors: errors), reference: reference, disparity: disparity)
        for g in result.groups where !g.pValue.isNaN {
          tests += 1
          if g.pValue <= 0.05 { rejections += 1 }
        }
      }
    }
    let rate = Double(rejections) / Double(tests)
    #expect(rate <= 0.05 + 3 * (0.05 * 0.95 / Double(tests)).squareRoot(), "\(reference): \(rate)")
  }
}
