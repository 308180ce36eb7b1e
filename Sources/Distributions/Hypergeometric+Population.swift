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
      let x = drawn <= 15
        ? Hypergeometric.inversion(population: n, successes: marked, draws: drawn, using: &generator)
        : ratioOfUniforms(draws: drawn, using: &generator)
      return restore(x, draws: s, drawn: drawn)
    }

    /// Undoes the symmetries: x drawn from H(N, K', n') with n' = min(n, N − n)
    /// becomes the matching variate of H(N, K, n).
    @inlinable @inline(__always)
    func restore(_ x: Int, draws s: Int, drawn: Int) -> Int {
      var x = x
      if marked != successes { x = drawn - x }
      if drawn != s { x = successes - x }
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

    /// HRUA (see `Hypergeometric.sample`) for n' ≤ N/2 draws.
    @inlinable
    func ratioOfUniforms(draws s: Int, using generator: inout some RandomNumberGenerator) -> Int {
      let lf = LogFactorial.pointer, logarithms = LogarithmBounds.table
      let hat = RatioOfUniforms(self, draws: s, table: lf)
      while true {
        let k = hat.trial(u: generator.nextOpenUnitDouble(), v: generator.nextUnitDouble(), table: lf, logarithms: logarithms)
        if k >= 0 { return k }
      }
    }
  }
}

extension Hypergeometric {
  /// HRUA's hat for one draw of n' ≤ N/2 items from K' ≤ N/2 marked
  /// (Stadlober 1989, as in numpy's generator):
  ///
  ///     a = n'K'/N + ½,  h = 2√(2/e)·√(Var + ½) + 3 − 2√(3/e),
  ///     g = log m! + log (K' − m)! + log (n' − m)! + log (N − K' − n' + m)!   (m the mode)
  ///
  /// A trial maps uniforms u ∈ (0, 1), v ∈ [0, 1) to x = a + h(v − ½)/u and
  /// accepts k = ⌊x⌋ when 0 ≤ x < min(n', K') + 1 and
  /// 2 log u ≤ t = log P(k) − log P(mode), deciding all but about one trial
  /// in 10⁶ by bounds on log u (`LogarithmBounds`) before the logarithm. The hat covers the whole support, so accepted values follow
  /// the law exactly; independent trials are independent of one another, so
  /// trials of several draws may be interleaved (`MultivariateHypergeometric.Urn`).
  @usableFromInline struct RatioOfUniforms: Sendable {
    @usableFromInline let a: Double, h: Double, g: Double, b: Double
    @usableFromInline let drawn: Int, marked: Int, bad: Int

    /// An unused hat (fills workspaces before use).
    @inlinable
    init() {
      a = 0; h = 0; g = 0; b = 0; drawn = 0; marked = 0; bad = 0
    }

    /// - Precondition: 16 ≤ n' ≤ N/2 (not checked).
    @inlinable @inline(__always)
    init(_ population: Population, draws s: Int, table lf: UnsafePointer<Double>) {
      let d1 = 1.715_527_769_921_413_5   // 2·√(2/e)
      let d2 = 0.898_916_162_058_898_8   // 3 − 2·√(3/e)
      let m = population.marked
      drawn = s
      marked = m
      bad = population.size - m
      a = Double(s) * population.p + 0.5
      let variance = Double(population.size - s) * Double(s) * population.varianceFactor
      h = d1 * (variance + 0.5).squareRoot() + d2
      b = Double(min(s, m) + 1)
      let mode = population.mode(draws: s)
      // Every index is at most max(K', N − K') = N − K'.
      g = LogFactorial.lookup(mode, table: lf) + LogFactorial.lookup(m - mode, table: lf)
        + LogFactorial.lookup(s - mode, table: lf) + LogFactorial.lookup(bad - s + mode, table: lf)
    }

    /// One trial: the accepted value, or −1 for a rejection.
    ///
    /// - Complexity: O(1); a logarithm only when t falls within the bracket of `LogarithmBounds`.
    @inlinable @inline(__always)
    func trial(u: Double, v: Double, table lf: UnsafePointer<Double>, logarithms: UnsafePointer<Double>) -> Int {
      decide(point(u: u, v: v), u: u, table: lf, logarithms: logarithms)
    }

    /// The proposal x = a + h(v − ½)/u of a trial.
    @inlinable @inline(__always)
    func point(u: Double, v: Double) -> Double {
      a + h * (v - 0.5) / u
    }

    /// The decision on the proposal x = `point(u:v:)`: ⌊x⌋ if accepted, −1 if not.
    ///
    /// 2 log u ≤ t is decided by the bounds of `LogarithmBounds` (no branch
    /// to mispredict) and by `log` only when t lies between them.
    @inlinable @inline(__always)
    func decide(_ x: Double, u: Double, table lf: UnsafePointer<Double>, logarithms: UnsafePointer<Double>) -> Int {
      // Flags as 0/1 integers, so that the (unpredictable) outcome of a trial
      // costs no branch; only the rare undecided case branches.
      let inside = (x >= 0 ? 1 : 0) & (x < b ? 1 : 0)
      let k = Int(inside != 0 ? x : 0)
      // log k! + log (K' − k)! + log (n' − k)! + log (N − K' − n' + k)!: −log P(k) up to a constant.
      // Every index is at most max(K', N − K') = N − K', read straight from the table when it is there.
      let sum = bad < LogFactorial.tableSize
        ? lf[k] + lf[marked &- k] + lf[drawn &- k] + lf[bad &- drawn &+ k]
        : LogFactorial.lookup(k, table: lf) + LogFactorial.lookup(marked - k, table: lf)
          + LogFactorial.lookup(drawn - k, table: lf) + LogFactorial.lookup(bad - drawn + k, table: lf)
      let t = g - sum
      let (lower, upper) = LogarithmBounds.bounds(u, table: logarithms)
      var accept = inside & (2 * upper <= t ? 1 : 0)
      let reject = (1 - inside) | (2 * lower > t ? 1 : 0)
      if accept | reject == 0 { accept = 2 * Double.log(u) <= t ? 1 : 0 }
      return k | (accept &- 1)    // k if accepted, −1 if not
    }
  }
}
