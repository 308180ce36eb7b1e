import CVaRAudit
import RealModule

/// What an audit plan is asked for: the groups' population shares p, the
/// audit weights w, and the test's tolerances.
public struct PlanningProblem: Sendable, Hashable {
  /// Population shares p_g (normalised): i.i.d. sampling draws group g with probability p_g.
  public var shares: [Double]
  /// Audit weights w_g (normalised): how much each group counts in the CVaR.
  public var weights: [Double]
  /// CVaR level α ∈ (0, 1].
  public var alpha: Double
  /// The violation to detect: CVaR_α^w(Δ) ≥ ε (max-gap: max_g Δ_g ≥ ε), ε > 0.
  public var epsilon: Double
  /// Type I error δ ∈ (0, 1).
  public var delta: Double
  /// Power 1 − β ∈ (0, 1).
  public var power: Double

  /// - Precondition: one share and one weight per group (K ≥ 2), each
  ///   finite and non-negative with a positive sum; α ∈ (0, 1]; ε > 0;
  ///   δ, power ∈ (0, 1).
  public init(shares: [Double], weights: [Double], alpha: Double, epsilon: Double, delta: Double, power: Double) {
    precondition(shares.count == weights.count && shares.count >= 2, "one share and one weight per group, K ≥ 2")
    precondition(alpha > 0 && alpha <= 1 && epsilon > 0 && delta > 0 && delta < 1 && power > 0 && power < 1,
                 "α ∈ (0, 1], ε > 0, δ and power in (0, 1)")
    self.shares = RenyiEntropy.normalized(shares)
    self.weights = RenyiEntropy.normalized(weights)
    self.alpha = alpha
    self.epsilon = epsilon
    self.delta = delta
    self.power = power
  }

  /// The number of groups K.
  public var groupCount: Int { shares.count }
}

/// A sample size from a closed-form bound, with the bound written out.
public struct SampleSizeBound: Sendable, Hashable {
  /// Total rows n (⌈·⌉ of the bound).
  public var samples: Int
  /// The bound as a formula with its constants, e.g.
  /// "n = (k_δ + k_β)/(2√2) · √(Σ w²/π²) / (α ε²) = …".
  public var formula: String
  /// The allocation π_g the bound assumes (shares of the n rows per group).
  public var allocation: [Double]
  /// √(Σ_g w_g²/π_g²) for the L2 bounds; min_g π_g for max-gap; 0 for two-stage.
  public var designFactor: Double
}

/// The two-stage (non-i.i.d.) design: draw J groups from w (with
/// replacement), then m rows from each drawn group.
public struct TwoStageDesign: Sendable, Hashable {
  /// J: groups drawn.
  public var groups: Int
  /// m: rows per drawn group.
  public var rowsPerGroup: Int
  /// c in m = c/(√α ε²): the split that minimises J·m.
  public var splitConstant: Double
  /// n = J·m, or Int.max when the product overflows (J and m come from
  /// `ceilInt`, which caps each at 9·10¹⁸, not their product).
  public var samples: Int {
    let (n, overflow) = groups.multipliedReportingOverflow(by: rowsPerGroup)
    return overflow ? .max : n
  }
}

/// The planner's answer (METHOD.md section 9).
public struct SamplePlan: Sendable, Hashable {
  public var problem: PlanningProblem
  /// H_{2/3}(w) in nats.
  public var renyi23: Double
  /// ‖w‖_{2/3} = exp(H_{2/3}(w)/2).
  public var norm23: Double
  /// exp(H_{2/3}(w)).
  public var effectiveGroups: Double
  /// Max-gap test, Bonferroni–Hoeffding, i.i.d. sampling from the population.
  public var maxGap: SampleSizeBound
  /// CVaR L2 test, i.i.d. sampling from the population (π = p).
  public var cvarIID: SampleSizeBound
  /// CVaR L2 test, stratified allocation π ∝ w^{2/3}.
  public var cvarStratified: SampleSizeBound
  /// CVaR L2 test, two-stage design.
  public var twoStage: SampleSizeBound
  /// J and m of the two-stage design.
  public var twoStageDesign: TwoStageDesign
  /// Rows per group for the stratified design: max(2, ⌈n π_g⌉) (0 where w_g = 0).
  public var stratifiedRows: [Int]
}

