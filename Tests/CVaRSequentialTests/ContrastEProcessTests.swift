import CVaRAudit
import Distributions
import Foundation
import Testing
@testable import CVaRSequential

@Suite struct ContrastEProcessTests {
  static func shares(_ k: Int, _ generator: inout Xoshiro256StarStar) -> [Double] {
    let raw = (0..<k).map { _ in generator.nextUnitDouble() + 0.05 }
    let total = raw.reduce(0, +)
    return raw.map { $0 / total }
  }

  static func rule(_ k: Int, _ generator: inout Xoshiro256StarStar) -> CVaRContrast {
    let references: [ContrastReference] = [.population(shares(k, &generator)), .value(0.3), .group(0)]
    return CVaRContrast(weights: shares(k, &generator), alpha: 0.1 + 0.5 * generator.nextUnitDouble(),
                        tolerance: 0.05, disparity: DisparityKind.allCases[Int(generator.next() % 3)],
                        reference: references[Int(generator.next() % 3)])
  }

  /// Over 300 seeded states (after random streams, infinite populations):
  /// the expected payoff of the next unit, computed exactly from the design
  /// π and Bernoulli(μ_g) losses, equals Σ c_g μ_g + offset (the importance
  /// weighting is unbiased for every predictable contrast), and every
  /// possible payoff lies at or above −b.
  @Test func payoffIsUnbiasedAndBounded() {
    var generator = Xoshiro256StarStar(seed: 12, stream: 4)
    for _ in 0..<300 {
      let k = 2 + Int(generator.next() % 10)
      let pi = Self.shares(k, &generator)
      let mu = (0..<k).map { _ in generator.nextUnitDouble() }
      var process = ContrastEProcess(rule: Self.rule(k, &generator), level: 0.05, groupCount: k,
                                     design: .probabilities(pi))
      let table = Categorical(weights: pi)
      for _ in 0..<Int(generator.next() % 200) {
        let g = table.sample(using: &generator)
        process.observe(group: g, loss: generator.nextUnitDouble() < mu[g] ? 1 : 0)
      }
      var expected = 0.0
      for g in 0..<k {
        let y0 = process.payoff(group: g, mean: 0), y1 = process.payoff(group: g, mean: 1)
        expected += pi[g] * (mu[g] * y1 + (1 - mu[g]) * y0)
        #expect(min(y0, y1) >= -process.bound - 1e-12)
      }
      let truth = CVaRContrast.value((process.coefficients, process.offset), at: mu)
      #expect(abs(expected - truth) < 1e-9 * max(1, abs(truth)))
    }
  }

  /// The finite-pool form: with rows drawn uniformly from what is left of a
  /// pool (π_t(g) = (N_g − n_g)/(N − n)), the expected payoff over the rows
  /// left equals the contrast at the pool's own group means, exactly; and
  /// the payoff stays above −b. 200 seeded pools.
  @Test func poolPayoffIsUnbiasedForThePoolMeans() {
    var generator = Xoshiro256StarStar(seed: 13, stream: 5)
    for _ in 0..<200 {
      let k = 2 + Int(generator.next() % 6)
      var pool = (0..<k).map { _ in (0..<(1 + Int(generator.next() % 12))).map { _ in generator.nextUnitDouble() } }
      let poolMeans = pool.map { $0.reduce(0, +) / Double($0.count) }
      var process = ContrastEProcess(rule: Self.rule(k, &generator), level: 0.05, groupCount: k,
                                     design: .uniformFromPool, groupSizes: pool.map(\.count))
      let total = pool.reduce(0) { $0 + $1.count }
      for _ in 0..<Int(generator.next() % UInt64(total)) {
        var r = Int(generator.next() % UInt64(pool.reduce(0) { $0 + $1.count }))
        var g = 0
        while r >= pool[g].count { r -= pool[g].count; g += 1 }
        process.observe(group: g, loss: pool[g].remove(at: r))
      }
      let left = Double(pool.reduce(0) { $0 + $1.count })
      var expected = 0.0
      for g in 0..<k where !pool[g].isEmpty {
        #expect(abs(process.probability(g) - Double(pool[g].count) / left) < 1e-15)
        for x in pool[g] {
          let y = process.payoff(group: g, mean: x)
          expected += y / left
          #expect(y >= -process.bound - 1e-12)
        }
      }
      let truth = CVaRContrast.value((process.coefficients, process.offset), at: poolMeans)
      #expect(abs(expected - truth) < 1e-9 * max(1, abs(truth)))
    }
  }

  /// A two-stage block is one unit: the bet is placed when it closes.
  @Test func blockIsOneUnit() {
    let rule = L2Contrast(weights: [1, 1])
    var process = ContrastEProcess(rule: rule, level: 0.05, groupCount: 2, design: .probabilities([0.5, 0.5]))
    process.observe(group: 1, loss: 1, endsUnit: false)
    #expect(process.units == 0 && process.observations == 0)
    process.observe(group: 1, loss: 0, endsUnit: true)
    #expect(process.units == 1 && process.observations == 2 && process.counts == [0, 2] && process.sums == [0, 1])
  }

  /// The whole e-process under the null of no disparity (every contrast has
  /// mean exactly 0: a martingale): over 1,500 seeded streams of 400
  /// observations with Zipf shares, the mean of W_T is ≤ 1 within three
  /// standard errors and P(ever W ≥ 1/δ) ≤ δ within Monte-Carlo error,
  /// for the CVaR and the L2 contrast.
  @Test(arguments: [false, true])
  func nullStreamsAreSupermartingales(l2: Bool) {
    let k = 8, runs = 1500, delta = 0.2
    let raw: [Double] = (0..<k).map { 1 / Double($0 + 1) }
    let total = raw.reduce(0, +)
    let p: [Double] = raw.map { $0 / total }
    let table = Categorical(weights: p)
    var finals: [Double] = []
    var crossed = 0
    for r in 0..<runs {
      var generator = Xoshiro256StarStar(seed: 55, stream: UInt64(r))
      var cvar = ContrastEProcess(rule: CVaRContrast(weights: p, alpha: 0.2, tolerance: 0, disparity: .oneSided,
                                                     reference: .population(p)),
                                  level: delta, groupCount: k, design: .probabilities(p))
      var other = ContrastEProcess(rule: L2Contrast(weights: p), level: delta, groupCount: k, design: .probabilities(p))
      for _ in 0..<400 {
        let g = table.sample(using: &generator)
        let x: Double = generator.nextUnitDouble() < 0.3 ? 1 : 0
        if l2 { other.observe(group: g, loss: x) } else { cvar.observe(group: g, loss: x) }
      }
      let wealth = l2 ? other.wealth : cvar.wealth
      finals.append(exp(wealth.logWealth))
      if wealth.maximumLogWealth >= -log(delta) { crossed += 1 }
    }
    let average = finals.reduce(0, +) / Double(runs)
    let sd = (finals.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(runs - 1)).squareRoot()
    #expect(average <= 1 + 3 * sd / Double(runs).squareRoot())
    #expect(Double(crossed) / Double(runs) <= delta + 3 * (delta * (1 - delta) / Double(runs)).squareRoot())
  }
}
