import RealModule

/// The Stirling-series remainder of log Γ and the log-beta function built on it.
///
/// log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b) as a plain difference loses
/// the digits of its largest term: at a + b = 10⁷, log Γ(a + b) ≈ 1.5·10⁸ has
/// an ulp of 3·10⁻⁸, so the difference carries an absolute error of ~10⁻⁸
/// whatever its size. The form below (R's `lbeta`, after Loader) never forms
/// the large terms: with p = min(a, b), q = max(a, b) and the remainder
///
///     δ(x) = log Γ(x) − ((x − ½) log x − x + ½ log 2π)
///          = 1/(12x) − 1/(360x³) + 1/(1260x⁵) − 1/(1680x⁷) + 1/(1188x⁹)
///            − 691/(360360x¹¹) + 1/(156x¹³) − 3617/(122400x¹⁵)      (x ≥ 10),
///
///     p ≥ 10:        log B = −½ log q + ½ log 2π + δ(p) + δ(q) − δ(p + q)
///                            + (p − ½) log(p/(p + q)) + q log1p(−p/(p + q))
///     p < 10 ≤ q:    log B = log Γ(p) + δ(q) − δ(p + q) + p − p log(p + q)
///                            + (q − ½) log1p(−p/(p + q))
///     q < 10:        log B = log Γ(p) + log Γ(q) − log Γ(p + q)
///
/// The series is asymptotic with terms of alternating sign, so its error is
/// below the first omitted term, 43867/(244188x¹⁷) < 2·10⁻¹⁸ at x ≥ 10.
/// (swift-numerics has `logGamma` but no log-beta; Boost's `beta` and R's
/// `lbeta` are the models.) Checked against mpmath at 50 digits
/// (`Tests/Oracles/make_fixtures.py`, `logBeta` cases).
public enum StirlingSeries {
  @usableFromInline static let halfLogTwoPi = 0.918_938_533_204_672_741_78

  /// δ(x) for x ≥ 10.
  ///
  /// - Precondition: x ≥ 10.
  @inlinable
  public static func correction(_ x: Double) -> Double {
    precondition(x >= 10, "the Stirling remainder series needs x ≥ 10")
    let r = 1 / x
    let r2 = r * r
    let series = 1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 - r2 * (1.0 / 1188
      - r2 * (691.0 / 360360 - r2 * (1.0 / 156 - r2 * 3617.0 / 122400))))))
    return series * r
  }
}

extension IncompleteBeta {
  /// log B(a, b), accurate to a few ulps for all a, b > 0 (see `StirlingSeries`).
  ///
  /// - Returns: NaN unless a, b > 0 and finite.
  /// - Complexity: O(1).
  public static func logBeta(_ a: Double, _ b: Double) -> Double {
    guard a > 0, b > 0, a.isFinite, b.isFinite else { return .nan }
    let p = min(a, b), q = max(a, b)
    if p >= 10 {
      let correction = StirlingSeries.correction(p) + StirlingSeries.correction(q) - StirlingSeries.correction(p + q)
      let share = p / (p + q)
      return -0.5 * Double.log(q) + StirlingSeries.halfLogTwoPi + correction
        + (p - 0.5) * Double.log(share) + q * Double.log(onePlus: -share)
    }
    if q >= 10 {
      let correction = StirlingSeries.correction(q) - StirlingSeries.correction(p + q)
      return Double.logGamma(p) + correction + p - p * Double.log(p + q)
        + (q - 0.5) * Double.log(onePlus: -p / (p + q))
    }
    return Double.logGamma(p) + Double.logGamma(q) - Double.logGamma(p + q)
  }
}
