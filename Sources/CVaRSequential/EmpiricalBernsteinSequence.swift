import CVaRAudit
import RealModule

/// An anytime-valid confidence sequence for the mean of observations in
/// [0, 1]: the predictable plug-in empirical-Bernstein (PrPl-EB) confidence
/// sequence of Waudby-Smith & Ramdas, "Estimating means of bounded random
/// variables by betting", JRSS-B 86(1), 2024 (arXiv:2010.09686), Theorem 2
/// and eqs. (13)–(15), followed by a running intersection; and, for draws
/// without replacement from a finite population of N values, its
/// without-replacement form (Waudby-Smith & Ramdas, "Confidence sequences for
/// sampling without replacement", NeurIPS 2020, arXiv:2006.04347, section 3,
/// the empirical-Bernstein CS).
///
/// With X₁, X₂, … ∈ [0, 1] and level δ (their α):
///
///     μ̂_t  = (1/2 + Σ_{i≤t} X_i) / (t + 1)                     μ̂₀ = 1/2
///     σ̂²_t = (1/4 + Σ_{i≤t} (X_i − μ̂_i)²) / (t + 1)           σ̂²₀ = 1/4
///     λ_t  = min( √(2 log(2/δ) / (σ̂²_{t−1} · t · log(1 + t))), c ),   c = 1/2
///     v_t  = 4 (X_t − μ̂_{t−1})²,      ψ_E(λ) = (−log(1 − λ) − λ) / 4
///     C_t  = Σλ_i(X_i + a_i) / Σλ_i b_i  ±  (log(2/δ) + Σ v_i ψ_E(λ_i)) / Σλ_i b_i
///
/// where a_i = 0, b_i = 1 for an infinite population (i.i.d. draws with a
/// constant conditional mean μ: the PrPl-EB sequence), and for a population
/// of N values with mean μ drawn without replacement
///
///     a_i = S_{i−1} / (N − i + 1),   b_i = N / (N − i + 1),   S_{i−1} = Σ_{j<i} X_j.
///
/// Why the second form holds: the mean of the values not yet drawn is
/// μ_i = (Nμ − S_{i−1})/(N − i + 1) = E[X_i | past], so X_i − μ_i =
/// X_i + a_i − b_i μ. For any predictable λ_i ∈ [0, 1) and predictable μ̂,
/// exp(λ(X_i − μ_i) − v_i ψ_E(λ)) has conditional mean ≤ 1 (Fan et al.'s
/// inequality exp(λξ − ξ²(−log(1−λ) − λ)) ≤ 1 + λξ for ξ = X_i − μ̂_{i−1} ≥ −1,
/// then 1 + λ(μ_i − μ̂) ≤ exp(λ(μ_i − μ̂))), whether μ_i is constant or not.
/// So Π_i exp(±λ_i(X_i + a_i − b_i μ) − v_i ψ_E(λ_i)) are non-negative
/// supermartingales at the true μ; Ville's inequality at 2/δ for each sign
/// gives P(∃t: μ ∉ C_t) ≤ δ, and solving the two conditions for μ gives C_t.
/// With N = ∞ (a_i = 0, b_i = 1) it is the i.i.d. sequence above. Without
/// replacement the interval is also intersected with the bounds that hold
/// surely, [S_t/N, (S_t + N − t)/N] (the undrawn values lie in [0, 1]); at
/// t = N the population is exhausted and the interval is its known mean,
/// [S_N/N, S_N/N].
///
/// Because the guarantee holds for all t at once, the running intersection
/// ∩_{s≤t} C_s ∩ [0, 1] is also a (1 − δ) confidence sequence; it is what
/// `lower`/`upper` report, so the bounds are monotone (lower non-decreasing,
/// upper non-increasing), which the CVaR bound maintenance of
/// `SequentialTester` relies on.
///
/// An empty running intersection (lower > upper) cannot happen while the
/// sequence covers the mean, so it is evidence (at level δ) that the
/// assumption failed: the conditional mean of the observations was not
/// constant (for N = ∞), e.g. rows sorted by group or drifting over time.
/// It is recorded in `emptiedAt` and the bounds are left crossed, not clamped.
///
/// Why this construction: every quantity is a running sum, so an update is
/// O(1) (two logarithms and a square root), the state is a few numbers, and
/// it stays valid when which group is observed next depends on the past
/// (λ_t is predictable), which the adaptive samplers need. The hedged-capital
/// betting CS of the same papers is tighter but needs a grid of candidate
/// means (O(grid) per observation).
///
/// The sums are kept in a struct of plain numbers so that the state saves to
/// JSON exactly.
public struct EmpiricalBernsteinSequence: Hashable, Sendable, Codable {
  /// log(2/δ) for the sequence's level δ.
  public let logTerm: Double
  /// N when the observations are draws without replacement from N values
  /// (nil: an infinite population, i.i.d. draws).
  public let populationSize: Int?
  /// Observations so far (t).
  public private(set) var count: Int = 0
  /// Σ X_i (for μ̂).
  public private(set) var sum: Double = 0
  /// Σ (X_i − μ̂_i)² (for σ̂²).
  public private(set) var squaredDeviations: Double = 0
  /// Σ λ_i b_i.
  public private(set) var lambdaSum: Double = 0
  /// Σ λ_i (X_i + a_i).
  public private(set) var weightedSum: Double = 0
  /// Σ v_i ψ_E(λ_i).
  public private(set) var penalty: Double = 0
  /// The running-intersection lower bound (0 before any observation).
  public private(set) var lower: Double = 0
  /// The running-intersection upper bound (1 before any observation).
  public private(set) var upper: Double = 1
  /// The observation at which the running intersection first became empty
  /// (lower > upper), or nil: evidence that the conditional mean was not
  /// constant (see the type's comment).
  public private(set) var emptiedAt: Int?

