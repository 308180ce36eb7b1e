import Testing
import FixtureSupport
@testable import Distributions

@Suite struct NormalTests {
  @Test func quantilesMatchScipy() throws {
    let fixture = try Fixtures.json("normal.json")
    let cases = fixture["cases"] as! [[String: Any]]
    #expect(cases.count > 40)
    for c in cases {
      let p = number(c["p"])!, expected = number(c["quantile"])!
      let actual = Normal.quantile(p)
      #expect(isClose(actual, expected, relative: 1e-13, absolute: 1e-15), "Φ⁻¹(\(p)) = \(actual), scipy \(expected)")
    }
  }

  @Test func distributionFunctionMatchesHighPrecision() throws {
    let fixture = try Fixtures.json("normal.json")
    for c in fixture["cdfCases"] as! [[String: Any]] {
      let x = number(c["x"])!, expected = number(c["cdfMpmath"] ?? c["cdf"])!
      // Rounding x/√2 moves erfc's argument by ~ε·|x|, which moves log Φ by ~ε·x²:
      // the tolerance grows with x² in the far tail.
      #expect(isClose(Normal.cdf(x), expected, relative: 1e-14 + 4e-16 * x * x), "Φ(\(x)) = \(Normal.cdf(x)), expected \(expected)")
    }
  }

  @Test func edgeCases() {
    #expect(Normal.quantile(0.5) == 0)
    #expect(Normal.quantile(0) == -.infinity)
    #expect(Normal.quantile(1) == .infinity)
    #expect(Normal.quantile(1.5).isNaN)
    #expect(Normal.quantile(-0.1).isNaN)
  }

  @Test func quantileInvertsDistributionFunction() {
    var rng = Xoshiro256StarStar(seed: 7)
    for _ in 0..<1000 {
      let p = rng.nextOpenUnitDouble()
      #expect(isClose(Normal.cdf(Normal.quantile(p)), p, relative: 1e-13))
    }
  }
}
