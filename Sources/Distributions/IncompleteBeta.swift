import RealModule

/// The regularized incomplete beta function and its inverse.
public enum IncompleteBeta {
  /// The regularized incomplete beta function
  ///
  ///     I_x(a, b) = (1 / B(a, b)) ∫₀ˣ t^(a−1) (1 − t)^(b−1) dt,   a, b > 0, x ∈ [0, 1].
  ///
  /// Evaluated with the continued fraction
  ///
  ///     I_x(a, b) = x^a (1 − x)^b / (a B(a, b)) · 1/(1 + d₁/(1 + d₂/(1 + …)))
  ///     d₂ₘ₊₁ = −(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
  ///     d₂ₘ   = m (b − m) x / ((a + 2m − 1)(a + 2m))
  ///
  /// (modified Lentz evaluation), which converges quickly for
  /// x < (a + 1)/(a + b + 2); otherwise the symmetry
  /// I_x(a, b) = 1 − I_{1−x}(b, a) is used. Returns NaN for invalid arguments.
  ///
  /// - Complexity: O(√max(a, b)) continued-fraction terms.
  public static func regularized(_ x: Double, a: Double, b: Double) -> Double {
    guard a > 0, b > 0, x >= 0, x <= 1, a.isFinite, b.isFinite else { return .nan }
    if x == 0 { return 0 }
    if x == 1 { return 1 }
    if x > (a + 1) / (a + b + 2) {
      return 1 - lowerTail(1 - x, a: b, b: a)
    }
    return lowerTail(x, a: a, b: b)
  }

  /// The upper tail 1 − I_x(a, b) = I_{1−x}(b, a), without cancellation.
  public static func regularizedComplement(_ x: Double, a: Double, b: Double) -> Double {
    guard a > 0, b > 0, x >= 0, x <= 1 else { return .nan }
    return regularized(1 - x, a: b, b: a)
  }

