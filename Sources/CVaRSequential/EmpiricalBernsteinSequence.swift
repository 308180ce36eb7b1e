import CVaRAudit
import RealModule

/// An anytime-valid confidence sequence for the mean of observations in
/// [0, 1]: the predictable plug-in empirical-Bernstein (PrPl-EB) confidence
/// sequence of Waudby-Smith & Ramdas, "Estimating means of bounded random
/// variables by betting", JRSS-B 86(1), 2024 (arXiv:2010.09686), Theorem 2
/// and eqs. (13)–(15), followed by a running intersection.
///
/// With X₁, X₂, … ∈ [0, 1] whose conditional mean given the past is μ, and
/// level δ (their α):
///
///     μ̂_t  = (1/2 + Σ_{i≤t} X_i) / (t + 1)                     μ̂₀ = 1/2
///     σ̂²_t = (1/4 + Σ_{i≤t} (X_i − μ̂_i)²) / (t + 1)           σ̂²₀ = 1/4
///     λ_t  = min( √(2 log(2/δ) / (σ̂²_{t−1} · t · log(1 + t))), c ),   c = 1/2
///     v_t  = 4 (X_t − μ̂_{t−1})²,      ψ_E(λ) = (−log(1 − λ) − λ) / 4
///     C_t  = Σλ_iX_i / Σλ_i  ±  (log(2/δ) + Σ v_i ψ_E(λ_i)) / Σλ_i
///
/// and P(∃t: μ ∉ C_t) ≤ δ. Because the guarantee holds for all t at once, the
/// running intersection ∩_{s≤t} C_s ∩ [0, 1] is also a (1 − δ) confidence
/// sequence; it is what `lower`/`upper` report, so the bounds are monotone
/// (lower non-decreasing, upper non-increasing), which the CVaR bound
/// maintenance of `SequentialTester` relies on.
///
/// Why this construction: every quantity is a running sum, so an update is
/// O(1) (two logarithms and a square root), the state is eight numbers, and
/// it stays valid when which group is observed next depends on the past
/// (λ_t is predictable), which the adaptive samplers need. The hedged-capital
/// betting CS of the same paper is tighter but needs a grid of candidate
/// means (O(grid) per observation).
///
/// The sums are kept in a struct of plain numbers so that the state saves to
/// JSON exactly.
public struct EmpiricalBernsteinSequence: Hashable, Sendable, Codable {
  /// log(2/δ) for the sequence's level δ.
  public let logTerm: Double
  /// Observations so far (t).
  public private(set) var count: Int = 0
  /// Σ X_i (for μ̂).
  public private(set) var sum: Double = 0
  /// Σ (X_i − μ̂_i)² (for σ̂²).
  public private(set) var squaredDeviations: Double = 0
  /// Σ λ_i.
  public private(set) var lambdaSum: Double = 0
  /// Σ λ_i X_i.
  public private(set) var weightedSum: Double = 0
  /// Σ v_i ψ_E(λ_i).
  public private(set) var penalty: Double = 0
  /// The running-intersection lower bound (0 before any observation).
  public private(set) var lower: Double = 0
  /// The running-intersection upper bound (1 before any observation).
  public private(set) var upper: Double = 1

  /// The largest bet λ (their c).
  public static let maximumBet = 0.5

  /// A sequence at level δ ∈ (0, 1): P(ever failing to cover the mean) ≤ δ.
  public init(delta: Double) {
    precondition(delta > 0 && delta < 1, "delta must lie in (0, 1)")
    logTerm = Double.log(2 / delta)
  }

  /// The plug-in mean μ̂_t = (1/2 + Σ X_i) / (t + 1).
  public var regularizedMean: Double { (0.5 + sum) / Double(count + 1) }

  /// The sample mean Σ X_i / t (NaN before any observation).
  public var mean: Double { count > 0 ? sum / Double(count) : .nan }

  /// Adds one observation x ∈ [0, 1] and updates the bounds.
  ///
  /// - Precondition: 0 ≤ x ≤ 1.
  /// - Complexity: O(1).
  public mutating func observe(_ x: Double) {
    precondition(x >= 0 && x <= 1, "observations must lie in [0, 1]")
    let t = Double(count + 1)
    let previousMean = (0.5 + sum) / t                       // μ̂_{t−1}
    let previousVariance = (0.25 + squaredDeviations) / t    // σ̂²_{t−1}
    let bet = Swift.min((2 * logTerm / (previousVariance * t * Double.log(onePlus: t))).squareRoot(),
                        Self.maximumBet)
    let residual = x - previousMean
    let psi = (-Double.log(onePlus: -bet) - bet) / 4
    count += 1
    sum += x
    let currentMean = (0.5 + sum) / (t + 1)                  // μ̂_t
    squaredDeviations += (x - currentMean) * (x - currentMean)
    lambdaSum += bet
    weightedSum += bet * x
    penalty += 4 * residual * residual * psi
    let center = weightedSum / lambdaSum
    let radius = (logTerm + penalty) / lambdaSum
    lower = Swift.max(lower, center - radius)
    upper = Swift.min(upper, center + radius)
  }

  /// The current running-intersection interval.
  public var interval: ConfidenceInterval { ConfidenceInterval(lower: lower, upper: upper) }
}
