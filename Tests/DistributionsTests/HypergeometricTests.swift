import Testing
import FixtureSupport
import RealModule
@testable import Distributions

/// Pearson's chi-square statistic of observed counts against exact
/// probabilities, with adjacent cells pooled until each expects ≥ 5; returns
/// (statistic, degrees of freedom).
func chiSquare(observed: [Int: Int], probabilities: [(Int, Double)], draws: Int) -> (Double, Int) {
  var cells: [(observed: Double, expected: Double)] = []
  var o = 0.0, e = 0.0
  for (k, p) in probabilities {
    o += Double(observed[k] ?? 0)
    e += p * Double(draws)
    if e >= 5 { cells.append((o, e)); o = 0; e = 0 }
  }
  if e > 0 || o > 0 {
    if cells.isEmpty { cells.append((o, e)) } else { cells[cells.count - 1].observed += o; cells[cells.count - 1].expected += e }
  }
  let statistic = cells.reduce(0.0) { $0 + ($1.observed - $1.expected) * ($1.observed - $1.expected) / $1.expected }
  return (statistic, cells.count - 1)
}

/// The upper-p quantile of χ²(ν) by the Wilson–Hilferty cube approximation
/// (accurate to a few percent for ν ≥ 3; used as a test threshold only).
func chiSquareCritical(df: Int, upper p: Double) -> Double {
  let v = Double(df)
  let z = Normal.quantile(1 - p)
  let t = 1 - 2 / (9 * v) + z * (2 / (9 * v)).squareRoot()
  return v * t * t * t
}

@Suite struct HypergeometricTests {
  @Test func logFactorialMatchesLogGamma() {
    for k in [0, 1, 2, 10, 255, 256, 257, 1000, 123_456, 98_765_432] {
      #expect(isClose(LogFactorial.of(k), Double.logGamma(Double(k + 1)), relative: 1e-14, absolute: 1e-14))
    }
  }

  @Test func pmfSumsToOneAndTailsAgree() {
    for (n, m, s) in [(20, 7, 5), (1000, 300, 100), (50, 40, 45), (100_000, 3, 50_000), (7, 7, 3)] {
      let support = Hypergeometric.support(population: n, successes: m, draws: s)
      let total = support.reduce(0.0) { $0 + Hypergeometric.pmf($1, population: n, successes: m, draws: s) }
      // log-space cancellation: log N! ≈ 1e6 for N = 1e5 leaves ~1e-10 relative error.
      #expect(isClose(total, 1, relative: 1e-9))
      for k in stride(from: support.lowerBound, through: support.upperBound, by: max(1, support.count / 7)) {
        let direct = (k...support.upperBound).reduce(0.0) { $0 + Hypergeometric.pmf($1, population: n, successes: m, draws: s) }
        #expect(isClose(Hypergeometric.upperTail(k, population: n, successes: m, draws: s), direct, relative: 1e-10, absolute: 1e-15))
      }
    }
  }

  /// Draws against the exact law, small and large populations, every code
  /// path (inversion, ratio-of-uniforms, both symmetry reductions).
  @Test(arguments: [
    (20, 7, 5, 1 as UInt64),            // inversion
    (60, 45, 12, 2),                    // inversion, marked > N/2
    (50, 20, 40, 3),                    // inversion after draws > N/2
    (1000, 300, 100, 4),                // ratio-of-uniforms
    (1000, 700, 900, 5),                // ratio-of-uniforms, both reductions
    (10_000_000, 3_000_000, 500_000, 6), // large population
    (2_000_000_000, 17, 900_000_000, 7), // huge population, few marked
  ])
  func chiSquareGoodnessOfFit(population n: Int, successes m: Int, draws s: Int, seed: UInt64) {
    var generator = Xoshiro256StarStar(seed: seed)
    let replicates = 40_000
    var observed: [Int: Int] = [:]
    for _ in 0..<replicates {
      let x = Hypergeometric.sample(population: n, successes: m, draws: s, using: &generator)
      observed[x, default: 0] += 1
    }
    let support = Hypergeometric.support(population: n, successes: m, draws: s)
    #expect(observed.keys.allSatisfy { support.contains($0) })
    let probabilities = support.map { ($0, Hypergeometric.pmf($0, population: n, successes: m, draws: s)) }
    let (statistic, df) = chiSquare(observed: observed, probabilities: probabilities, draws: replicates)
    #expect(df >= 2)
    #expect(statistic < chiSquareCritical(df: df, upper: 0.001), "χ² = \(statistic) on \(df) df")
  }

  @Test func seededDrawsRepeat() {
    let a = (0..<10).map { Hypergeometric.sample(population: 1000 + $0, successes: 400, draws: 300, seed: UInt64($0)) }
    let b = (0..<10).map { Hypergeometric.sample(population: 1000 + $0, successes: 400, draws: 300, seed: UInt64($0)) }
    #expect(a == b)
  }
}