/// The smallest violation each design detects with n rows.
public struct DetectableEpsilon: Sendable, Hashable {
  public var samples: Int
  public var maxGap: Double
  public var cvarIID: Double
  public var cvarStratified: Double
  public var twoStage: Double
}

/// Closed-form sample sizes for the max-gap and CVaR tests (METHOD.md §9).
///
/// With k_x = √((1 − x)/x) (the one-sided Chebyshev, or Cantelli, multiplier:
/// P(X − E X ≥ k σ) ≤ 1/(1 + k²)) and β = 1 − power:
///
/// - **CVaR L2**, allocation π (n_g = n π_g): under H0 (no disparity, known
///   reference) T_L2 has mean 0 and variance Σ_g w_g² 2σ⁴/(n_g(n_g − 1))
///   ≈ (2σ⁴/n²) Σ w_g²/π_g², with σ² ≤ 1/4 for a binary loss, so
///   σ₀ ≤ √(Σ w²/π²)/(2√2 n). A violation CVaR_α ≥ ε forces
///   E T_L2 = Σ w Δ² ≥ α ε². Rejecting above k_δ σ₀ and asking the
///   alternative's lower k_β σ₀ tail to clear that threshold (its variance
///   taken at the null value: a local alternative) gives
///
///       n = C(δ, β) · √(Σ_g w_g²/π_g²) / (α ε²),   C(δ, β) = (k_δ + k_β)/(2√2).
///
///   For π = w the factor is √K; for π ∝ w^{2/3} it is ‖w‖_{2/3}.
/// - **Max gap**, Bonferroni–Hoeffding: every group's rate within ε/2 with
///   probability ≥ 1 − min(δ, β) needs n_g ≥ 2 log(2K/min(δ, β))/ε² in every
///   group, so n = 2 log(2K/min(δ, β)) / (ε² min_g π_g) (π = p, i.i.d.).
///   When β ≥ δ this is METHOD.md's 2 log(2K/δ)/(ε² min π).
/// - **Two-stage**: J groups from w, m rows each, T = mean of U over the
///   drawn groups. Against the least favourable violation (Δ = ε on weight α,
///   so E T = α ε², Var(Δ_G²) ≤ α ε⁴) and with the exact
///   Var(U | G) = 4Δ_G²σ²/m + 2σ⁴/(m(m − 1)) ≤ Δ_G²/m + 1/(8m²):
///
///       m = c/(√α ε²),   J = (1/α) [k_δ/(√8 c) + k_β √(1 + √α/c + 1/(8c²))]²
///
///   with c > 0 chosen to minimise J·m (a one-dimensional search); n = J·m
///   does not depend on K.
public enum SamplePlanner {
  /// The Cantelli multiplier k_x = √((1 − x)/x).
  public static func cantelli(_ x: Double) -> Double { ((1 - x) / x).squareRoot() }

  /// C(δ, β) = (k_δ + k_β)/(2√2) of the L2 bounds.
  public static func l2Constant(delta: Double, power: Double) -> Double {
    (cantelli(delta) + cantelli(1 - power)) / (2 * 2.0.squareRoot())
  }

  /// J·α as a function of the split constant c (see the type's doc comment).
  static func twoStageGroupsTimesAlpha(c: Double, alpha: Double, delta: Double, power: Double) -> Double {
    let a = cantelli(delta) / (8.0.squareRoot() * c)
      + cantelli(1 - power) * (1 + alpha.squareRoot() / c + 1 / (8 * c * c)).squareRoot()
    return a * a
  }

