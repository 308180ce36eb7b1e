import Distributions
import Testing
@testable import CVaRSequential

@Suite struct L2ContrastTests {
  /// Σ c = 0 (so the value is 0 when every mean is equal) and, at m = μ, the
  /// value is the weighted variance Σ w (μ − μ̄_w)², over seeded cases.
  @Test func contrastSumsToZeroAndGivesTheVariance() {
    var generator = Xoshiro256StarStar(seed: 8, stream: 3)
    for _ in 0..<500 {
      let k = 2 + Int(generator.next() % 30)
      let w = (0..<k).map { _ in generator.nextUnitDouble() + 0.01 }
      let mu = (0..<k).map { _ in generator.nextUnitDouble() }
      let rule = L2Contrast(weights: w)
      let c = rule.contrast(means: mu)
      #expect(abs(c.coefficients.reduce(0, +)) < 1e-15)
      let equal = CVaRContrast.value(c, at: Array(repeating: 0.37, count: k))
      #expect(abs(equal) < 1e-15)
      let mean = zip(rule.weights, mu).reduce(0) { $0 + $1.0 * $1.1 }
      let variance = zip(rule.weights, mu).reduce(0) { $0 + $1.0 * ($1.1 - mean) * ($1.1 - mean) }
      #expect(abs(CVaRContrast.value(c, at: mu) - variance) < 1e-12)
    }
  }
}
