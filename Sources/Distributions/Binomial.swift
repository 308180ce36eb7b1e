import RealModule

/// The binomial law Binomial(n, p): the number of successes in n independent
/// trials of success probability p.
///
///     P(X = k) = C(n, k) p^k (1 − p)^(n − k),   k = 0, …, n
///
/// Variates are exact (no normal or Poisson approximation):
/// - with r = min(p, 1 − p) and n·r < 30, by **inversion**: walk the pmf from
///   k = 0 with the recurrence f(k) = f(k − 1) · (n − k + 1) r / (k q), q = 1 − r.
///   The walk restarts past n r + 10 √(n r q + 1) (a mass below 1e-20 is cut,
///   so the result is the law conditioned on that range);
/// - otherwise by **BTPE** (Kachitvichyanukul & Schmeiser 1988, "Binomial
///   random variate generation", CACM 31(2)): acceptance–rejection from a
///   triangle, two parallelograms and two exponential tails, with a squeeze
///   and Stirling's formula for the final test; exact.
///
/// X for p > 1/2 is drawn as n − Binomial(n, 1 − p).
public struct Binomial: Sendable, Hashable {
  public let count: Int
  public let probability: Double

  /// - Precondition: n ≥ 0, p ∈ [0, 1].
  public init(count: Int, probability: Double) {
    precondition(count >= 0, "the number of trials must be non-negative")
    precondition(probability >= 0 && probability <= 1, "the probability must lie in [0, 1]")
    self.count = count
    self.probability = probability
  }

  /// log P(X = k), −∞ outside 0…n, with
  ///
  ///     log C(n, k) = −log(n + 1) − log B(k + 1, n − k + 1)
  ///
  /// (`IncompleteBeta.logBeta`, which keeps its digits at large n).
  ///
  /// - Complexity: O(1).
  public func logProbability(_ k: Int) -> Double {
    guard k >= 0 && k <= count else { return -.infinity }
    let p = probability, n = count
    if p == 0 { return k == 0 ? 0 : -.infinity }
    if p == 1 { return k == n ? 0 : -.infinity }
    let logChoose = -Double.log(Double(n) + 1) - IncompleteBeta.logBeta(Double(k + 1), Double(n - k + 1))
    return logChoose + Double(k) * Double.log(p) + Double(n - k) * Double.log(onePlus: -p)
  }

  /// P(X = k).
  public func probability(_ k: Int) -> Double { Double.exp(logProbability(k)) }

  /// One variate.
  ///
  /// - Complexity: O(n·min(p, 1 − p)) expected for inversion (below 30), O(1)
  ///   expected for BTPE.
  @inlinable
  public func sample(using generator: inout some RandomNumberGenerator) -> Int {
    Binomial.sample(count: count, probability: probability, using: &generator)
  }

  /// One Binomial(n, p) variate without building a value (the hot path of
  /// the simulations, where n and p change at every call).
  public static func sample(count n: Int, probability p: Double,
                            using generator: inout some RandomNumberGenerator) -> Int {
    precondition(n >= 0 && p >= 0 && p <= 1, "Binomial needs n ≥ 0 and p ∈ [0, 1]")
    if n == 0 || p == 0 { return 0 }
    if p == 1 { return n }
    let r = min(p, 1 - p)
    let y = Double(n) * r < 30
      ? inversion(n, r, using: &generator)
      : btpe(n, r, using: &generator)
    return p > 0.5 ? n - y : y
  }

  /// Inversion by sequential search, for n·r < 30 (r ≤ 1/2).
  static func inversion(_ n: Int, _ r: Double, using generator: inout some RandomNumberGenerator) -> Int {
    let q = 1 - r
    let qn = Double.exp(Double(n) * Double.log(onePlus: -r))
    let nr = Double(n) * r
    let bound = min(Double(n), nr + 10 * (nr * q + 1).squareRoot())
    var x = 0
    var px = qn
    var u = generator.nextUnitDouble()
    while u > px {
      x += 1
      if Double(x) > bound {
        x = 0
        px = qn
        u = generator.nextUnitDouble()
      } else {
        u -= px
        px *= Double(n - x + 1) * r / (Double(x) * q)
      }
    }
    return x
  }

