import Distributions
import Foundation
import Testing
@testable import CVaRSequential

@Suite struct BettingWealthTests {
  /// A payoff with E[Y] = `mean` and Y ≥ −b: Y = b·(2U − 1) + mean with U
  /// uniform, or a two-point payoff, chosen by the seed's parity.
  static func payoff(_ generator: inout Xoshiro256StarStar, bound b: Double, mean: Double) -> Double {
    let u = generator.nextUnitDouble()
    return generator.next() & 1 == 0 ? (b + mean) * (2 * u - 1) + mean : (u < 0.5 ? -b : b + 2 * mean)
  }

  /// The mixture's log wealth is the log of the average of the products
  /// Π(1 + θ_j Y_i / b_i), computed here directly.
  @Test func mixtureEqualsDirectProducts() {
    var generator = Xoshiro256StarStar(seed: 9, stream: 1)
    var wealth = BettingWealth(strategy: .mixture)
    var products = [Double](repeating: 1, count: BettingWealth.fractions.count)
    for _ in 0..<200 {
      let b = 0.5 + generator.nextUnitDouble()
      let y = Self.payoff(&generator, bound: b, mean: 0.05)
      wealth.bet(payoff: y, bound: b)
      for j in products.indices { products[j] *= 1 + BettingWealth.fractions[j] * y / b }
    }
    let direct = log(products.reduce(0, +) / Double(products.count))
    #expect(abs(wealth.logWealth - direct) < 1e-9 * max(1, abs(direct)))
  }

  /// aGRAPA bets nothing while the payoffs so far have a non-positive mean,
  /// and never more than 0.8/b.
  @Test func agrapaBetsOnlyOnPositiveMean() {
    var wealth = BettingWealth(strategy: .agrapa)
    #expect(wealth.fractionsOfLargestBet(bound: 1) == [0])
    wealth.bet(payoff: -0.5, bound: 1)
    #expect(wealth.fractionsOfLargestBet(bound: 1) == [0])
    #expect(wealth.logWealth == 0)
    for _ in 0..<50 { wealth.bet(payoff: 1, bound: 1) }
    let theta = wealth.fractionsOfLargestBet(bound: 1)[0]
    #expect(theta > 0 && theta <= BettingWealth.largestFraction)
  }

  /// Supermartingale under the null: over seeded streams with E[Y] = 0 (and
  /// E[Y] < 0), the mean of W_T is ≤ 1 within 3 standard errors, for both
  /// strategies; the wealth never goes negative (log finite).
  @Test(arguments: BettingStrategy.allCases, [0.0, -0.05])
  func nullWealthIsSupermartingale(strategy: BettingStrategy, mean: Double) {
    let runs = 2000
    var finals: [Double] = []
    for r in 0..<runs {
      var generator = Xoshiro256StarStar(seed: 21, stream: UInt64(r))
      var wealth = BettingWealth(strategy: strategy)
      for _ in 0..<100 {
        let b = 0.2 + generator.nextUnitDouble()
        wealth.bet(payoff: Self.payoff(&generator, bound: b, mean: mean), bound: b)
        #expect(wealth.logWealth.isFinite)
      }
      finals.append(exp(wealth.logWealth))
    }
    let average = finals.reduce(0, +) / Double(runs)
    let sd = (finals.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(runs - 1)).squareRoot()
    #expect(average <= 1 + 3 * sd / Double(runs).squareRoot())
  }

  /// Ville: P(sup_t W_t ≥ 1/δ) ≤ δ within Monte-Carlo error; and under a
  /// positive mean the wealth does grow past 1/δ (the check can fail).
  @Test(arguments: BettingStrategy.allCases)
  func villeBoundAndPower(strategy: BettingStrategy) {
    let delta = 0.2
    let runs = 1000
    var crossed = 0
    var powered = 0
    for r in 0..<runs {
      var generator = Xoshiro256StarStar(seed: 4, stream: UInt64(r))
      var null = BettingWealth(strategy: strategy)
      var alternative = BettingWealth(strategy: strategy)
      for _ in 0..<300 {
        null.bet(payoff: Self.payoff(&generator, bound: 1, mean: 0), bound: 1)
        alternative.bet(payoff: Self.payoff(&generator, bound: 1, mean: 0.2), bound: 1)
      }
      if null.maximumLogWealth >= -log(delta) { crossed += 1 }
      if alternative.maximumLogWealth >= -log(delta) { powered += 1 }
    }
    let rate = Double(crossed) / Double(runs)
    #expect(rate <= delta + 3 * (delta * (1 - delta) / Double(runs)).squareRoot())
    #expect(powered > runs * 9 / 10)
  }
}
