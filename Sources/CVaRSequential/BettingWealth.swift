import Foundation

/// How a betting e-process chooses its bet λ_t from the past (docs/method.md §10).
public enum BettingStrategy: String, CaseIterable, Hashable, Sendable, Codable {
  /// The average of J = 12 wealth processes with constant fractions
  /// θ_j = 0.8 · 2^{−j} of the largest admissible bet 1/b_t (j = 0, …, 11).
  /// An average of test supermartingales is one; the mixture is never far
  /// behind the best fixed fraction in hindsight (log J ≈ 2.5 nats).
  case mixture
  /// Approximate growth-rate adaptive to the particular alternative
  /// (aGRAPA, Waudby-Smith & Ramdas 2024): λ_t = μ̂/(σ̂² + μ̂²) from the
  /// payoffs so far, clipped to [0, 0.8/b_t].
  case agrapa
}

/// The wealth W_t = Π_{i ≤ t} (1 + λ_i Y_i) of a gambler who bets against a
/// null under which every payoff has E[Y_t | past] ≤ 0 and Y_t ≥ −b_t, with
/// b_t known before Y_t (predictable).
///
/// Each bet λ_t ∈ [0, 0.8/b_t] depends only on the past, so 1 + λ_t Y_t ≥ 0.2
/// and E[1 + λ_t Y_t | past] ≤ 1: W is a non-negative supermartingale with
/// W_0 = 1 under the null, and by Ville's inequality
/// P(sup_t W_t ≥ 1/δ) ≤ δ. Kept in logarithms (no overflow).
public struct BettingWealth: Hashable, Sendable, Codable {
  public let strategy: BettingStrategy
  /// log W_j of the mixture's components (one entry for aGRAPA).
  public private(set) var logWealths: [Double]
  /// Payoffs seen, their sum and sum of squares (aGRAPA's estimates).
  public private(set) var bets = 0
  public private(set) var payoffSum = 0.0
  public private(set) var payoffSquares = 0.0
  /// The largest log W seen so far (what Ville's inequality bounds).
  public private(set) var maximumLogWealth = 0.0

  /// The fractions θ_j of the mixture.
  public static let fractions: [Double] = (0..<12).map { 0.8 * pow(2, -Double($0)) }
  /// The largest fraction of 1/b_t any strategy bets.
  public static let largestFraction = 0.8

  public init(strategy: BettingStrategy) {
    self.strategy = strategy
    logWealths = Array(repeating: 0, count: strategy == .mixture ? Self.fractions.count : 1)
  }

  /// log W_t (for the mixture, the log of the components' average).
  ///
  /// - Complexity: O(J).
  public var logWealth: Double {
    guard logWealths.count > 1 else { return logWealths[0] }
    let top = logWealths.max()!
    let sum = logWealths.reduce(0) { $0 + exp($1 - top) }
    return top + log(sum / Double(logWealths.count))
  }

  /// The bets the strategy would place now against a payoff bounded below by −b.
  ///
  /// - Complexity: O(J).
  public func fractionsOfLargestBet(bound b: Double) -> [Double] {
    switch strategy {
    case .mixture:
      return Self.fractions
    case .agrapa:
      return [agrapaFraction(bound: b)]
    }
  }

  /// aGRAPA's fraction of the largest bet 1/b.
  private func agrapaFraction(bound b: Double) -> Double {
    // Prior: one payoff of 0 and a second moment of b²/4.
    let mean = payoffSum / Double(bets + 1)
    let secondMoment = (0.25 * b * b + payoffSquares) / Double(bets + 1)
    let lambda = secondMoment > 0 ? mean / secondMoment : 0
    return min(max(lambda * b, 0), Self.largestFraction)
  }

  /// Bets on payoff y, known beforehand to satisfy y ≥ −b (b ≥ 0), and
  /// returns log W_t.
  ///
  /// - Precondition: b ≥ 0 and y ≥ −b (up to rounding: 1e-9·(1 + b)).
  /// - Complexity: O(J).
  @discardableResult
  public mutating func bet(payoff y: Double, bound b: Double) -> Double {
    precondition(b >= 0 && y.isFinite, "a finite payoff with a non-negative bound")
    precondition(y >= -b - 1e-9 * (1 + b), "the payoff \(y) lies below its bound −\(b)")
    let scale = 1 / max(b, 1e-12)
    if strategy == .agrapa {
      // fractionsOfLargestBet's one fraction, without allocating its array
      // (this runs once per observation).
      logWealths[0] += log1p(max(agrapaFraction(bound: b) * scale * y, -Self.largestFraction))
    } else {
      let theta = fractionsOfLargestBet(bound: b)
      for j in logWealths.indices {
        logWealths[j] += log1p(max(theta[j] * scale * y, -Self.largestFraction))
      }
    }
    bets += 1
    payoffSum += y
    payoffSquares += y * y
    let now = logWealth
    maximumLogWealth = max(maximumLogWealth, now)
    return now
  }
}
