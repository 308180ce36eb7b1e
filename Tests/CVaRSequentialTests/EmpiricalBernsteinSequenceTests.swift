import Distributions
import FixtureSupport
import Testing
@testable import CVaRSequential

@Suite struct EmpiricalBernsteinSequenceTests {
  /// Runs the fixture's cases of `key` and compares the bounds at the stored
  /// times; `withoutReplacement` passes each case's population size.
  /// - Returns: the sequences after the last observation.
  private func checkAgainstOracle(_ key: String, count: Int, withoutReplacement: Bool) throws
    -> [EmpiricalBernsteinSequence] {
    let fixture = try Fixtures.json("sequential.json")
    let cases = try #require(fixture[key] as? [[String: Any]])
    #expect(cases.count == count)
    var sequences: [EmpiricalBernsteinSequence] = []
    for c in cases {
      let delta = try #require(number(c["delta"]))
      let x = try #require(c["x"] as? [Any]).compactMap(number)
      let ts = try #require(c["t"] as? [Int])
      let lower = try #require(c["lower"] as? [Any]).compactMap(number)
      let upper = try #require(c["upper"] as? [Any]).compactMap(number)
      let size = withoutReplacement ? try #require(c["populationSize"] as? Int) : nil
      if let size { #expect(x.count == size) }
      var cs = EmpiricalBernsteinSequence(delta: delta, populationSize: size)
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
      sequences.append(cs)
    }
    return sequences
  }

  /// Against the numpy oracle (vectorised cumulative sums of the paper's formulas).
  @Test func matchesOracle() throws {
    _ = try checkAgainstOracle("confidenceSequences", count: 8, withoutReplacement: false)
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

  /// The without-replacement form against the numpy oracle (cumulative sums
  /// of Waudby-Smith & Ramdas 2020, section 3), up to exhaustion.
  @Test func withoutReplacementMatchesOracle() throws {
    let sequences = try checkAgainstOracle("withoutReplacementSequences", count: 4, withoutReplacement: true)
    #expect(sequences.allSatisfy { $0.isExhausted && $0.emptiedAt == nil })
  }

  /// Property: drawing a seeded pool without replacement, the share of runs
  /// in which the sequence EVER misses the pool mean (checked after every
  /// draw) is ≤ δ within Monte-Carlo error; at exhaustion the interval is the
  /// pool mean exactly. Pools: Bernoulli and continuous values, sizes 50 to
  /// 2,000, means near 0, 1/2 and skewed. The with-replacement sequence on
  /// the same draws is no narrower at exhaustion (it cannot know the mean).
  @Test(arguments: [0.5, 0.1, 0.9])
  func withoutReplacementCoverage(mean: Double) {
    let delta = 0.1
    let runs = 300
    var misses = 0
    for r in 0..<runs {
      var generator = Xoshiro256StarStar(seed: 29, stream: UInt64(r))
      let size = [50, 200, 2000][r % 3]
      let continuous = r % 2 == 1
      // Values first (the pool), then a uniform order of them.
      var pool = (0..<size).map { _ -> Double in
        continuous ? min(1, max(0, mean + 0.4 * (generator.nextUnitDouble() - 0.5)))
                   : (generator.nextUnitDouble() < mean ? 1 : 0)
      }
      pool.shuffle(using: &generator)
      // The mean as the sequence computes it at exhaustion (a running sum in
      // draw order), for exact comparison; checked against the plain mean.
      let poolMean = pool.reduce(0, +) / Double(size)
      var cs = EmpiricalBernsteinSequence(delta: delta, populationSize: size)
      var plain = EmpiricalBernsteinSequence(delta: delta)
      var missed = false
      for x in pool {
        cs.observe(x)
        plain.observe(x)
        if !(cs.lower <= poolMean + 1e-12 && poolMean - 1e-12 <= cs.upper) { missed = true }
      }
      if missed { misses += 1 }
      #expect(cs.isExhausted)
      #expect(cs.lower == cs.upper && abs(cs.lower - poolMean) < 1e-12, "run \(r)")
      #expect(plain.upper - plain.lower > 0)
    }
    let rate = Double(misses) / Double(runs)
    #expect(rate <= delta + 3 * (delta * (1 - delta) / Double(runs)).squareRoot())
  }

  /// An empty running intersection is recorded, not clamped: a stream whose
  /// mean jumps from 0.1 to 0.9 (not one conditional mean) empties it; a
  /// stationary stream does not.
  @Test func emptyIntersectionIsRecorded() {
    var generator = Xoshiro256StarStar(seed: 5)
    var drifting = EmpiricalBernsteinSequence(delta: 0.05)
    var stationary = EmpiricalBernsteinSequence(delta: 0.05)
    for i in 0..<4000 {
      drifting.observe(generator.nextUnitDouble() < (i < 2000 ? 0.1 : 0.9) ? 1 : 0)
      stationary.observe(generator.nextUnitDouble() < 0.5 ? 1 : 0)
    }
    let at = try? #require(drifting.emptiedAt)
    #expect(at.map { $0 > 2000 && $0 < 4000 } == true)
    #expect(drifting.lower > drifting.upper)
    #expect(stationary.emptiedAt == nil && stationary.lower <= stationary.upper)
  }
}
