import Distributions
import FixtureSupport
import Testing
@testable import CVaRSequential

@Suite struct EmpiricalBernsteinSequenceTests {
  /// Against the numpy oracle (vectorised cumulative sums of the paper's formulas).
  @Test func matchesOracle() throws {
    let fixture = try Fixtures.json("sequential.json")
    let cases = try #require(fixture["confidenceSequences"] as? [[String: Any]])
    #expect(cases.count == 8)
    for c in cases {
      let delta = try #require(number(c["delta"]))
      let x = try #require(c["x"] as? [Any]).compactMap(number)
      let ts = try #require(c["t"] as? [Int])
      let lower = try #require(c["lower"] as? [Any]).compactMap(number)
      let upper = try #require(c["upper"] as? [Any]).compactMap(number)
      var cs = EmpiricalBernsteinSequence(delta: delta)
      var k = 0
      for (i, v) in x.enumerated() {
        cs.observe(v)
        if k < ts.count && ts[k] == i + 1 {
          #expect(isClose(cs.lower, lower[k], relative: 1e-10, absolute: 1e-12), "\(c["name"]!) t=\(i + 1)")
          #expect(isClose(cs.upper, upper[k], relative: 1e-10, absolute: 1e-12), "\(c["name"]!) t=\(i + 1)")
          k += 1
        }
      }
      #expect(k == ts.count)
    }
  }

  /// Bounds are monotone (running intersection) and inside [0, 1].
  @Test func monotoneBounds() {
    var generator = Xoshiro256StarStar(seed: 7)
    for _ in 0..<20 {
      var cs = EmpiricalBernsteinSequence(delta: 0.01)
      let p = generator.nextUnitDouble()
      var (lo, hi) = (0.0, 1.0)
      for _ in 0..<500 {
        cs.observe(generator.nextUnitDouble() < p ? 1 : generator.nextUnitDouble() * 0.5)
        #expect(cs.lower >= lo && cs.upper <= hi && cs.lower <= cs.upper)
        #expect(cs.lower >= 0 && cs.upper <= 1)
        (lo, hi) = (cs.lower, cs.upper)
      }
    }
  }

  /// Time-uniform coverage: the share of runs in which the sequence EVER
  /// misses the mean (checked after every observation) is ≤ δ within
  /// Monte-Carlo error, for Bernoulli and continuous losses.
  @Test(arguments: [0.5, 0.1, 0.02])
  func timeUniformCoverage(mean: Double) {
    let delta = 0.1
    let runs = 400
    var misses = 0
    for r in 0..<runs {
      var generator = Xoshiro256StarStar(seed: 11, stream: UInt64(r))
      var cs = EmpiricalBernsteinSequence(delta: delta)
      let continuous = r % 2 == 1
      for _ in 0..<2000 {
        // Continuous: uniform on [0, 2·mean] (mean `mean`) when 2·mean ≤ 1.
        let x = continuous && mean <= 0.5 ? generator.nextUnitDouble() * 2 * mean
                                          : (generator.nextUnitDouble() < mean ? 1.0 : 0.0)
        cs.observe(x)
        if !(cs.lower <= mean && mean <= cs.upper) { misses += 1; break }
      }
    }
    let rate = Double(misses) / Double(runs)
    #expect(rate <= delta + 3 * (delta * (1 - delta) / Double(runs)).squareRoot())
  }

  /// The sequence shrinks: after many observations it is narrow and holds the mean.
  @Test func shrinks() {
    var generator = Xoshiro256StarStar(seed: 3)
    var cs = EmpiricalBernsteinSequence(delta: 0.05)
    for _ in 0..<20_000 { cs.observe(generator.nextUnitDouble() < 0.3 ? 1 : 0) }
    #expect(cs.upper - cs.lower < 0.05)
    #expect(cs.interval.contains(0.3))
  }
}
