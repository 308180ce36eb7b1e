import Testing
import RealModule
@testable import Distributions

@Suite struct LogarithmBoundsTests {
  /// lower ≤ log u ≤ upper with a bracket narrower than 1.3e-6 + 2·slack,
  /// for seeded uniforms (both kinds the samplers use) and for the edges:
  /// table points c_i·2^e, just below and above them, powers of two, the
  /// smallest uniforms and the largest double below 1.
  @Test func boundsContainTheLogarithm() {
    var generator = Xoshiro256StarStar(seed: 21)
    var values: [Double] = [0x1.0p-53, 0x1.0p-52, 0.5, 1.0.nextDown, 0x1.0p-1022, 0.75, 0.1, 1e-300]
    for i in 0..<64 {
      for e in [-1, -2, -13, -52] {
        let c = (1 + Double(i) / 64) * Double.pow(2, Double(e))
        values += [c, c.nextUp, c.nextDown]
      }
    }
    for _ in 0..<100_000 { values += [generator.nextOpenUnitDouble(), generator.nextUnitDouble()] }
    var widest = 0.0
    for u in values where u > 0 && u < 1 {
      let (lower, upper) = LogarithmBounds.bounds(u)
      let exact = Double.log(u)
      #expect(lower <= exact && exact <= upper, "u = \(u): [\(lower), \(upper)] misses \(exact)")
      widest = max(widest, upper - lower)
    }
    #expect(widest < 1.3e-6 + 2 * LogarithmBounds.slack)
    // The bracket is tight where r is small: at a table point it is the slack alone.
    let (lower, upper) = LogarithmBounds.bounds(0.75)
    #expect(upper - lower <= 2 * LogarithmBounds.slack + 1e-15)
  }
}
