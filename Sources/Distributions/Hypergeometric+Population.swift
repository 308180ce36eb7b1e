import RealModule

extension Hypergeometric {
  /// A population of N items of which K are marked, prepared for many draws
  /// with varying sample sizes n: the same law and the same algorithms as
  /// `Hypergeometric.sample` (inversion for n' ≤ 15, HRUA otherwise), with
  /// the work that depends on (N, K) alone done once:
  ///
  ///     K' = min(K, N − K),  p = K'/N,  q = 1 − p,  v = p·q/(N − 1)
  ///
  /// so that a draw of n' = min(n, N − n) items needs, before its rejection
  /// loop, Var = (N − n')·n'·v, one square root, the mode
  /// ⌊(n' + 1)(K' + 1)/(N + 2)⌋ and four log-factorial
  /// lookups.
  public struct Population: Sendable {
    /// N.
    public let size: Int
    /// K.
    public let successes: Int
    @usableFromInline let marked: Int
    @usableFromInline let p: Double
    @usableFromInline let varianceFactor: Double
    @usableFromInline let modeFactor: Double
    /// N < 2²⁵: the floating-point mode is exact (see `mode(draws:)`).
    @usableFromInline let modeInFloatingPoint: Bool

    /// - Precondition: 0 ≤ successes ≤ size.
    public init(size n: Int, successes m: Int) {
      precondition(n >= 0 && m >= 0 && m <= n, "invalid hypergeometric parameters")
      size = n
      successes = m
      marked = min(m, n - m)
      p = n > 0 ? Double(marked) / Double(n) : 0
      let q = n > 0 ? Double(n - marked) / Double(n) : 0
      varianceFactor = n > 1 ? p * q / Double(n - 1) : 0
      modeFactor = Double(marked + 1) / Double(n + 2)
      modeInFloatingPoint = n < 1 << 25
    }

    /// One variate X ~ H(N, K, draws), exact in distribution.
    ///
    /// - Precondition: 0 ≤ draws ≤ N.
    /// - Complexity: O(n') for n' ≤ 15; O(1) expected otherwise.
    @inlinable
    public func sample(draws s: Int, using generator: inout some RandomNumberGenerator) -> Int {
      let n = size, m = successes
      precondition(s >= 0 && s <= n, "invalid hypergeometric parameters")
      if m == 0 || s == 0 { return 0 }
      if m == n { return s }
      if s == n { return m }
      let drawn = min(s, n - s)
      var x = drawn <= 15
        ? Hypergeometric.inversion(population: n, successes: marked, draws: drawn, using: &generator)
        : ratioOfUniforms(draws: drawn, using: &generator)
      if marked != m { x = drawn - x }
      if drawn != s { x = m - x }
      return x
    }

    /// The mode ⌊(s + 1)(K' + 1)/(N + 2)⌋.
    ///
    /// (s + 1)·((K' + 1)/(N + 2)) in floating point is within 2 ulps of the
    /// ratio r. For r not an integer, r is at least 1/(N + 2) from the next
    /// integer, more than 2 ulps of r ≤ N when N < 2²⁵, so the floor is exact;
    /// for r an integer the floor may come out as r − 1, which is also a mode
    /// (P(r − 1) = P(r) then). Larger populations take the exact integer
    /// route (128-bit product and quotient).
    @inlinable @inline(__always)
    func mode(draws s: Int) -> Int {
      if modeInFloatingPoint { return Int(Double(s + 1) * modeFactor) }
      let product = (s + 1).multipliedFullWidth(by: marked + 1)
      return (size + 2).dividingFullWidth(product).quotient
    }

    /// HRUA (see `Hypergeometric.ratioOfUniforms`) for n' ≤ N/2 draws.
    @inlinable
    func ratioOfUniforms(draws s: Int, using generator: inout some RandomNumberGenerator) -> Int {
      let d1 = 1.715_527_769_921_413_5   // 2·√(2/e)
      let d2 = 0.898_916_162_058_898_8   // 3 − 2·√(3/e)
      let m = marked
      let bad = size - m
      let a = Double(s) * p + 0.5
      let variance = Double(size - s) * Double(s) * varianceFactor
      let h = d1 * (variance + 0.5).squareRoot() + d2
      let mode = mode(draws: s)
      let lf = LogFactorial.pointer
      let b = Double(min(s, m) + 1)
      // log k! + log (K' − k)! + log (n' − k)! + log (N − K' − n' + k)!: −log P(k) up to a constant.
      @inline(__always) func loop(_ logFactorial: (Int) -> Double) -> Int {
        let g = logFactorial(mode) + logFactorial(m - mode) + logFactorial(s - mode) + logFactorial(bad - s + mode)
        while true {
          let u = generator.nextOpenUnitDouble()
          let v = generator.nextUnitDouble()
          let x = a + h * (v - 0.5) / u
          if x < 0 || x >= b { continue }
          let k = Int(x)
          let t = g - (logFactorial(k) + logFactorial(m - k) + logFactorial(s - k) + logFactorial(bad - s + k))
          if u * (4 - u) - 3 <= t { return k }   // squeeze: 2 log u ≤ u(4 − u) − 3
          if u * (u - t) >= 1 { continue }        // squeeze: u − 1/u ≤ 2 log u
          if 2 * Double.log(u) <= t { return k }
        }
      }
      // Every index is at most max(K', N − K') = N − K': within the table when that is.
      if bad < LogFactorial.tableSize { return loop { lf[$0] } }
      return loop { LogFactorial.lookup($0, table: lf) }
    }
  }
}
