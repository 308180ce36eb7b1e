import CVaRAudit
import Distributions
import FixtureSupport
import Foundation
import Testing
@testable import CVaRSequential

@Suite struct BlockVarianceEProcessTests {
  /// Feeds one block of rows.
  static func feed(_ process: inout BlockVarianceEProcess, group g: Int, rows: [Double]) {
    for (i, x) in rows.enumerated() { process.observe(group: g, loss: x, endsUnit: i == rows.count - 1) }
  }

  /// u, c and the round payoffs against numpy (Tests/Oracles/make_block_variance_fixtures.py),
  /// for infinite populations and finite pools: the payoff of each round is
  /// read from the wealth's running payoff sum.
  @Test func matchesNumpy() throws {
    let fixture = try Fixtures.json("block_variance.json")
    let cases = try #require(fixture["infinite"] as? [[String: Any]]) + (try #require(fixture["pool"] as? [[String: Any]]))
    #expect(cases.count == 6)
    for c in cases {
      let m = try #require(c["blockRows"] as? Int), r = try #require(c["blocksPerRound"] as? Int)
      let sizes = c["groupSizes"] as? [Int]
      let k = try sizes?.count ?? #require(c["groups"] as? Int)
      var process = BlockVarianceEProcess(level: 0.05, groupCount: k, blockRows: m, blocksPerRound: r, groupSizes: sizes)
      let blocks = try #require(c["blocks"] as? [[String: Any]])
      let payoffs = try #require(c["payoffs"] as? [Any]).compactMap(number)
      var seen: [Double] = []
      var previousSum = 0.0
      for block in blocks {
        let g = try #require(block["group"] as? Int)
        let rows = try #require(block["rows"] as? [Any]).compactMap(number)
        let estimate = process.estimate(group: g, count: rows.count, sum: rows.reduce(0, +),
                                        squares: rows.reduce(0) { $0 + $1 * $1 })
        #expect(isClose(estimate.mean, try #require(number(block["u"])), relative: 1e-13, absolute: 1e-15))
        #expect(isClose(estimate.variance, try #require(number(block["c"])), relative: 1e-12, absolute: 1e-16))
        let bets = process.wealth.bets
        Self.feed(&process, group: g, rows: rows)
        if process.wealth.bets > bets {
          seen.append(process.wealth.payoffSum - previousSum)
          previousSum = process.wealth.payoffSum
        }
      }
      #expect(seen.count == payoffs.count)
      for (a, e) in zip(seen, payoffs) { #expect(isClose(a, e, relative: 1e-9, absolute: 1e-15)) }
    }
  }

  /// The sum form of V equals its pairwise definition
  /// 1/(r(r−1)) Σ_{j<k} [(u_j − u_k)² − c_j − c_k] and is ≥ −max c, over seeded rounds.
  @Test func payoffIsThePairwiseAverage() {
    var generator = Xoshiro256StarStar(seed: 41, stream: 2)
    for _ in 0..<2_000 {
      let r = 2 + Int(generator.next() % 12)
      let u = (0..<r).map { _ in generator.nextUnitDouble() }
      let c = (0..<r).map { _ in 0.1 * generator.nextUnitDouble() }
      var pairs = 0.0
      for j in 0..<r { for k in (j + 1)..<r { pairs += (u[j] - u[k]) * (u[j] - u[k]) - c[j] - c[k] } }
      let expected = pairs / Double(r * (r - 1))
      let v = BlockVarianceEProcess.payoff(sum: u.reduce(0, +), squares: u.reduce(0) { $0 + $1 * $1 },
                                           correction: c.reduce(0, +), blocks: r)
      #expect(abs(v - expected) < 1e-12)
      #expect(v >= -c.max()! - 1e-15)
    }
  }

  /// A process fed `rounds` rounds from groups drawn by `choose` (which may
  /// look at the past), rows drawn by `draw`. Returns the payoffs and the process.
  static func run(groups k: Int, m: Int, r: Int, rounds: Int, seed: UInt64, stream: UInt64,
                  choose: (inout Xoshiro256StarStar, BlockVarianceEProcess) -> Int,
                  draw: (Int, inout Xoshiro256StarStar) -> Double) -> (payoffs: [Double], process: BlockVarianceEProcess) {
    var generator = Xoshiro256StarStar(seed: seed, stream: stream)
    var process = BlockVarianceEProcess(level: 0.05, groupCount: k, blockRows: m, blocksPerRound: r)
    var payoffs: [Double] = []
    var previous = 0.0
    for _ in 0..<(rounds * r) {
      let g = choose(&generator, process)
      let rows = (0..<m).map { _ in draw(g, &generator) }
      feed(&process, group: g, rows: rows)
      if process.wealth.bets > payoffs.count {
        payoffs.append(process.wealth.payoffSum - previous)
        previous = process.wealth.payoffSum
      }
    }
    return (payoffs, process)
  }

  static func meanAndError(_ x: [Double]) -> (mean: Double, error: Double) {
    let n = Double(x.count)
    let mean = x.reduce(0, +) / n
    let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
    return (mean, (variance / n).squareRoot())
  }

  /// Under the null with unequal group variances (Bernoulli(0.5), a constant
  /// 0.5, Uniform(0, 1), Beta(2, 2): all of mean 0.5) and a group choice that
  /// looks at the past (the group with the fewest rows, or the one with the
  /// largest running sum), the payoffs average 0 (within 4 standard errors over
  /// 40,000 rounds), and P(ever W ≥ 1/δ) ≤ δ + 3 SE over 1,000 streams of 60
  /// rounds (checked after every round, where W changes).
  @Test func validUnderTheNullWithAPredictableChoice() {
    let draw: (Int, inout Xoshiro256StarStar) -> Double = { g, gen in
      switch g % 4 {
      case 0: return gen.nextUnitDouble() < 0.5 ? 1 : 0
      case 1: return 0.5
      case 2: return gen.nextUnitDouble()
      default:
        // Beta(2, 2) by the median of three uniforms.
        let u = [gen.nextUnitDouble(), gen.nextUnitDouble(), gen.nextUnitDouble()].sorted()
        return u[1]
      }
    }
    let greedy: (inout Xoshiro256StarStar, BlockVarianceEProcess) -> Int = { gen, p in
      gen.nextUnitDouble() < 0.5 ? p.counts.indices.min { p.counts[$0] < p.counts[$1] }!
        : p.sums.indices.max { p.sums[$0] < p.sums[$1] }!
    }
    let long = Self.run(groups: 8, m: 4, r: 3, rounds: 40_000, seed: 5, stream: 1, choose: greedy, draw: draw)
    let (mean, error) = Self.meanAndError(long.payoffs)
    #expect(abs(mean) <= 4 * error, "mean payoff \(mean) ± \(error)")
    var rejections = 0
    let streams = 1_000
    for s in 0..<streams {
      let run = Self.run(groups: 8, m: 4, r: 2 + s % 3, rounds: 60, seed: 6, stream: UInt64(s), choose: greedy, draw: draw)
      if run.process.rejected { rejections += 1 }
      #expect(run.process.wealth.maximumLogWealth >= run.process.threshold || !run.process.rejected)
    }
    let rate = Double(rejections) / Double(streams)
    let se = (0.05 * 0.95 / Double(streams)).squareRoot()
    #expect(rate <= 0.05 + 3 * se, "null rejection rate \(rate)")
  }

  /// Groups drawn from w independently of the losses: E[V] is the weighted
  /// variance Σ w_g (μ_g − μ̄_w)² (within 4 standard errors over 30,000 rounds).
  @Test func payoffMeanIsTheWeightedVariance() {
    let k = 12
    var setup = Xoshiro256StarStar(seed: 9, stream: 9)
    let w = ContrastEProcessTests.shares(k, &setup)
    let mu = (0..<k).map { _ in 0.1 + 0.8 * setup.nextUnitDouble() }
    let table = Categorical(weights: w)
    let run = Self.run(groups: k, m: 6, r: 4, rounds: 30_000, seed: 10, stream: 3,
                       choose: { gen, _ in table.sample(using: &gen) },
                       draw: { g, gen in gen.nextUnitDouble() < mu[g] ? 1 : 0 })
    let mean = zip(w, mu).reduce(0) { $0 + $1.0 * $1.1 }
    let variance = zip(w, mu).reduce(0) { $0 + $1.0 * ($1.1 - mean) * ($1.1 - mean) }
    let (v, error) = Self.meanAndError(run.payoffs)
    #expect(abs(v - variance) <= 4 * error, "E[V] \(v) ± \(error), weighted variance \(variance)")
    #expect(run.process.rejected)
  }

  /// A finite pool whose groups have exactly equal means (30% ones in each),
  /// blocks drawn without replacement (the last block of a group takes what is
  /// left): the payoffs average 0 within 4 standard errors, and P(ever reject)
  /// ≤ δ + 3 SE over 1,000 pools drawn to exhaustion.
  @Test func validForAPoolWithEqualMeans() {
    let sizes = [10, 20, 30, 40, 50, 60]
    var payoffs: [Double] = []
    var rejections = 0
    let streams = 1_000
    for s in 0..<streams {
      var generator = Xoshiro256StarStar(seed: 21, stream: UInt64(s))
      var pools = sizes.map { n in (0..<n).map { $0 < 3 * n / 10 ? 1.0 : 0.0 }.shuffled(using: &generator) }
      var process = BlockVarianceEProcess(level: 0.05, groupCount: sizes.count, blockRows: 4, blocksPerRound: 3,
                                          groupSizes: sizes)
      var previous = 0.0
      while pools.contains(where: { !$0.isEmpty }) {
        let open = pools.indices.filter { !pools[$0].isEmpty }
        let g = open[Int(generator.next() % UInt64(open.count))]
        let size = min(4, pools[g].count)
        let rows = Array(pools[g].suffix(size))
        pools[g].removeLast(size)
        let bets = process.wealth.bets
        Self.feed(&process, group: g, rows: rows)
        if process.wealth.bets > bets {
          payoffs.append(process.wealth.payoffSum - previous)
          previous = process.wealth.payoffSum
        }
      }
      if process.rejected { rejections += 1 }
    }
    let (mean, error) = Self.meanAndError(payoffs)
    #expect(abs(mean) <= 4 * error, "mean payoff \(mean) ± \(error)")
    let rate = Double(rejections) / Double(streams)
    #expect(rate <= 0.05 + 3 * (0.05 * 0.95 / Double(streams)).squareRoot(), "pool null rejection rate \(rate)")
  }

  /// With two-stage blocks, the tester's roles: under a no-disparity null
  /// (ε0 = 0, population reference = weights) the violation e-value is the
  /// average of the CVaR contrast's and the blocks'; with the L2 test the
  /// blocks are that test; with ε0 > 0 there are no blocks.
  @Test func testerRoles() {
    let k = 8
    let p = Array(repeating: 1.0 / Double(k), count: k)
    func configuration(tolerance: Double, l2: Bool) -> SequentialConfiguration {
      SequentialConfiguration(groupKeys: (0..<k).map { ["g\($0)"] }, weights: p, alpha: 0.25, tolerance: tolerance,
                              delta: 0.05, reference: .population(p), l2FirstLook: l2 ? 16 : nil, method: .betting)
    }
    #expect(configuration(tolerance: 0, l2: false).toleranceNullIsNoDisparity)
    #expect(!configuration(tolerance: 0.05, l2: false).toleranceNullIsNoDisparity)
    var zipf = configuration(tolerance: 0, l2: false)
    zipf.reference = .population((0..<k).map { 1 / Double($0 + 1) })
    #expect(!zipf.toleranceNullIsNoDisparity)

    let averaged = SequentialTester(configuration: configuration(tolerance: 0, l2: false), blockRows: 8)
    #expect(averaged.blockBetting?.level == 0.05 && averaged.averagedViolationMaximum == 0)
    #expect(averaged.violationLogWealth == 0)
    let l2 = SequentialTester(configuration: configuration(tolerance: 0, l2: true), blockRows: 8)
    #expect(l2.blockBetting?.level == 0.025 && l2.l2Betting == nil && l2.averagedViolationMaximum == nil)
    let none = SequentialTester(configuration: configuration(tolerance: 0.05, l2: false), blockRows: 8)
    #expect(none.blockBetting == nil)
    let rows = SequentialTester(configuration: configuration(tolerance: 0, l2: true))
    #expect(rows.blockBetting == nil && rows.l2Betting != nil)

    // Feeding a strong disparity in blocks: the averaged violation comes, and
    // its e-value is log((W_cvar + W_blocks)/2).
    var tester = averaged
    var generator = Xoshiro256StarStar(seed: 3, stream: 3)
    let mu = (0..<k).map { $0 < 2 ? 0.8 : 0.2 }
    var n = 0
    while tester.decision == .continue && n < 100_000 {
      let g = Int(generator.next() % UInt64(k))
      for i in 0..<8 { tester.observe(group: g, loss: generator.nextUnitDouble() < mu[g] ? 1 : 0, endsUnit: i == 7) }
      n += 8
    }
    #expect(tester.decision == .violation && tester.reason == .eProcess)
    let a = tester.cvarBetting!.logWealth, b = tester.blockBetting!.logWealth
    let expected = log((exp(a) + exp(b)) / 2)
    #expect(abs(tester.violationLogWealth! - expected) < 1e-9 * max(1, abs(expected)))
    #expect(tester.maximumViolationLogWealth! >= -log(0.05))
  }
}
