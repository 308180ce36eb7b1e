/// A closed-form, conservative calibration of T_L2 (no resampling), valid for
/// each of the three references (known value, pooled mean, named group).
///
/// Under H0 (no disparity: the rows' losses are i.i.d., whatever their group)
/// write e_i = ℓ_i − μ, with σ² = E e², κ = E e⁴. T_L2 does not change when
/// every loss is shifted, so it is a quadratic form in e. With the reference
/// r̂ = Σ_i a_i e_i (a = 0 for a known value, a_i = 1/N for the pooled mean
/// over all N rows, a_i = 1/n_r on the rows of a named group r) and
/// c_i = w̃_g/n_g for the rows of group g,
///
///     U_g = A_g + r̂² − 2 ē_g r̂,   A_g = ē_g² − s_g²/n_g = Σ_{i≠j∈g} e_i e_j / (n_g(n_g − 1))
///     T   = Σ w̃_g U_g = eᵀ(P + M)e,  P: the A part (zero diagonal),  M = aaᵀ − acᵀ − caᵀ
///
/// For i.i.d. centred e and a symmetric matrix S,
/// E[eᵀSe] = σ² tr S and Var(eᵀSe) = 2σ⁴ tr S² + (κ − 3σ⁴) Σ_i S_ii², so
///
///     E[T]   = σ² (S_aa − 2 S_ac)
///     Var(T) = 2σ⁴ Q + (κ − 3σ⁴) D
///     Q = tr P² + 2 tr PM + tr M²,  D = Σ_i (a_i² − 2 a_i c_i)²
///     tr P²  = Σ_g w̃_g² / (n_g(n_g − 1))
///     tr PM  = Σ_g w̃_g a_g² − 2 Σ_g w̃_g² a_g / n_g
///     tr M²  = S_aa² + 2 S_ac² − 4 S_aa S_ac + 2 S_2 S_aa
///     S_aa = Σ_g n_g a_g²,  S_ac = Σ_g w̃_g a_g,  S_2 = Σ_g w̃_g² / n_g
///
/// (a_g: the common value of a_i on the rows of g). The three references:
///
/// - known: E[T] = 0, Var(T) = 2σ⁴ Σ w̃_g²/(n_g(n_g − 1));
/// - pooled: E[T] = −σ²/N ≤ 0;
/// - a named group r: E[T] = (1 − 2w̃_r) σ²/n_r, which is > 0 whenever w̃_r < ½:
///   the reference's own noise enters every other U_g. Var(T) gains the term
///   4σ⁴ Σ_{g≠r} w̃_g²/(n_g n_r) (r̂ times the other groups' means) and the
///   variance of (1 − 2w̃_r) r̂².
///
/// A loss in [0, 1] has |e| ≤ 1, so σ⁴ ≤ κ ≤ σ² and σ² ≤ 1/4; D ≥ 0 makes κ = σ²
/// the worst case, and the bounds used are
///
///     m = sup E[T]  = max(0, S_aa − 2 S_ac) / 4
///     V = sup Var(T) = max over v ∈ [0, 1/4] of v²(2Q − 3D) + v D   (a quadratic in v)
///
/// Cantelli's (one-sided Chebyshev) inequality P(T − E T ≥ u) ≤ Var/(Var + u²),
/// increasing in Var and in E T, then gives for an observed T
///
///     p = V / (V + (T − m)²)  if T > m,   else 1.
///
/// This is a proof, not a simulation check; `Tests/Oracles/make_l2_bound_fixtures.py`
/// checks E[T] and Var(T) against exact enumeration of Bernoulli data.
public struct L2Bound: Hashable, Sendable {
  /// The reference T_L2 is computed against.
  public enum Reference: Hashable, Sendable {
    /// A fixed number, known without error.
    case known
    /// The pooled mean of all rows (all groups, including those with n_g < 2).
    case pooled
    /// The mean of group `index` (an index into the sizes).
    case group(Int)
  }

  /// V, the largest Var(T_L2) under H0 for a loss in [0, 1].
  public var variance: Double
  /// m, the largest E[T_L2] under H0 (0 except for a named reference group).
  public var meanBound: Double
  /// The coefficients of E[T] = σ² · meanCoefficient and
  /// Var(T) = 2σ⁴ Q + (κ − 3σ⁴) D.
  public var meanCoefficient: Double
  public var q: Double
  public var d: Double

  /// - Precondition: one size per weight, sizes ≥ 1; weights (w̃) non-negative with
  ///   sum 1 and 0 wherever n_g < 2; a reference group index in range.
  /// - Complexity: O(K).
  public init(sizes: [Int], weights: [Double], reference: Reference) {
    precondition(sizes.count == weights.count, "one weight per group")
    precondition(sizes.allSatisfy { $0 >= 1 }, "every group has a row")
    let total = sizes.reduce(0, +)
    func a(_ g: Int) -> Double {
      switch reference {
      case .known: return 0
      case .pooled: return 1 / Double(total)
      case .group(let r):
        precondition(sizes.indices.contains(r), "reference group index in range")
        return g == r ? 1 / Double(sizes[r]) : 0
      }
    }
    var trP2 = 0.0, xPx = 0.0, yPx = 0.0, saa = 0.0, sac = 0.0, s2 = 0.0, dd = 0.0
    for (g, (size, w)) in zip(sizes, weights).enumerated() {
      let n = Double(size)
      let ag = a(g)
      saa += n * ag * ag
      let c = w > 0 ? w / n : 0
      let diagonal = ag * ag - 2 * ag * c
      dd += n * diagonal * diagonal
      guard w > 0 else { continue }
      precondition(size >= 2, "groups with n < 2 carry no L2 weight")
      trP2 += w * w / (n * (n - 1))
      xPx += w * ag * ag
      yPx += w * w * ag / n
      sac += w * ag
      s2 += w * w / n
    }
    let trM2 = saa * saa + 2 * sac * sac - 4 * saa * sac + 2 * s2 * saa
    q = trP2 + 2 * (xPx - 2 * yPx) + trM2
    d = dd
    meanCoefficient = saa - 2 * sac
    meanBound = max(0, meanCoefficient) / 4
    // sup over v = σ² ∈ [0, 1/4] of f(v) = v²(2Q − 3D) + vD (κ = σ²).
    let curvature = 2 * q - 3 * d
    var v = 0.25
    if curvature < 0 { v = min(0.25, d / (-2 * curvature)) }
    variance = max(0, v * v * curvature + v * d)
  }

  /// E[T_L2] and Var(T_L2) under H0 for losses with variance σ² and fourth
  /// central moment κ (for the checks against exact enumeration).
  public func moments(variance sigma2: Double, fourthMoment kappa: Double) -> (mean: Double, variance: Double) {
    (sigma2 * meanCoefficient, 2 * sigma2 * sigma2 * q + (kappa - 3 * sigma2 * sigma2) * d)
  }

  /// Cantelli's p-value for an observed T_L2: V/(V + (T − m)²) when T > m, else 1.
  public func pValue(_ t: Double) -> Double {
    guard t > meanBound else { return 1 }
    let u = t - meanBound
    return variance / (variance + u * u)
  }
}