@Suite struct MultivariateHypergeometricTests {
  @Test func countsAddUpAndMarginalsAreHypergeometric() {
    let colours = [1, 2, 30, 500, 7, 1, 260]
    let total = colours.reduce(0, +)
    let draws = 333
    var generator = Xoshiro256StarStar(seed: 11)
    var observed: [Int: Int] = [:]
    let replicates = 20_000
    for _ in 0..<replicates {
      let x = MultivariateHypergeometric.sample(colours: colours, draws: draws, using: &generator)
      #expect(x.reduce(0, +) == draws)
      #expect(zip(x, colours).allSatisfy { $0 >= 0 && $0 <= $1 })
      observed[x[4], default: 0] += 1  // a late colour: its law depends on every earlier conditional draw
    }
    let support = Hypergeometric.support(population: total, successes: colours[4], draws: draws)
    let probabilities = support.map { ($0, Hypergeometric.pmf($0, population: total, successes: colours[4], draws: draws)) }
    let (statistic, df) = chiSquare(observed: observed, probabilities: probabilities, draws: replicates)
    #expect(statistic < chiSquareCritical(df: max(df, 1), upper: 0.001))
  }

  @Test func tablesKeepTheirMargins() {
    let rows = [1, 2, 5, 40, 300, 2]
    let columns = [100, 3, 200, 47]
    var generator = Xoshiro256StarStar(seed: 12)
    var cell: [Int: Int] = [:]
    let replicates = 20_000
    for _ in 0..<replicates {
      let t = MultivariateHypergeometric.sampleTable(rowTotals: rows, columnTotals: columns, using: &generator)
      for r in rows.indices { #expect(t[(4 * r)..<(4 * r + 4)].reduce(0, +) == rows[r]) }
      for c in columns.indices { #expect(stride(from: c, to: t.count, by: 4).reduce(0) { $0 + t[$1] } == columns[c]) }
      cell[t[4 * 3 + 2], default: 0] += 1
    }
    // Cell (3, 2) is H(N, column total, row total) whatever the drawing order.
    let n = rows.reduce(0, +)
    let support = Hypergeometric.support(population: n, successes: columns[2], draws: rows[3])
    let probabilities = support.map { ($0, Hypergeometric.pmf($0, population: n, successes: columns[2], draws: rows[3])) }
    let (statistic, df) = chiSquare(observed: cell, probabilities: probabilities, draws: replicates)
    #expect(statistic < chiSquareCritical(df: df, upper: 0.001))
  }
}

@Suite struct HypergeometricPopulationTests {
  /// The mode used by the ratio-of-uniforms sampler is a true mode:
  /// P(mode) ≥ P(mode ± 1), on both sides of the 2²⁵ switch to integer
  /// arithmetic and where (s + 1)(K' + 1)/(N + 2) is an integer (two modes).
  @Test func modeIsAMode() {
    var generator = Xoshiro256StarStar(seed: 13)
    var cases: [(Int, Int, Int)] = [(98, 49, 32), (10, 4, 1), (1 << 25, 1 << 24, 1 << 20), ((1 << 25) - 2, 7, 12)]
    for _ in 0..<2000 {
      let n = 2 + Int(generator.next(upperBound: UInt64(generator.next() % 2 == 0 ? 1000 : 200_000_000)))
      cases.append((n, Int(generator.next(upperBound: UInt64(n + 1))), Int(generator.next(upperBound: UInt64(n + 1)))))
    }
    for (n, m, s) in cases {
      let population = Hypergeometric.Population(size: n, successes: m)
      let marked = min(m, n - m), drawn = min(s, n - s)
      let mode = population.mode(draws: drawn)
      // Exact, in 128-bit integers: P(k + 1)/P(k) = (K − k)(n − k)/((k + 1)(N − K − n + k + 1)).
      func ratioAtMostOne(_ k: Int) -> Bool {
        let (a, b) = ((marked - k).multipliedFullWidth(by: drawn - k), (k + 1).multipliedFullWidth(by: n - marked - drawn + k + 1))
        return a.high < b.high || (a.high == b.high && a.low <= b.low)
      }
      #expect(mode >= 0 && mode <= min(marked, drawn), "N \(n), K \(m), n \(s)")
      #expect(mode == min(marked, drawn) || ratioAtMostOne(mode), "N \(n), K \(m), n \(s): P(mode + 1) > P(mode)")
      #expect(mode == 0 || !ratioAtMostOne(mode - 1) || {
        // P(mode)/P(mode − 1) ≤ 1 is allowed only as a tie (two modes).
        let k = mode - 1
        let (a, b) = ((marked - k).multipliedFullWidth(by: drawn - k), (k + 1).multipliedFullWidth(by: n - marked - drawn + k + 1))
        return a == b
      }(), "N \(n), K \(m), n \(s): P(mode − 1) > P(mode)")
    }
  }

