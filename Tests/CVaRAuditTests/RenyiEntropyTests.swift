import Testing
import FixtureSupport
import Distributions
@testable import CVaRAudit

@Suite struct RenyiEntropyTests {
  @Test func matchesNumpy() throws {
    let fixture = try Fixtures.json("renyi.json")
    let cases = fixture["cases"] as! [[String: Any]]
    #expect(cases.count > 200)
    for c in cases {
      let w = (c["weights"] as! [Any]).map { number($0)! }
      let beta = number(c["beta"])!
      let expected = number(c["entropy"])!
      #expect(isClose(RenyiEntropy.entropy(w, order: beta), expected, relative: 1e-11, absolute: 1e-13),
              "H_\(beta) of vector \(c["vector"]!)")
    }
    for v in fixture["vectors"] as! [[String: Any]] {
      let w = (v["weights"] as! [Any]).map { number($0)! }
      #expect(isClose(RenyiEntropy.norm23(w), number(v["norm23"])!, relative: 1e-11))
      #expect(isClose(RenyiEntropy.effectiveNumber(w), number(v["effectiveGroups"])!, relative: 1e-11))
    }
  }

  @Test func orderingAndUniformLimits() {
    var rng = Xoshiro256StarStar(seed: 5)
    for _ in 0..<200 {
      let k = 1 + Int(rng.next() % 100)
      let w = (0..<k).map { _ in rng.nextUnitDouble() + 1e-6 }
      // H_β is non-increasing in β.
      let orders: [Double] = [0, 0.25, 0.5, 2.0 / 3, 1, 1.5, 2, 5, .infinity]
      let h = orders.map { RenyiEntropy.entropy(w, order: $0) }
      for i in 1..<h.count { #expect(h[i] <= h[i - 1] + 1e-12) }
      #expect(h[0] <= log(Double(k)) + 1e-12)
      // ‖w‖_{2/3} = exp(H_{2/3}/2) and lies in [1, √K].
      let n = RenyiEntropy.norm23(w)
      #expect(isClose(n, exp(h[3] / 2), relative: 1e-12))
      #expect(n >= 1 - 1e-12 && n <= Double(k).squareRoot() + 1e-9)
      // The stratified allocation attains ‖w‖_{2/3}; π = w gives √K.
      let pi = SampleAllocation.stratified(w)
      #expect(isClose(SampleAllocation.varianceFactor(weights: w, allocation: pi), n, relative: 1e-12))
      #expect(isClose(SampleAllocation.varianceFactor(weights: w, allocation: w), Double(k).squareRoot(), relative: 1e-12))
    }
    let uniform = [Double](repeating: 1, count: 64)
    for beta in [0, 0.5, 2.0 / 3, 1, 3, Double.infinity] {
      #expect(isClose(RenyiEntropy.entropy(uniform, order: beta), log(64), relative: 1e-13))
    }
    #expect(isClose(RenyiEntropy.norm23(uniform), 8, relative: 1e-13))
  }
}

import Foundation
