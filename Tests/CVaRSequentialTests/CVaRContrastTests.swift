import CVaRAudit
import Distributions
import Testing
@testable import CVaRSequential

@Suite struct CVaRContrastTests {
  static func randomVector(_ k: Int, _ generator: inout Xoshiro256StarStar) -> [Double] {
    (0..<k).map { _ in generator.nextUnitDouble() }
  }

  static func references(_ k: Int, _ generator: inout Xoshiro256StarStar) -> [ContrastReference] {
    [.population(randomVector(k, &generator).map { $0 + 0.01 }), .value(generator.nextUnitDouble()),
     .group(Int(generator.next() % UInt64(k)))]
  }

  /// The dual bound, property-tested over 3,000 seeded cases: for any
  /// estimates m, the contrast's value at the true means μ is at most
  /// CVaR_α^w(Δ(μ)) − ε0 (so E[payoff] ≤ 0 under CVaR ≤ ε0), with equality
  /// when m = μ (the contrast is then the maximising one). For every
  /// reference and disparity kind; Δ from `DisparityKind.disparity`.
  @Test func contrastIsADualLowerBound() {
    var generator = Xoshiro256StarStar(seed: 31, stream: 2)
    for _ in 0..<1000 {
      let k = 2 + Int(generator.next() % 12)
      let w = Self.randomVector(k, &generator).map { $0 + 0.05 }
      let alpha = 0.05 + 0.95 * generator.nextUnitDouble()
      let tolerance = 0.1 * generator.nextUnitDouble()
      let mu = Self.randomVector(k, &generator)
      let m = Self.randomVector(k, &generator)
      for reference in Self.references(k, &generator) {
        for kind in DisparityKind.allCases {
          let rule = CVaRContrast(weights: w, alpha: alpha, tolerance: tolerance, disparity: kind, reference: reference)
          let ref = rule.referenceValue(mu)
          let truth = CVaR.value(of: mu.map { kind.disparity($0, reference: ref) }, weights: w, alpha: alpha)
          #expect(CVaRContrast.value(rule.contrast(means: m), at: mu) <= truth - tolerance + 1e-12)
          #expect(abs(CVaRContrast.value(rule.contrast(means: mu), at: mu) - (truth - tolerance)) < 1e-12)
        }
      }
    }
  }

  /// The population reference depends on every group's mean: c subtracts
  /// p (q·s), so the coefficients of a one-sided population contrast sum
  /// to 0 (Σq = 1 = Σp) and a common shift of all means changes nothing.
  @Test func populationContrastIsShiftInvariant() {
    let p = [0.5, 0.3, 0.2]
    let rule = CVaRContrast(weights: [1, 1, 1], alpha: 0.34, tolerance: 0, disparity: .oneSided, reference: .population(p))
    let c = rule.contrast(means: [0.2, 0.6, 0.3])
    #expect(abs(c.coefficients.reduce(0, +)) < 1e-15)
    let mu = [0.1, 0.4, 0.3]
    #expect(abs(CVaRContrast.value(c, at: mu) - CVaRContrast.value(c, at: mu.map { $0 + 0.2 })) < 1e-12)
  }
}