  /// The c minimising c · J(c)·α (golden-section search on log c ∈ [−8, 8]).
  static func twoStageSplit(alpha: Double, delta: Double, power: Double) -> Double {
    func cost(_ logC: Double) -> Double {
      let c = Double.exp(logC)
      return c * twoStageGroupsTimesAlpha(c: c, alpha: alpha, delta: delta, power: power)
    }
    var lo = -8.0, hi = 8.0
    let ratio = (5.0.squareRoot() - 1) / 2
    var x1 = hi - ratio * (hi - lo), x2 = lo + ratio * (hi - lo)
    var f1 = cost(x1), f2 = cost(x2)
    for _ in 0..<200 where hi - lo > 1e-12 {
      if f1 <= f2 {
        hi = x2; x2 = x1; f2 = f1
        x1 = hi - ratio * (hi - lo); f1 = cost(x1)
      } else {
        lo = x1; x1 = x2; f1 = f2
        x2 = lo + ratio * (hi - lo); f2 = cost(x2)
      }
    }
    return Double.exp((lo + hi) / 2)
  }

  /// The plan for a problem.
  ///
  /// - Complexity: O(K).
  public static func plan(_ problem: PlanningProblem) -> SamplePlan {
    let w = problem.weights, p = problem.shares
    let alpha = problem.alpha, eps = problem.epsilon, delta = problem.delta, power = problem.power
    let k = problem.groupCount
    let beta = 1 - power
    let c = l2Constant(delta: delta, power: power)
    let kd = cantelli(delta), kb = cantelli(beta)
    let tail = alpha * eps * eps

    // Max gap.
    let minShare = p.min()!
    let perGroup = 2 * Double.log(2 * Double(k) / min(delta, beta)) / (eps * eps)
    let maxGapN = minShare > 0 ? perGroup / minShare : .infinity
    let maxGap = SampleSizeBound(
      samples: ceilInt(maxGapN),
      formula: "Bonferroni–Hoeffding: n = 2·log(2K/min(δ, β))/(ε²·min_g p_g) = 2·log(2·\(k)/\(fmt(min(delta, beta))))/(\(fmt(eps))²·\(fmt(minShare))) = \(fmt(maxGapN))",
      allocation: p, designFactor: minShare)

    // L2, i.i.d. from the population.
    let iidFactor = SampleAllocation.varianceFactor(weights: w, allocation: p)
    let iidN = c * iidFactor / tail
    let constantText = "C = (k_δ + k_β)/(2√2) = (\(fmt(kd)) + \(fmt(kb)))/(2√2) = \(fmt(c)), k_x = √((1−x)/x) (Cantelli), σ² ≤ 1/4"
    let cvarIID = SampleSizeBound(
      samples: ceilInt(iidN),
      formula: "n = C·√(Σ w²/p²)/(α ε²) = \(fmt(c))·\(fmt(iidFactor))/(\(fmt(alpha))·\(fmt(eps))²) = \(fmt(iidN)); \(constantText)",
      allocation: p, designFactor: iidFactor)

    // L2, stratified π ∝ w^{2/3}.
    let stratified = SampleAllocation.stratified(w)
    let stratifiedFactor = SampleAllocation.varianceFactor(weights: w, allocation: stratified)
    let stratifiedN = c * stratifiedFactor / tail
    let cvarStratified = SampleSizeBound(
      samples: ceilInt(stratifiedN),
      formula: "n = C·‖w‖_{2/3}/(α ε²) = \(fmt(c))·\(fmt(stratifiedFactor))/(\(fmt(alpha))·\(fmt(eps))²) = \(fmt(stratifiedN)), π ∝ w^{2/3}; \(constantText)",
      allocation: stratified, designFactor: stratifiedFactor)
    let rows = stratified.map { $0 > 0 ? max(2, ceilInt(Double(cvarStratified.samples) * $0)) : 0 }

    // Two-stage.
    let split = twoStageSplit(alpha: alpha, delta: delta, power: power)
    let jAlpha = twoStageGroupsTimesAlpha(c: split, alpha: alpha, delta: delta, power: power)
    let m = max(2, ceilInt(split / (alpha.squareRoot() * eps * eps)))
    let j = max(2, ceilInt(jAlpha / alpha))
    let design = TwoStageDesign(groups: j, rowsPerGroup: m, splitConstant: split)
    let twoStage = SampleSizeBound(
      samples: design.samples,
      formula: "m = ⌈c/(√α ε²)⌉ = \(m), J = ⌈(1/α)·[k_δ/(√8 c) + k_β·√(1 + √α/c + 1/(8c²))]²⌉ = \(j), c = \(fmt(split)) (minimises J·m), n = J·m; k_δ = \(fmt(kd)), k_β = \(fmt(kb)); least favourable violation Δ = ε on weight α, σ² ≤ 1/4; independent of K",
      allocation: [], designFactor: 0)

    let renyi = RenyiEntropy.entropy(w, order: 2.0 / 3)
    return SamplePlan(
      problem: problem, renyi23: renyi, norm23: RenyiEntropy.norm23(w),
      effectiveGroups: RenyiEntropy.effectiveNumber(w, order: 2.0 / 3),
      maxGap: maxGap, cvarIID: cvarIID, cvarStratified: cvarStratified, twoStage: twoStage,
      twoStageDesign: design, stratifiedRows: rows)
  }

