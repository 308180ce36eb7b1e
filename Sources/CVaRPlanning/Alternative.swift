import CVaRAudit

/// A violation to detect: per-group rates μ_g built from a base rate b so
/// that the disparities Δ_g = μ_g − Σ_h w_h μ_h (reference: the w-weighted
/// mean) reach exactly ε in the criterion the test targets.
///
/// Groups are ranked "most exposed first": ascending weight w_g, then
/// ascending share p_g, then index (for uniform groups: the last group first).
public enum Alternative: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  /// One group (the first in rank) at b + x, the others at b, with
  /// x = ε/(1 − w_bad) so that max_g Δ_g = ε: the max-gap violation.
  case singleGroup = "single"
  /// The smallest set A of groups (in rank order) with w(A) ≥ α at b + x, the
  /// others at b, with x = ε/(1 − w(A)): every tail group has Δ = ε, so
  /// CVaR_α^w(Δ) = ε and Σ w Δ² = w(A) ε² ≥ α ε² (the least favourable CVaR violation).
  case flatTail = "flat-tail"
  /// A linear ramp: the group of rank r at b + x·(1 − r/(K − 1)), scaled so
  /// that CVaR_α^w(Δ) = ε: the disparity spread over every group.
  case spread

  public var description: String { rawValue }

  /// The groups ordered most exposed first.
  static func rank(weights w: [Double], shares p: [Double]) -> [Int] {
    w.indices.sorted { (w[$0], p[$0], -$0) < (w[$1], p[$1], -$1) }
  }

  /// The rates μ_g, or nil when some rate would exceed 1 (ε too large for the
  /// base rate; see `largestEpsilon`).
  ///
  /// - Precondition: b ∈ [0, 1), ε > 0, α ∈ (0, 1], K ≥ 2, weights and shares normalised.
  /// - Complexity: O(K log K).
  public func rates(base b: Double, epsilon: Double, alpha: Double, weights w: [Double], shares p: [Double]) -> [Double]? {
    let profile = unitProfile(alpha: alpha, weights: w, shares: p)
    let rates = profile.map { b + epsilon * $0 }
    return rates.allSatisfy { $0 <= 1 } ? rates : nil
  }

  /// The largest ε for which the rates stay in [0, 1].
  public func largestEpsilon(base b: Double, alpha: Double, weights w: [Double], shares p: [Double]) -> Double {
    (1 - b) / unitProfile(alpha: alpha, weights: w, shares: p).max()!
  }

  /// The rate increments per unit ε (rates = b + ε · profile).
  func unitProfile(alpha: Double, weights w: [Double], shares p: [Double]) -> [Double] {
    let k = w.count
    let order = Alternative.rank(weights: w, shares: p)
    var t = [Double](repeating: 0, count: k)
    switch self {
    case .singleGroup:
      let g = order[0]
      t[g] = 1 / (1 - w[g])
    case .flatTail:
      var mass = 0.0
      var members: [Int] = []
      for g in order where mass < alpha * (1 - 1e-12) {
        members.append(g)
        mass += w[g]
      }
      // With w(A) = 1 there is no disparity to create (α too large): infeasible.
      let scale = mass < 1 - 1e-12 ? 1 / (1 - mass) : .infinity
      for g in members { t[g] = scale }
    case .spread:
      for (r, g) in order.enumerated() { t[g] = 1 - Double(r) / Double(k - 1) }
      var mean = 0.0
      for g in 0..<k { mean += w[g] * t[g] }
      let cvar = CVaR.value(of: t.map { $0 - mean }, weights: w, alpha: alpha)
      t = cvar > 0 ? t.map { $0 / cvar } : .init(repeating: .infinity, count: k)
    }
    return t
  }
}