  /// I_x(a, b) by the continued fraction; accurate when x < (a + 1)/(a + b + 2).
  @usableFromInline
  static func lowerTail(_ x: Double, a: Double, b: Double) -> Double {
    let logFront = logFrontFactor(x, a: a, b: b) - Double.log(a)
    let tiny = 1e-300
    var c = 1.0
    var d = 1 - (a + b) * x / (a + 1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var h = d
    var m = 1.0
    while m < 100_000 {
      let m2 = 2 * m
      // Even step d₂ₘ.
      var coefficient = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
      d = 1 + coefficient * d
      if abs(d) < tiny { d = tiny }
      c = 1 + coefficient / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      h *= d * c
      // Odd step d₂ₘ₊₁.
      coefficient = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
      d = 1 + coefficient * d
      if abs(d) < tiny { d = tiny }
      c = 1 + coefficient / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let delta = d * c
      h *= delta
      if abs(delta - 1) < 1e-16 { break }
      m += 1
    }
    return Double.exp(logFront) * h
  }

  /// log(x^a (1 − x)^b / B(a, b)), the front factor of the continued fraction.
  ///
  /// Written plainly, a log x + b log(1 − x) − log B(a, b) subtracts terms of
  /// size ~a + b and keeps an absolute error of ~(a + b)·ε (1.2e-11 relative
  /// at a = b = 10⁵). For a, b ≥ 10 the form of DiDonato & Morris (1992,
  /// ACM TOMS 708, `brcomp`) forms no large term: with x₀ = a/(a + b),
  /// λ = a − (a + b)x and the Stirling remainder δ of `StirlingSeries`,
  ///
  ///     log front = ½ log(ab/(a + b)) − ½ log 2π − (δ(a) + δ(b) − δ(a + b))
  ///                 − a·r(−λ/a) − b·r(λ/b),      r(e) = e − log(1 + e) ≥ 0,
  ///
  /// since x/x₀ = 1 − λ/a, (1 − x)/(1 − x₀) = 1 + λ/b and a(−λ/a) + b(λ/b) = 0,
  /// and the log B of `logBeta` cancels the a log x₀ + b log(1 − x₀) terms
  /// exactly. r is computed without cancellation (`excessOverLog1p`) near 0,
  /// and from log(x/x₀) or log((1 − x)/(1 − x₀)) themselves further out.
  ///
  /// - Complexity: O(1).
  @usableFromInline
  static func logFrontFactor(_ x: Double, a: Double, b: Double) -> Double {
    guard a >= 10, b >= 10 else {
      return a * Double.log(x) + b * Double.log(onePlus: -x) - logBeta(a, b)
    }
    let lambda = deviation(x, a: a, b: b)
    let correction = StirlingSeries.correction(a) + StirlingSeries.correction(b) - StirlingSeries.correction(a + b)
    // Far from x₀ (|e| > ½) 1 + e is better formed from x itself than from λ,
    // which has lost the digits of a small x (or 1 − x) to the subtraction.
    let e1 = -lambda / a, e2 = lambda / b
    let r1 = abs(e1) <= 0.5 ? excessOverLog1p(e1) : e1 - Double.log(x * ((a + b) / a))
    let r2 = abs(e2) <= 0.5 ? excessOverLog1p(e2) : e2 - (Double.log(onePlus: -x) + Double.log((a + b) / b))
    return 0.5 * Double.log(a * (b / (a + b))) - StirlingSeries.halfLogTwoPi - correction - a * r1 - b * r2
  }

  /// λ = a − (a + b)x = (a + b)(1 − x) − b, from the smaller of the two
  /// products, whose rounding error is the smaller (as brcomp does).
  ///
  /// - Complexity: O(1).
  @usableFromInline
  static func deviation(_ x: Double, a: Double, b: Double) -> Double {
    a <= b ? a - (a + b) * x : (a + b) * (1 - x) - b
  }

  /// r(e) = e − log(1 + e) for e > −1, with full relative precision near 0.
  ///
  /// With t = e/(2 + e), log(1 + e) = 2 atanh t = 2(t + t³/3 + t⁵/5 + …) and
  /// e − 2t = e t, so r(e) = e t − 2t³(1/3 + t²/5 + t⁴/7 + …): for |e| ≤ ½,
  /// |t| ≤ ⅓ and 16 terms of the series leave a relative error below 10⁻¹⁶. Further out
  /// e − log1p(e) has no cancellation to fear (but e itself must be accurate).
  ///
  /// - Complexity: O(1).
  @usableFromInline
  static func excessOverLog1p(_ e: Double) -> Double {
    guard abs(e) <= 0.5 else { return e - Double.log(onePlus: e) }
    let t = e / (2 + e), t2 = t * t
    var sum = 0.0
    var k = 33.0
    while k >= 3 {
      sum = 1 / k + t2 * sum
      k -= 2
    }
    return e * t - 2 * t * t2 * sum
  }

  /// The inverse x = I⁻¹_p(a, b): the x ∈ [0, 1] with I_x(a, b) = p.
  ///
  /// For p > ½ the symmetric problem I_{1−x}(b, a) = 1 − p is solved instead
  /// (1 − p is exact in floating point there). A starting value from the
  /// normal approximation (a, b ≥ 1) or from the power-law behaviour of the
  /// tails (otherwise) is refined by Newton steps on I_x(a, b) − p, kept inside
  /// a bisection bracket so that every step makes progress.
  ///
  /// - Returns: 0 for p = 0, 1 for p = 1, NaN for invalid arguments.
  public static func inverse(_ p: Double, a: Double, b: Double) -> Double {
    guard a > 0, b > 0, p >= 0, p <= 1, a.isFinite, b.isFinite else { return .nan }
    if p == 0 { return 0 }
    if p == 1 { return 1 }
    if p > 0.5 { return 1 - inverseLowerHalf(1 - p, a: b, b: a) }
    return inverseLowerHalf(p, a: a, b: b)
  }

  /// Solves I_x(a, b) = p for p ≤ ½.
  static func inverseLowerHalf(_ p: Double, a: Double, b: Double) -> Double {
    let logB = logBeta(a, b)
    var x = startingValue(p, a: a, b: b)
    if !(x > 0 && x < 1) { x = 0.5 }
    var lo = 0.0
    var hi = 1.0
    for _ in 0..<300 {
      let f = regularized(x, a: a, b: b) - p
      if f == 0 { return x }
      if f < 0 { lo = x } else { hi = x }
      let logDensity = (a - 1) * Double.log(x) + (b - 1) * Double.log(onePlus: -x) - logB
      let density = Double.exp(logDensity)
      var next = x - f / density
      if !(density > 0) || !next.isFinite || next <= lo || next >= hi {
        // Bisect; in the geometric mean when the bracket spans orders of magnitude.
        next = (lo > 0 && hi / lo > 4) ? (lo * hi).squareRoot() : 0.5 * (lo + hi)
        if lo == 0 { next = hi / 16 }
      }
      if abs(next - x) <= 2e-16 * x || hi - lo <= 2e-16 * hi {
        return next
      }
      x = next
    }
    return x
  }

  /// A starting value for the inverse with p ≤ ½.
  static func startingValue(_ p: Double, a: Double, b: Double) -> Double {
    if a >= 1 && b >= 1 {
      // Normal approximation to the beta quantile (Abramowitz & Stegun 26.5.22).
      // For a lower-tail area p ≤ ½ the normal point enters with a positive sign,
      // which makes w > 0 and the quantile fall below the mean a/(a + b).
      let z = -Normal.quantile(p)
      let lambda = (z * z - 3) / 6
      let h = 2 / (1 / (2 * a - 1) + 1 / (2 * b - 1))
      let w = z * (h + lambda).squareRoot() / h
        - (1 / (2 * b - 1) - 1 / (2 * a - 1)) * (lambda + 5.0 / 6 - 2 / (3 * h))
      return a / (a + b * Double.exp(2 * w))
    }
    // Near 0, I_x(a, b) ≈ x^a / (a B(a, b)); near 1, 1 − I_x ≈ (1 − x)^b / (b B(a, b)).
    let logB = logBeta(a, b)
    let xLow = Double.exp((Double.log(p) + Double.log(a) + logB) / a)
    if xLow < 0.9 { return xLow }
    return 1 - Double.exp((Double.log(1 - p) + Double.log(b) + logB) / b)
  }
}

/// The beta distribution Beta(a, b).
public enum Beta {
  /// P(X ≤ x) = I_x(a, b).
  public static func cdf(_ x: Double, a: Double, b: Double) -> Double {
    IncompleteBeta.regularized(min(max(x, 0), 1), a: a, b: b)
  }

  /// The quantile I⁻¹_p(a, b).
  public static func quantile(_ p: Double, a: Double, b: Double) -> Double {
    IncompleteBeta.inverse(p, a: a, b: b)
  }
}
