import RealModule

/// Two-sided bounds on log u, tight to about 1e-6, without calling `log`:
/// for the acceptance test of a rejection sampler, which needs only the side
/// of a threshold on which log u lies and so calls the exact logarithm only
/// when the threshold falls between the bounds.
///
/// A positive normal u is 2^e·f with 1 ≤ f < 2. With c = 1 + i/64 the table
/// point below f (i the top six bits of f's fraction) and r = f/c − 1 ∈ [0, 1/64),
///
///     log u = e·log 2 + log c + log(1 + r),   r − r²/2 ≤ log(1 + r) ≤ r − r²/2 + r³/3,
///
/// so the bracket is at most r³/3 < 1.3e-6 wide. Both ends are widened by
/// `slack` = 1e-12, far more than the rounding in computing them (below
/// 1e-14 for u ≥ 2⁻¹⁰²²), so the lower end is ≤ log u ≤ the upper end.
public enum LogarithmBounds {
  /// The widening of both ends against rounding.
  public static let slack = 1e-12
  /// log c_i at 2i and 1/c_i at 2i + 1, c_i = 1 + i/64, i < 64; allocated
  /// once and never freed (read through the pointer in hot loops).
  @usableFromInline nonisolated(unsafe) static let table: UnsafePointer<Double> = {
    let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 128)
    for i in 0..<64 {
      let c = 1 + Double(i) / 64
      buffer[2 * i] = Double.log(c)
      buffer[2 * i + 1] = 1 / c
    }
    return UnsafePointer(buffer)
  }()

  /// Bounds (lower, upper) with lower ≤ log u ≤ upper and upper − lower < 1.3e-6 + 2e-12.
  ///
  /// - Precondition: u positive and normal (not checked: callers pass uniforms ≥ 2⁻⁵³).
  /// - Complexity: O(1).
  @inlinable @inline(__always)
  public static func bounds(_ u: Double) -> (lower: Double, upper: Double) {
    bounds(u, table: table)
  }

  /// `bounds(_:)` with the table pointer read once by the caller.
  @inlinable @inline(__always)
  static func bounds(_ u: Double, table: UnsafePointer<Double>) -> (lower: Double, upper: Double) {
    let bits = u.bitPattern
    let e = Double(Int(bits >> 52) - 1023)
    let f = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
    let i = Int((bits >> 46) & 63)
    let r = f * table[2 * i + 1] - 1
    let base = e * 0.693_147_180_559_945_309_42 + table[2 * i] + r * (1 - 0.5 * r)
    return (base - slack, base + r * r * r * (1.0 / 3) + slack)
  }
}
