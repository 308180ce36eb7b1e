import Testing
import FixtureSupport
import RealModule
@testable import Distributions

/// Goodness of fit of the binomial and multinomial variates against their
/// exact pmfs. Cells with expected count below 5 are pooled into the tails;
/// the statistic is compared with the χ² quantile at level 1e-4 (Wilson–
/// Hilferty: d (1 − 2/(9d) + z √(2/(9d)))³, accurate to a few per cent for
/// d ≥ 3). Seeds are fixed, so each test is deterministic; a wrong sampler
/// (off-by-one, wrong tail, a typo in a constant) fails by a wide margin.
@Suite struct BinomialTests {
  static func chiSquareCritical(degreesOfFreedom d: Int, level: Double = 1e-4) -> Double {
    let dd = Double(d)
    let z = Normal.quantile(1 - level)
    let t = 1 - 2 / (9 * dd) + z * (2 / (9 * dd)).squareRoot()
    return dd * t * t * t
  }

  /// Pearson's χ² of observed counts against expected counts, pooling cells
  /// with expected < 5 into their neighbours. Returns (statistic, degrees of freedom).
  static func chiSquare(observed: [Int], expected: [Double]) -> (Double, Int) {
    var cells: [(Double, Double)] = []
    var o = 0.0, e = 0.0
    for i in observed.indices {
      o += Double(observed[i]); e += expected[i]
      if e >= 5 { cells.append((o, e)); o = 0; e = 0 }
    }
    if e > 0 || o > 0 {
      if cells.isEmpty { cells.append((o, e)) } else { cells[cells.count - 1].0 += o; cells[cells.count - 1].1 += e }
    }
    var x = 0.0
    for (oo, ee) in cells { x += (oo - ee) * (oo - ee) / ee }
    return (x, cells.count - 1)
  }

  static let cases: [(Int, Double)] = [
    (1, 0.3), (5, 0.3), (20, 0.9), (37, 0.5),           // inversion (n·min(p, 1 − p) < 30)
    (100, 0.4), (200, 0.2), (1000, 0.05), (60, 0.5),     // BTPE, moderate
    (100_000, 0.3), (1_000_000, 0.999),                  // BTPE, large (squeeze and Stirling steps)
    (3_000_000_000, 2e-8),                               // BTPE with n beyond Int32
  ]

