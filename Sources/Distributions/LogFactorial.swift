import RealModule

/// log k! for integers k ≥ 0, fast enough for the inner loop of a sampler.
///
///     log k! = Σ_{i ≤ k} log i                                   (k < 256: a table)
///     log k! = (x − ½) log x − x + ½ log 2π + 1/(12x) − 1/(360x³) + 1/(1260x⁵),  x = k + 1
///
/// The Stirling series with three correction terms has a truncation error
/// below 1/(1680 x⁷) < 1e-19 for k ≥ 256, so the result is correct to a few
/// ulps everywhere.
public enum LogFactorial {
  @usableFromInline static let tableSize = 256
  @usableFromInline static let table: [Double] = {
    var t = [Double](repeating: 0, count: tableSize)
    for k in 1..<tableSize { t[k] = t[k - 1] + Double.log(Double(k)) }
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
    let x = Double(k + 1)
    let r = 1 / x
    let r2 = r * r
    return (x - 0.5) * Double.log(x) - x + halfLogTwoPi + r * (1.0 / 12 - r2 * (1.0 / 360 - r2 / 1260))
  }
}
