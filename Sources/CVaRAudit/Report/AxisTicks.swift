import Foundation

/// Round axis ticks for a plot: a step of 1, 2 or 5 × 10^k and the multiples
/// of it that cover a data range (Heckbert, "Nice numbers for graph labels",
/// Graphics Gems, 1990).
public struct AxisTicks: Sendable, Hashable {
  /// The distance between ticks: 1, 2 or 5 × 10^k.
  public var step: Double
  /// The tick values, from the largest multiple of `step` at or below the
  /// range's low end to the smallest at or above its high end.
  public var values: [Double]
  /// Decimals that show every tick exactly: max(0, −k).
  public var decimals: Int

  /// The axis's ends (the first and last tick), which the plot uses as its domain.
  public var lower: Double { values.first! }
  public var upper: Double { values.last! }

  /// Ticks for [lo, hi] with about `target` intervals: step = the 1-2-5
  /// number nearest (in ratio) to (hi − lo)/target, from below or above.
  ///
  /// - Precondition: lo and hi finite, lo ≤ hi, target ≥ 1. An empty range
  ///   (lo = hi) gets a unit around it: ±0.05 when lo = 0, else ±5% of |lo|.
  /// - Complexity: O(number of ticks) (at most about 2.5 · target + 2).
  public init(lower lo: Double, upper hi: Double, target: Int = 5) {
    precondition(lo.isFinite && hi.isFinite && lo <= hi && target >= 1, "a finite range and a positive target")
    var lo = lo, hi = hi
    if hi - lo <= 1e-12 * max(1, abs(lo)) {
      let pad = lo == 0 ? 0.05 : 0.05 * abs(lo)
      lo -= pad
      hi += pad
    }
    let step = Self.niceStep((hi - lo) / Double(target))
    let first = (lo / step + 1e-9).rounded(.down), last = (hi / step - 1e-9).rounded(.up)
    self.step = step
    // Multiples of the step, computed as integer × step (no drift), with -0 written 0.
    self.values = stride(from: first, through: last, by: 1).map { $0 * step == 0 ? 0 : $0 * step }
    self.decimals = max(0, -Int(Foundation.log10(step).rounded(.down)))
  }

  /// The 1-2-5 number nearest to x > 0 in ratio: 10^k times 1 (below √2),
  /// 2 (below √10) or 5 (below √50), else 10.
  public static func niceStep(_ x: Double) -> Double {
    precondition(x > 0 && x.isFinite, "a positive step")
    let exponent = Foundation.floor(Foundation.log10(x))
    let power = Foundation.pow(10, exponent)
    let fraction = x / power
    let nice: Double = fraction < 2.0.squareRoot() ? 1 : fraction < 10.0.squareRoot() ? 2 : fraction < 50.0.squareRoot() ? 5 : 10
    return nice * power
  }

  /// A tick's label with `decimals` digits ("0.05", "-0.1", "0").
  public func label(_ value: Double) -> String {
    String(format: "%.\(decimals)f", value == 0 ? 0 : value)
  }
}
