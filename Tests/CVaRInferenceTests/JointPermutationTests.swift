import Testing
import FixtureSupport
import Foundation
import CVaRAudit
@testable import CVaRInference

/// `JointPermutationTest` against an independent numpy implementation
/// (Tests/Oracles/make_joint_fixtures.py): the statistic from its definition
/// with `numpy.linalg.cholesky`/`solve`, and a row-permutation null dealt with
/// `Generator.multivariate_hypergeometric`, 200,000 permutations per case.
@Suite struct JointPermutationTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var metrics: [Metric]
    var confusion: [Int]
    var weights: [Double]
    var groupTerms: [Double?]
    var observed: Double
    var pValue: Double
    var permutations: Int
    var testDescription: String { name }

    var test: JointPermutationTest { JointPermutationTest(metrics: metrics, confusion: confusion, weights: weights) }
  }

  static let cases: [Case] = {
    guard let fixture = try? Fixtures.json("joint_permutation_pvalues.json"),
          let cases = fixture["cases"] as? [[String: Any]] else { return [] }
    return cases.map { c in
      Case(name: c["name"] as! String,
           metrics: (c["metrics"] as! [String]).map { Metric(name: $0)! },
           confusion: (c["confusion"] as! [[NSNumber]]).flatMap { $0.map(\.intValue) },
           weights: (c["weights"] as! [NSNumber]).map(\.doubleValue),
           groupTerms: (c["groupTerms"] as! [Any]).map { number($0) },
           observed: number(c["observed"])!,
           pValue: number(c["pValue"])!,
           permutations: (c["permutations"] as! NSNumber).intValue)
    }
  }()

  @Test func fixtureIsPresent() {
    #expect(Self.cases.count == 6)
  }

  /// The deterministic part: every group's ‖L_g⁻¹ d_g‖² (and which groups add
  /// 0) and the observed T, to 1e-12 relative.
  @Test(arguments: cases)
  func observedStatisticMatchesNumpy(_ c: Case) {
    let test = c.test
    #expect(isClose(test.observed, c.observed, relative: 1e-12), "\(c.name): \(test.observed) vs numpy \(c.observed)")
    for (g, expected) in c.groupTerms.enumerated() {
      let term = test.whitenedSquare(c.confusion[(4 * g)..<(4 * g + 4)])
      if let expected {
        #expect(term.map { isClose($0, expected, relative: 1e-12) } == true,
                "\(c.name) group \(g): \(String(describing: term)) vs numpy \(expected)")
      } else {
        #expect(term == nil, "\(c.name) group \(g): \(String(describing: term)) but numpy skips the group")
      }
    }
  }

  /// The permutation p-value agrees with numpy's within 4 Monte-Carlo
  /// standard errors of the difference (as for the single-metric fixture).
  @Test(arguments: cases)
  func pValueAgreesWithNumpy(_ c: Case) {
    let b = 20_000
    let p = c.test.pValue(permutations: b, seed: 2024).value
    let se = (c.pValue * (1 - c.pValue) * (1 / Double(b) + 1 / Double(c.permutations))).squareRoot()
    #expect(abs(p - c.pValue) <= 4 * se + 1e-4, "\(c.name): \(p) vs numpy \(c.pValue) (4 se = \(4 * se))")
  }
}
