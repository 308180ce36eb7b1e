import RealModule

/// The standard normal distribution N(0, 1).
public enum Normal {
  /// The distribution function Φ(x) = ½·erfc(−x/√2).
  ///
  /// Computed through `erfc` so that the lower tail keeps full relative precision.
  @inlinable
  public static func cdf(_ x: Double) -> Double {
    0.5 * Double.erfc(-x / 2.0.squareRoot())
  }

  /// The upper tail 1 − Φ(x) = ½·erfc(x/√2), accurate for large x.
  @inlinable
  public static func survival(_ x: Double) -> Double {
    0.5 * Double.erfc(x / 2.0.squareRoot())
  }

  /// The density φ(x) = exp(−x²/2)/√(2π).
  @inlinable
  public static func pdf(_ x: Double) -> Double {
    Double.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
  }

  /// The quantile Φ⁻¹(p) for p ∈ (0, 1); −∞ at 0, +∞ at 1, NaN outside.
  ///
  /// A rational starting value (Abramowitz & Stegun 26.2.23, error below
  /// 4.5·10⁻⁴) is refined by Halley steps on Φ(x) − p with
  /// Φ computed through `erfc`:
  ///
  ///     u = (Φ(x) − p) / φ(x),   x ← x − u / (1 + x·u/2)
  ///
  /// which converges cubically, so three or four steps reach double precision
  /// in the tails too (p down to the smallest normal double). By symmetry only
  /// p < ½ is solved; 1 − p is exact in floating point for p ≥ ½.
  public static func quantile(_ p: Double) -> Double {
    guard p >= 0, p <= 1 else { return .nan }
    if p == 0 { return -.infinity }
    if p == 1 { return .infinity }
    if p == 0.5 { return 0 }
    if p > 0.5 { return -quantile(1 - p) }
    let t = (-2 * Double.log(p)).squareRoot()
    var x = -(t - (2.515517 + t * (0.802853 + t * 0.010328))
      / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))))
    for _ in 0..<8 {
      let density = pdf(x)
      guard density > 0 else { break }
      let u = (cdf(x) - p) / density
      let step = u / (1 + x * u / 2)
      x -= step
      if abs(step) <= 1e-16 * abs(x) { break }
    }
    return x
  }
}
