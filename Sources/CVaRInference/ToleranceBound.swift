import CVaRAudit

/// The simultaneous lower confidence bound of CVaR_α^w(Δ) behind the
/// tolerance test (H0: CVaR ≤ ε0), built from one-sided bounds.
///
/// CVaR is non-decreasing in each Δ_g, so a lower bound of every Δ_g gives a
/// lower bound of CVaR. For a one-sided disparity Δ_g = μ_g − μ_ref that needs
/// only the lower bounds L_g of the group means and the upper bound U_ref of the
/// reference:
///
///     Δ_g ≥ L_g − U_ref   for all g at once, with probability ≥ 1 − δ,
///
/// when each of the m one-sided bounds holds with probability ≥ 1 − δ/m (union bound):
///
/// - a fixed reference: m = K (no U_ref);
/// - the pooled mean: m = K + 1;
/// - a named group r: m = K (the K − 1 other groups' L_g and U_r); Δ_r = 0 exactly.
///
/// A one-sided bound at level δ/m is the matching end of the two-sided
/// interval at 2δ/m: Clopper–Pearson L = B⁻¹(δ/m; x, n − x + 1), or Hoeffding
/// μ̂ − √(log(m/δ)/(2n)) for a loss column. (`audit`'s reported CVaR interval is
/// two-sided at δ/m per group and so has the lower end of this bound at 2δ.)
///
/// A two-sided disparity |μ_g − μ_ref| needs both ends of every interval
/// (which end bounds |Δ_g| from below depends on the data), so it uses the
/// two-sided intervals at δ/m, as `audit` does.
public struct ToleranceBound: Sendable {
  /// The reference, with what its bound needs.
  public enum Reference: Sendable {
    case value(Double)
    case pooled(SufficientStatistics)
    case group(Int)
  }

  public let statistics: [SufficientStatistics]
  public let weights: [Double]
  public let reference: Reference
  public let disparity: DisparityKind
  public let alpha: Double
  /// The per-group interval (Clopper–Pearson for binary losses, Hoeffding otherwise).
  public let method: IntervalMethod

  /// The bound for an audit's groups, weights and reference.
  public init(audit: AuditResult) {
    let c = audit.configuration
    statistics = audit.groups.map(\.statistics)
    weights = audit.groups.map(\.weight)
    switch c.reference {
    case .value(let v): reference = .value(v)
    case .pooled: reference = .pooled(statistics.reduce(SufficientStatistics(), +))
    case .group(let key):
      guard let r = audit.groups.firstIndex(where: { $0.key == key }) else {
        preconditionFailure("the audit has the reference group")
      }
      reference = .group(r)
    }
    disparity = c.disparity
    alpha = c.alpha
    method = c.simultaneousMethod
  }

  /// m, the number of bounds in the union bound.
  public var intervalCount: Int {
    if case .pooled = reference { return statistics.count + 1 }
    return statistics.count
  }

  /// The simultaneous (1 − δ) lower confidence bound of CVaR_α^w(Δ).
  ///
  /// - Precondition: δ ∈ (0, 1).
  /// - Complexity: O(K log K) (two beta quantiles per group for binary losses).
  public func lowerBound(delta: Double) -> Double {
    precondition(delta > 0 && delta < 1, "delta must lie in (0, 1)")
    let each = delta / Double(intervalCount)
    // One-sided at `each` = one end of the two-sided interval at 2·each.
    let level = disparity == .twoSided ? each : 2 * each
    let referenceInterval: ConfidenceInterval
    var referenceGroup = -1
    switch reference {
    case .value(let v): referenceInterval = ConfidenceInterval(lower: v, upper: v)
    case .pooled(let s): referenceInterval = method.interval(s, delta: level)
    case .group(let r):
      referenceGroup = r
      referenceInterval = method.interval(statistics[r], delta: level)
    }
    let lower = statistics.indices.map { g -> Double in
      if g == referenceGroup { return 0 }
      return disparity.disparityRange(mean: method.interval(statistics[g], delta: level), reference: referenceInterval).lower
    }
    return CVaR.value(of: lower, weights: weights, alpha: alpha)
  }

  /// The smallest δ at which the lower bound exceeds ε0 (1 when it never
  /// does below 1 − 1e-12; floored at 1e-15): bisection on log δ, as the bound
  /// grows with δ.
  ///
  /// - Complexity: 34 evaluations of `lowerBound`.
  public func pValue(tolerance: Double) -> Double {
    func exceeds(_ delta: Double) -> Bool { lowerBound(delta: delta) > tolerance }
    let top = 1 - 1e-12
    guard exceeds(top) else { return 1 }
    var low = Double.log(1e-15), high = Double.log(top)
    if exceeds(Double.exp(low)) { return Double.exp(low) }
    for _ in 0..<32 {  // log δ to ~1e-8 relative
      let mid = (low + high) / 2
      if exceeds(Double.exp(mid)) { high = mid } else { low = mid }
    }
    return Double.exp(high)
  }
}