  /// The inverse: the smallest ε each bound detects with n rows (the bounds
  /// solved for ε, before rounding up to whole rows).
  ///
  ///     max gap:  ε = √(2 log(2K/min(δ, β)) / (n min p))
  ///     L2:       ε = √(C · √(Σ w²/π²) / (α n))
  ///     two-stage: ε = √(c · J(c)α / (α^{3/2} n))
  ///
  /// - Precondition: n ≥ 1.
  /// - Complexity: O(K).
  public static func detectableEpsilon(_ problem: PlanningProblem, samples n: Int) -> DetectableEpsilon {
    precondition(n >= 1, "at least one row")
    let w = problem.weights, p = problem.shares
    let alpha = problem.alpha, delta = problem.delta, power = problem.power
    let nd = Double(n)
    let c = l2Constant(delta: delta, power: power)
    let minShare = p.min()!
    let maxGap = (2 * Double.log(2 * Double(problem.groupCount) / min(delta, 1 - power)) / (nd * minShare)).squareRoot()
    let iid = (c * SampleAllocation.varianceFactor(weights: w, allocation: p) / (alpha * nd)).squareRoot()
    let strat = (c * RenyiEntropy.norm23(w) / (alpha * nd)).squareRoot()
    let split = twoStageSplit(alpha: alpha, delta: delta, power: power)
    let jAlpha = twoStageGroupsTimesAlpha(c: split, alpha: alpha, delta: delta, power: power)
    let two = (split * jAlpha / (Double.pow(alpha, 1.5) * nd)).squareRoot()
    return DetectableEpsilon(samples: n, maxGap: maxGap, cvarIID: iid, cvarStratified: strat, twoStage: two)
  }

  static func ceilInt(_ x: Double) -> Int {
    guard x.isFinite else { return Int.max }
    return Int(min(x.rounded(.up), 9.0e18))
  }
}

/// A number with up to 6 significant digits, for formulas.
func fmt(_ x: Double) -> String {
  guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
  if x == x.rounded() && abs(x) < 1e9 { return String(Int(x)) }
  let a = abs(x)
  if a >= 1e-3 && a < 1e7 {
    var s = String(format6(x))
    while s.contains(".") && (s.hasSuffix("0") || s.hasSuffix(".")) { s.removeLast() }
    return s
  }
  return String(describing: x)
}

/// x rounded to 6 significant digits, in positional notation.
private func format6(_ x: Double) -> String {
  let a = abs(x)
  let digits = max(0, 5 - Int(Double.log10(a).rounded(.down)))
  let scale = Double.pow(10, Double(digits))
  let r = (x * scale).rounded() / scale
  var text = String(describing: r)
  if text.contains("e") { text = String(describing: x) }
  return text
}