  /// A prepared population draws the same law as the one-off sampler:
  /// chi-square against the exact probabilities for several n from one
  /// population, including one above 2²⁵ items.
  @Test(arguments: [(1000, 300, [5, 40, 100, 700]), (1000, 800, [30, 600, 985]),
                    (50_000_000, 20_000_000, [12, 3_000, 40_000])])
  func preparedPopulationMatchesTheLaw(population n: Int, successes m: Int, draws: [Int]) {
    let population = Hypergeometric.Population(size: n, successes: m)
    var generator = Xoshiro256StarStar(seed: 14)
    for s in draws {
      var observed: [Int: Int] = [:]
      let replicates = 20_000
      for _ in 0..<replicates { observed[population.sample(draws: s, using: &generator), default: 0] += 1 }
      let support = Hypergeometric.support(population: n, successes: m, draws: s)
      let probabilities = support.map { ($0, Hypergeometric.pmf($0, population: n, successes: m, draws: s)) }
      let (statistic, df) = chiSquare(observed: observed, probabilities: probabilities, draws: replicates)
      #expect(statistic < chiSquareCritical(df: max(df, 1), upper: 0.001), "n = \(s): χ² = \(statistic) on \(df) df")
    }
  }

  /// An urn reused across draws keeps the margins and the joint law of two
  /// colours in different halves (their sum is hypergeometric too).
  @Test func urnDrawsKeepTheLaw() {
    let colours = [3, 0, 1, 2, 250, 17, 40, 1, 90, 5, 2]
    let urn = MultivariateHypergeometric.Urn(colours: colours)
    let total = colours.reduce(0, +)
    var generator = Xoshiro256StarStar(seed: 15)
    var pair: [Int: Int] = [:]
    let replicates = 20_000
    for r in 0..<replicates {
      let draws = r % 2 == 0 ? 150 : 0
      let x = urn.sample(draws: draws, using: &generator)
      #expect(x.reduce(0, +) == draws && zip(x, colours).allSatisfy { $0 >= 0 && $0 <= $1 })
      if draws == 150 { pair[x[2] + x[8], default: 0] += 1 }
    }
    let support = Hypergeometric.support(population: total, successes: colours[2] + colours[8], draws: 150)
    let probabilities = support.map { ($0, Hypergeometric.pmf($0, population: total, successes: colours[2] + colours[8], draws: 150)) }
    let (statistic, df) = chiSquare(observed: pair, probabilities: probabilities, draws: replicates / 2)
    #expect(statistic < chiSquareCritical(df: max(df, 1), upper: 0.001))
  }

  /// A large urn drawn level by level with one reused workspace: every
  /// split kind (empty blocks, full blocks, inversion for few draws, ratio of
  /// uniforms, blocks of more than 2²⁰ items read through Stirling's series)
  /// keeps the law. Checked on single colours in different subtrees (their
  /// margins are hypergeometric) and on a pair across the root (its sum is).
  @Test(arguments: [
    ([0, 1, 2, 500, 480, 3, 0, 250, 260, 10, 700, 1, 90, 90, 400, 33, 0, 64, 128, 5, 300, 299, 2, 7, 1000, 12, 45, 46, 0, 81, 150, 9], [40, 700, 3_000]),
    ([400_000, 350_000, 300_000, 500_000, 20, 1_000, 250_000, 333_333], [12, 900_000, 1_700_000]),
  ])
  func largeUrnKeepsTheLaw(colours: [Int], draws: [Int]) {
    let urn = MultivariateHypergeometric.Urn(colours: colours)
    var workspace = urn.makeWorkspace()
    let total = colours.reduce(0, +)
    var generator = Xoshiro256StarStar(seed: 16)
    let watched = [3, colours.count / 2 + 1, colours.count - 1]
    let replicates = 10_000
    var counts = [Int](repeating: 0, count: colours.count)
    for d in draws {
      var margins = [[Int: Int]](repeating: [:], count: watched.count)
      var pair: [Int: Int] = [:]
      for _ in 0..<replicates {
        counts.withUnsafeMutableBufferPointer { urn.sample(draws: d, into: $0, workspace: &workspace, using: &generator) }
        #expect(counts.reduce(0, +) == d && zip(counts, colours).allSatisfy { $0 >= 0 && $0 <= $1 })
        for (w, c) in watched.enumerated() { margins[w][counts[c], default: 0] += 1 }
        pair[counts[1] + counts[colours.count - 2], default: 0] += 1
      }
      for (w, c) in watched.enumerated() {
        let probabilities = Hypergeometric.support(population: total, successes: colours[c], draws: d)
          .map { ($0, Hypergeometric.pmf($0, population: total, successes: colours[c], draws: d)) }
        let (statistic, df) = chiSquare(observed: margins[w], probabilities: probabilities, draws: replicates)
        #expect(statistic < chiSquareCritical(df: max(df, 1), upper: 0.001), "colour \(c), draws \(d): χ² = \(statistic) on \(df) df")
      }
      let marked = colours[1] + colours[colours.count - 2]
      let probabilities = Hypergeometric.support(population: total, successes: marked, draws: d)
        .map { ($0, Hypergeometric.pmf($0, population: total, successes: marked, draws: d)) }
      let (statistic, df) = chiSquare(observed: pair, probabilities: probabilities, draws: replicates)
      #expect(statistic < chiSquareCritical(df: max(df, 1), upper: 0.001), "pair, draws \(d): χ² = \(statistic) on \(df) df")
    }
  }
}
