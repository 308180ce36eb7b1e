import CVaRAudit

/// The reference of a betting CVaR contrast.
public enum ContrastReference: Hashable, Sendable, Codable {
  /// μ_ref = Σ_g p_g μ_g for fixed shares p (normalised to sum to 1).
  case population([Double])
  /// A known value v.
  case value(Double)
  /// The mean of the named group X.
  case group(Int)
}

/// The dual contrast of CVaR_α^w(Δ) > ε0 (docs/method.md §10).
///
/// With tail weights q (0 ≤ q_g ≤ w_g/α, Σq = 1) and signs s_g ∈ {−1, +1}
/// (s = +1 one-sided, −1 one-sided with lower worse, the sign of m_g − m_ref
/// two-sided), CVaR_α^w(Δ) ≥ Σ_g q_g s_g (μ_g − μ_ref), with equality at the
/// maximising q and s. Written as a linear form in μ:
///
///     population: c = q∘s − p (q·s), offset −ε0
///     value v:    c = q∘s,           offset −(q·s) v − ε0
///     group X:    c = q∘s − e_X (q·s), offset −ε0
///
/// so that under CVaR ≤ ε0 every contrast has Σ c_g μ_g + offset ≤ 0. q and
/// s are the tail of the plug-in disparities of the shrunken means m.
public struct CVaRContrast: ContrastRule {
  public var weights: [Double]
  public var alpha: Double
  public var tolerance: Double
  public var disparity: DisparityKind
  public var reference: ContrastReference

  /// - Precondition: one weight per group, α ∈ (0, 1], the reference's shares
  ///   (one per group, non-negative, positive sum) or group index in range.
  public init(weights: [Double], alpha: Double, tolerance: Double, disparity: DisparityKind,
              reference: ContrastReference) {
    precondition(alpha > 0 && alpha <= 1, "alpha lies in (0, 1]")
    switch reference {
    case .population(let p):
      precondition(p.count == weights.count && p.allSatisfy { $0 >= 0 } && p.reduce(0, +) > 0,
                   "one non-negative share per group")
      let total = p.reduce(0, +)
      self.reference = .population(p.map { $0 / total })
    case .group(let x):
      precondition(x >= 0 && x < weights.count, "the reference group is one of the groups")
      self.reference = reference
    case .value:
      self.reference = reference
    }
    self.weights = weights
    self.alpha = alpha
    self.tolerance = tolerance
    self.disparity = disparity
  }

  /// The reference's value for group means μ.
  ///
  /// - Complexity: O(K).
  public func referenceValue(_ mu: [Double]) -> Double {
    switch reference {
    case .population(let p): zip(p, mu).reduce(0) { $0 + $1.0 * $1.1 }
    case .value(let v): v
    case .group(let x): mu[x]
    }
  }

  /// Σ_g c_g μ_g + offset for the contrast (c, offset): what the payoff's
  /// mean is, ≤ CVaR_α^w(Δ(μ)) − ε0 for every contrast this rule outputs.
  ///
  /// - Complexity: O(K).
  public static func value(_ contrast: (coefficients: [Double], offset: Double), at mu: [Double]) -> Double {
    zip(contrast.coefficients, mu).reduce(contrast.offset) { $0 + $1.0 * $1.1 }
  }

  /// - Complexity: O(K log K).
  public func contrast(means m: [Double]) -> (coefficients: [Double], offset: Double) {
    let ref = referenceValue(m)
    let d = m.map { disparity.disparity($0, reference: ref) }
    let q = CVaR.tail(of: d, weights: weights, alpha: alpha).tailWeights
    var c = [Double](repeating: 0, count: m.count)
    var qs = 0.0
    for g in m.indices where q[g] > 0 {
      let s: Double
      switch disparity {
      case .oneSided: s = 1
      case .oneSidedLower: s = -1
      case .twoSided: s = m[g] >= ref ? 1 : -1
      }
      c[g] = q[g] * s
      qs += c[g]
    }
    var offset = -tolerance
    switch reference {
    case .population(let p): for g in c.indices { c[g] -= p[g] * qs }
    case .value(let v): offset -= qs * v
    case .group(let x): c[x] -= qs
    }
    return (c, offset)
  }
}