  @Test(arguments: cases.indices)
  func binomialMatchesExactPmf(caseIndex: Int) {
    let (n, p) = Self.cases[caseIndex]
    let law = Binomial(count: n, probability: p)
    var rng = Xoshiro256StarStar(seed: 20_240_404, stream: UInt64(caseIndex))
    let draws = 200_000
    // Cells: the range mean ± 8 sd (outside it the mass is below 1e-14).
    let mean = Double(n) * p, sd = (Double(n) * p * (1 - p)).squareRoot()
    let lo = max(0, Int((mean - 8 * sd - 1).rounded(.down)))
    let hi = min(n, Int((mean + 8 * sd + 1).rounded(.up)))
    var observed = [Int](repeating: 0, count: hi - lo + 1)
    for _ in 0..<draws {
      let x = law.sample(using: &rng)
      #expect(x >= 0 && x <= n)
      #expect(x >= lo && x <= hi, "draw \(x) outside mean ± 8 sd")
      if x >= lo && x <= hi { observed[x - lo] += 1 }
    }
    let expected = (lo...hi).map { Double(draws) * law.probability($0) }
    let (statistic, df) = Self.chiSquare(observed: observed, expected: expected)
    if df >= 1 {
      #expect(statistic < Self.chiSquareCritical(degreesOfFreedom: max(df, 3)),
              "n = \(n), p = \(p): χ² = \(statistic) on \(df) df")
    }
  }

  @Test func degenerateLaws() {
    var rng = Xoshiro256StarStar(seed: 1)
    #expect(Binomial.sample(count: 0, probability: 0.4, using: &rng) == 0)
    #expect(Binomial.sample(count: 17, probability: 0, using: &rng) == 0)
    #expect(Binomial.sample(count: 17, probability: 1, using: &rng) == 17)
  }

  @Test func pmfSumsToOne() {
    for (n, p) in [(10, 0.2), (500, 0.37), (3, 0.99)] {
      let law = Binomial(count: n, probability: p)
      let total = (0...n).reduce(0.0) { $0 + law.probability($1) }
      #expect(isClose(total, 1, relative: 1e-12))
    }
    // By hand: P(X = 2) for Binomial(4, 1/2) = 6/16.
    #expect(isClose(Binomial(count: 4, probability: 0.5).probability(2), 0.375, relative: 1e-14))
  }

  /// All 15 compositions of n = 4 into 3 categories against the exact pmf
  /// 4!/(a! b! c!) p₁^a p₂^b p₃^c.
  @Test func multinomialMatchesExactPmf() {
    let p = [0.5, 0.2, 0.3]
    var rng = Xoshiro256StarStar(seed: 77)
    var observed: [[Int]: Int] = [:]
    let draws = 100_000
    for _ in 0..<draws {
      let x = Multinomial.sample(count: 4, probabilities: p, using: &rng)
      #expect(x.reduce(0, +) == 4)
      observed[x, default: 0] += 1
    }
    var obs: [Int] = [], exp: [Double] = []
    for a in 0...4 {
      for b in 0...(4 - a) {
        let c = 4 - a - b
        let logP = Double.logGamma(5) - Double.logGamma(Double(a + 1)) - Double.logGamma(Double(b + 1))
          - Double.logGamma(Double(c + 1)) + Double(a) * Double.log(0.5) + Double(b) * Double.log(0.2)
          + Double(c) * Double.log(0.3)
        obs.append(observed[[a, b, c], default: 0])
        exp.append(Double(draws) * Double.exp(logP))
      }
    }
    let (statistic, df) = Self.chiSquare(observed: obs, expected: exp)
    #expect(statistic < Self.chiSquareCritical(degreesOfFreedom: df), "χ² = \(statistic) on \(df) df")
  }

  /// Large n: each marginal of a multinomial is Binomial(n, p_j); zero-probability
  /// categories never receive a draw.
  @Test func multinomialMarginalsAndZeros() {
    let p = [0.0, 0.25, 0.0, 0.75, 0.0]
    var rng = Xoshiro256StarStar(seed: 5)
    var sum = 0.0, sumSq = 0.0
    let draws = 20_000, n = 1_000_000
    for _ in 0..<draws {
      let x = Multinomial.sample(count: n, probabilities: p, using: &rng)
      #expect(x[0] == 0 && x[2] == 0 && x[4] == 0 && x[1] + x[3] == n)
      let d = Double(x[1]); sum += d; sumSq += d * d
    }
    let mean = sum / Double(draws)
    let variance = (sumSq - sum * sum / Double(draws)) / Double(draws - 1)
    let expectedVariance = Double(n) * 0.25 * 0.75
    // The mean is within 5 standard errors; the variance within 5 %.
    #expect(abs(mean - 250_000) < 5 * (expectedVariance / Double(draws)).squareRoot())
    #expect(abs(variance / expectedVariance - 1) < 0.05)
  }
}

@Suite struct BinomialTestPValueTests {
  /// The exact binomial test against scipy.stats.binomtest
  /// (`Tests/Oracles/make_group_reference_fixtures.py`, n from 1 to 10⁶).
  @Test func matchesScipyBinomtest() throws {
    let cases = try #require(try Fixtures.json("group_reference_pvalues.json")["binomialCases"] as? [[String: Any]])
    #expect(cases.count == 60)
    for c in cases {
      let k = c["k"] as! Int, n = c["n"] as! Int, p = number(c["p"])!
      let law = Binomial(count: n, probability: p)
      let greater = number(c["greater"])!, two = number(c["twoSided"])!
      #expect(isClose(law.upperTail(k), greater, relative: 1e-9, absolute: 1e-300), "P(X ≥ \(k)), n \(n), p \(p): \(law.upperTail(k)) vs \(greater)")
      #expect(isClose(law.twoSidedPValue(k), two, relative: 1e-9, absolute: 1e-300), "two-sided \(k), n \(n), p \(p): \(law.twoSidedPValue(k)) vs \(two)")
    }
  }

  /// Tails add up and stay in [0, 1].
  @Test func tailsAreComplementary() {
    var generator = Xoshiro256StarStar(seed: 45)
    for _ in 0..<300 {
      let n = 1 + Int(generator.next(upperBound: UInt64(3000)))
      let p = generator.nextUnitDouble()
      let k = Int(generator.next(upperBound: UInt64(n + 1)))
      let law = Binomial(count: n, probability: p)
      #expect(abs(law.lowerTail(k - 1) + law.upperTail(k) - 1) < 1e-12)
      let two = law.twoSidedPValue(k)
      #expect(two >= 0 && two <= 1)  // 0 only by underflow, far in a tail
    }
  }
}
