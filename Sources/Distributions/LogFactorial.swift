import RealModule

/// log k! for integers k ≥ 0, fast enough for the inner loop of a sampler.
///
///     log k! = Σ_{i ≤ k} log i                                   (k < 2²⁰: a table)
///     log k! = (x − ½) log x − x + ½ log 2π + 1/(12x) − 1/(360x³) + 1/(1260x⁵),  x = k + 1
///
/// The Stirling series with three correction terms has a truncation error
/// below 1/(1680 x⁷) < 1e-40 beyond the table, so the result is correct to a
/// few ulps everywhere. The table (8 MiB, filled on first use in ~10 ms)
/// makes the hypergeometric sampler's acceptance test a few lookups.
public enum LogFactorial {
  @usableFromInline static let tableSize = 1 << 20
  /// The table, allocated once and never freed: hot loops read it through
  /// this pointer without the lazy-initialisation and exclusivity checks an
  /// array property costs on each access.
  @usableFromInline nonisolated(unsafe) static let pointer: UnsafePointer<Double> = {
    let buffer = UnsafeMutablePointer<Double>.allocate(capacity: tableSize)
    buffer.initialize(from: table, count: tableSize)
    return UnsafePointer(buffer)
  }()
  @usableFromInline static let table: [Double] = {
    // Exact sums up to 256, then Stirling (a running sum would drift).
    var t = [Double](repeating: 0, count: tableSize)
    for k in 1..<256 { t[k] = t[k - 1] + Double.log(Double(k)) }
    for k in 256..<tableSize { t[k] = stirling(k) }
    return t
  }()
  @usableFromInline static let halfLogTwoPi = 0.918_938_533_204_672_741_78

  /// log k!.
  ///
  /// - Precondition: k ≥ 0.
  /// - Complexity: O(1).
  @inlinable
  public static func of(_ k: Int) -> Double {
    precondition(k >= 0, "log k! needs k ≥ 0")
    if k < tableSize { return table.withUnsafeBufferPointer { $0[k] } }
    return stirling(k)
  }

  /// log k! read through a table pointer obtained once from `pointer`.
  @inlinable
  static func lookup(_ k: Int, table: UnsafePointer<Double>) -> Double {
    k < tableSize ? table[k] : stirling(k)
  }

  /// The Stirling series for log k! (accurate for k ≥ 256).
  @inlinable
  static func stirling(_ k: Int) -> Double {
    let x = Double(k + 1)
    let r = 1 / x
    let r2 = r * r
    return (x - 0.5) * Double.log(x) - x + halfLogTwoPi + r * (1.0 / 12 - r2 * (1.0 / 360 - r2 / 1260))
  }
}
