import Distributions
import RealModule

/// A closed interval [lower, upper].
public struct ConfidenceInterval: Hashable, Sendable, Codable, BitwiseCopyable {
  public var lower: Double
  public var upper: Double
  public init(lower: Double, upper: Double) {
    self.lower = lower
    self.upper = upper
  }
  public static let undefined = ConfidenceInterval(lower: .nan, upper: .nan)
  public func contains(_ x: Double) -> Bool { lower <= x && x <= upper }
}

/// How a per-group interval for a mean in [0, 1] is formed.
public enum IntervalMethod: String, CaseIterable, Sendable, Codable {
  /// Wilson score interval (binary losses). Approximate, good coverage.
  case wilson
  /// Clopper–Pearson, from beta quantiles (binary losses). Exact: coverage ≥ the level.
  case clopperPearson = "clopper-pearson"
  /// Hoeffding's inequality for any loss in [0, 1]. Conservative.
  case hoeffding
  /// Empirical Bernstein (Maurer & Pontil 2009) for any loss in [0, 1].
  case empiricalBernstein = "bernstein"

  /// Whether the method needs a binary loss.
  public var needsBinaryLoss: Bool { self == .wilson || self == .clopperPearson }

  /// The interval for the mean of `statistics` at two-sided error rate `delta`
  /// (confidence 1 − δ). Undefined (NaN) when n = 0.
  public func interval(_ statistics: SufficientStatistics, delta: Double) -> ConfidenceInterval {
    let n = statistics.count
    guard n > 0 else { return .undefined }
    switch self {
    case .wilson:
      return ProportionInterval.wilson(successes: statistics.sum, trials: n, delta: delta)
    case .clopperPearson:
      return ProportionInterval.clopperPearson(successes: Int(statistics.sum.rounded()), trials: n, delta: delta)
    case .hoeffding:
      return MeanInterval.hoeffding(mean: statistics.mean, count: n, delta: delta)
    case .empiricalBernstein:
      return MeanInterval.empiricalBernstein(mean: statistics.mean, variance: statistics.variance, count: n, delta: delta)
    }
  }
}

/// Confidence intervals for a binomial proportion.
public enum ProportionInterval {
  /// Wilson's score interval at confidence 1 − δ:
  ///
  ///     z = Φ⁻¹(1 − δ/2),  p̂ = x/n
  ///     centre = (p̂ + z²/(2n)) / (1 + z²/n)
  ///     half-width = z·√(p̂(1 − p̂)/n + z²/(4n²)) / (1 + z²/n)
  ///
  /// (the same as statsmodels' `proportion_confint(method="wilson")`).
  public static func wilson(successes x: Double, trials n: Int, delta: Double) -> ConfidenceInterval {
    precondition(delta > 0 && delta < 1, "delta must lie in (0, 1)")
    guard n > 0 else { return .undefined }
    let nn = Double(n)
    let z = -Normal.quantile(delta / 2)
    let p = x / nn
    let z2 = z * z
    let denominator = 1 + z2 / nn
    let centre = (p + z2 / (2 * nn)) / denominator
    let half = z * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot() / denominator
    // At x = 0 and x = n the bound is exactly 0 (resp. 1); rounding would leave ~1e-17.
    return ConfidenceInterval(lower: x == 0 ? 0 : max(0, centre - half), upper: x == nn ? 1 : min(1, centre + half))
  }

  /// The Clopper–Pearson interval at confidence 1 − δ:
  ///
  ///     lower = B⁻¹(δ/2; x, n − x + 1)   (0 when x = 0)
  ///     upper = B⁻¹(1 − δ/2; x + 1, n − x)   (1 when x = n)
  ///
  /// with B⁻¹ the beta quantile (statsmodels' `method="beta"`).
  public static func clopperPearson(successes x: Int, trials n: Int, delta: Double) -> ConfidenceInterval {
    precondition(delta > 0 && delta < 1, "delta must lie in (0, 1)")
    precondition(x >= 0 && x <= n, "successes must lie in 0...trials")
    guard n > 0 else { return .undefined }
    let lower = x == 0 ? 0 : Beta.quantile(delta / 2, a: Double(x), b: Double(n - x + 1))
    let upper = x == n ? 1 : Beta.quantile(1 - delta / 2, a: Double(x + 1), b: Double(n - x))
    return ConfidenceInterval(lower: lower, upper: upper)
  }
}

/// Confidence intervals for the mean of a variable bounded in [0, 1].
public enum MeanInterval {
  /// Hoeffding: μ̂ ± √(log(2/δ) / (2n)), clipped to [0, 1].
  public static func hoeffding(mean: Double, count n: Int, delta: Double) -> ConfidenceInterval {
    precondition(delta > 0 && delta < 1, "delta must lie in (0, 1)")
    guard n > 0 else { return .undefined }
    let half = (Double.log(2 / delta) / (2 * Double(n))).squareRoot()
    return ConfidenceInterval(lower: max(0, mean - half), upper: min(1, mean + half))
  }

  /// Empirical Bernstein (Maurer & Pontil 2009, Theorem 4, each side at δ/2):
  ///
  ///     μ̂ ± ( √(2 s² log(4/δ) / n) + 7 log(4/δ) / (3(n − 1)) )
  ///
  /// with s² the unbiased sample variance; [0, 1] when n < 2.
  public static func empiricalBernstein(mean: Double, variance: Double, count n: Int, delta: Double) -> ConfidenceInterval {
    precondition(delta > 0 && delta < 1, "delta must lie in (0, 1)")
    guard n > 0 else { return .undefined }
    guard n >= 2 else { return ConfidenceInterval(lower: 0, upper: 1) }
    let nn = Double(n)
    let logTerm = Double.log(4 / delta)
    let half = (2 * variance * logTerm / nn).squareRoot() + 7 * logTerm / (3 * (nn - 1))
    return ConfidenceInterval(lower: max(0, mean - half), upper: min(1, mean + half))
  }
}