  /// BTPE for n·r ≥ 30 (r ≤ 1/2), following the step numbers of the paper.
  static func btpe(_ n: Int, _ r: Double, using generator: inout some RandomNumberGenerator) -> Int {
    let nd = Double(n)
    let q = 1 - r
    let nrq = nd * r * q
    // Step 0: set-up.
    let fm = nd * r + r
    let m = Int(fm.rounded(.down))
    let md = Double(m)
    let p1 = (2.195 * nrq.squareRoot() - 4.6 * q).rounded(.down) + 0.5
    let xm = md + 0.5
    let xl = xm - p1
    let xr = xm + p1
    let c = 0.134 + 20.5 / (15.3 + md)
    var a = (fm - xl) / (fm - xl * r)
    let lambdaL = a * (1 + a / 2)
    a = (xr - fm) / (xr * q)
    let lambdaR = a * (1 + a / 2)
    let p2 = p1 * (1 + 2 * c)
    let p3 = p2 + c / lambdaL
    let p4 = p3 + c / lambdaR

    while true {
      // Step 1: the triangular region (accepted at once).
      let u = generator.nextUnitDouble() * p4
      var v = generator.nextUnitDouble()
      var y: Int
      if u <= p1 {
        return Int((xm - p1 * v + u).rounded(.down))
      } else if u <= p2 {
        // Step 2: the parallelograms.
        let x = xl + (u - p1) / c
        v = v * c + 1 - abs(md - x + 0.5) / p1
        if v > 1 { continue }
        y = Int(x.rounded(.down))
      } else if u <= p3 {
        // Step 3: the left exponential tail.
        if v == 0 { continue }
        let x = (xl + Double.log(v) / lambdaL).rounded(.down)
        if x < 0 { continue }
        y = Int(x)
        v *= (u - p2) * lambdaL
      } else {
        // Step 4: the right exponential tail.
        if v == 0 { continue }
        let x = (xr - Double.log(v) / lambdaR).rounded(.down)
        if x > nd { continue }
        y = Int(x)
        v *= (u - p3) * lambdaR
      }
      // Step 5.0: accept or reject y.
      let k = abs(y - m)
      let kd = Double(k)
      if k <= 20 || kd >= nrq / 2 - 1 {
        // Step 5.1: evaluate f(y)/f(m) by the recurrence.
        let s = r / q
        let aa = s * (nd + 1)
        var f = 1.0
        if m < y {
          for i in (m + 1)...y { f *= aa / Double(i) - s }
        } else if m > y {
          for i in (y + 1)...m { f /= aa / Double(i) - s }
        }
        if v <= f { return y }
        continue
      }
      // Step 5.2: squeeze on log v.
      let rho = (kd / nrq) * ((kd * (kd / 3 + 0.625) + 1.0 / 6) / nrq + 0.5)
      let t = -kd * kd / (2 * nrq)
      let logV = Double.log(v)
      if logV < t - rho { return y }
      if logV > t + rho { continue }
      // Step 5.3: the final test, with Stirling's formula for log f(y)/f(m).
      let yd = Double(y)
      let x1 = yd + 1, f1 = md + 1, z = nd + 1 - md, w = nd - yd + 1
      let bound = xm * Double.log(f1 / x1) + (nd - md + 0.5) * Double.log(z / w)
        + (yd - md) * Double.log(w * r / (x1 * q))
        + stirlingCorrection(f1) + stirlingCorrection(z) + stirlingCorrection(x1) + stirlingCorrection(w)
      if logV <= bound { return y }
    }
  }

  /// The series part of Stirling's formula used by BTPE's step 5.3:
  /// (13860 − (462 − (132 − (99 − 140/x²)/x²)/x²)/x²) / x / 166320.
  @inline(__always)
  static func stirlingCorrection(_ x: Double) -> Double {
    let x2 = x * x
    return (13860 - (462 - (132 - (99 - 140 / x2) / x2) / x2) / x2) / x / 166320
  }
}

/// The multinomial law: n draws over categories with probabilities p.
public enum Multinomial {
  /// Category counts of n draws with probabilities `probabilities`
  /// (normalised here), by conditional binomials:
  ///
  ///     X_1 ~ Binomial(n, p_1),  X_j | X_1…X_{j−1} ~ Binomial(n − Σ_{i<j} X_i, p_j / Σ_{i≥j} p_i)
  ///
  /// Exact; O(K) binomial variates, independent of n.
  ///
  /// - Precondition: probabilities finite, non-negative, positive sum; n ≥ 0.
  /// - Complexity: O(K) variates.
  public static func sample(count n: Int, probabilities: [Double],
                            using generator: inout some RandomNumberGenerator) -> [Int] {
    var counts = [Int](repeating: 0, count: probabilities.count)
    counts.withUnsafeMutableBufferPointer { out in
      probabilities.withUnsafeBufferPointer { p in
        sample(count: n, probabilities: p, into: out, using: &generator)
      }
    }
    return counts
  }

  /// As `sample(count:probabilities:using:)`, writing into `counts`.
  public static func sample(count n: Int, probabilities: UnsafeBufferPointer<Double>,
                            into counts: UnsafeMutableBufferPointer<Int>,
                            using generator: inout some RandomNumberGenerator) {
    precondition(n >= 0 && counts.count == probabilities.count && !probabilities.isEmpty)
    var rest = 0.0
    for x in probabilities {
      precondition(x >= 0 && x.isFinite, "probabilities must be finite and non-negative")
      rest += x
    }
    precondition(rest > 0, "probabilities must have a positive sum")
    // The last category with positive probability takes what is left, so
    // that rounding in the running sum never sends a draw to a category of
    // probability 0.
    var last = probabilities.count - 1
    while probabilities[last] == 0 { last -= 1 }
    var left = n
    for j in 0..<probabilities.count {
      if j >= last || left == 0 {
        counts[j] = j == last ? left : 0
        if j == last { left = 0 }
        continue
      }
      let pj = probabilities[j]
      let x = Binomial.sample(count: left, probability: min(1, max(0, pj / rest)), using: &generator)
      counts[j] = x
      left -= x
      rest -= pj
    }
  }
}