  /// The largest bet λ (their c).
  public static let maximumBet = 0.5

  /// A sequence at level δ ∈ (0, 1): P(ever failing to cover the mean) ≤ δ.
  ///
  /// - Parameter populationSize: N for draws without replacement from N ≥ 1
  ///   values (their mean is then the target), nil for i.i.d. draws.
  public init(delta: Double, populationSize: Int? = nil) {
    precondition(delta > 0 && delta < 1, "delta must lie in (0, 1)")
    precondition(populationSize.map { $0 >= 1 } ?? true, "a finite population has at least one value")
    logTerm = Double.log(2 / delta)
    self.populationSize = populationSize
  }

  /// The plug-in mean μ̂_t = (1/2 + Σ X_i) / (t + 1).
  public var regularizedMean: Double { (0.5 + sum) / Double(count + 1) }

  /// The sample mean Σ X_i / t (NaN before any observation).
  public var mean: Double { count > 0 ? sum / Double(count) : .nan }

  /// Whether every value of a finite population has been drawn.
  public var isExhausted: Bool { populationSize == count }

  /// Adds one observation x ∈ [0, 1] and updates the bounds.
  ///
  /// - Precondition: 0 ≤ x ≤ 1, and a finite population is not exhausted.
  /// - Complexity: O(1).
  public mutating func observe(_ x: Double) {
    precondition(x >= 0 && x <= 1, "observations must lie in [0, 1]")
    precondition(!isExhausted, "every value of the population has been drawn")
    let t = Double(count + 1)
    let previousMean = (0.5 + sum) / t                       // μ̂_{t−1}
    let previousVariance = (0.25 + squaredDeviations) / t    // σ̂²_{t−1}
    let bet = Swift.min((2 * logTerm / (previousVariance * t * Double.log(onePlus: t))).squareRoot(),
                        Self.maximumBet)
    // a_t and b_t (0 and 1 for an infinite population).
    var shift = 0.0, scale = 1.0
    if let n = populationSize {
      let remaining = Double(n - count)                      // N − t + 1
      shift = sum / remaining
      scale = Double(n) / remaining
    }
    let residual = x - previousMean
    let psi = (-Double.log(onePlus: -bet) - bet) / 4
    count += 1
    sum += x
    let currentMean = (0.5 + sum) / (t + 1)                  // μ̂_t
    squaredDeviations += (x - currentMean) * (x - currentMean)
    lambdaSum += bet * scale
    weightedSum += bet * (x + shift)
    penalty += 4 * residual * residual * psi
    let center = weightedSum / lambdaSum
    let radius = (logTerm + penalty) / lambdaSum
    lower = Swift.max(lower, center - radius)
    upper = Swift.min(upper, center + radius)
    if let n = populationSize {
      let size = Double(n)
      if count == n {
        // Exhausted: the mean is known. A running intersection that excluded
        // it had failed (recorded as empty).
        let known = sum / size
        if emptiedAt == nil && !(lower <= known && known <= upper) { emptiedAt = count }
        lower = known
        upper = known
      } else {
        lower = Swift.max(lower, sum / size)
        upper = Swift.min(upper, (sum + size - Double(count)) / size)
      }
    }
    if emptiedAt == nil && lower > upper { emptiedAt = count }
  }

  /// The current running-intersection interval (lower > upper once it is empty).
  public var interval: ConfidenceInterval { ConfidenceInterval(lower: lower, upper: upper) }
}
