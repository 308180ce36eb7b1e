import CVaRAudit
import Distributions
import RealModule

/// What an audit plan is asked for: the groups' population shares p, the
/// audit weights w, the test's tolerances, the base rate that fixes the
/// per-row variance, and how the sizes are calibrated.
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
  /// The groups' rate without disparity, b ∈ [0, 1): it fixes the per-row
  /// variances σ² and σ_A² (see `nullVariance`, `alternativeVariance`).
  /// 0.5 is the worst case (σ² = 1/4, the largest a binary loss has).
  public var baseRate: Double
  /// Normal approximation or Cantelli.
  public var bound: PlannerBound

  /// - Precondition: one share and one weight per group (K ≥ 2), each
  ///   finite and non-negative with a positive sum; α ∈ (0, 1]; ε > 0;
  ///   δ, power ∈ (0, 1); base rate ∈ [0, 1).
  public init(shares: [Double], weights: [Double], alpha: Double, epsilon: Double, delta: Double, power: Double,
              baseRate: Double = 0.5, bound: PlannerBound = .normal) {
    precondition(shares.count == weights.count && shares.count >= 2, "one share and one weight per group, K ≥ 2")
    precondition(alpha > 0 && alpha <= 1 && epsilon > 0 && delta > 0 && delta < 1 && power > 0 && power < 1,
                 "α ∈ (0, 1], ε > 0, δ and power in (0, 1)")
    precondition(baseRate >= 0 && baseRate < 1, "base rate ∈ [0, 1)")
    self.shares = RenyiEntropy.normalized(shares)
    self.weights = RenyiEntropy.normalized(weights)
    self.alpha = alpha
    self.epsilon = epsilon
    self.delta = delta
    self.power = power
    self.baseRate = baseRate
    self.bound = bound
  }

  /// The number of groups K.
  public var groupCount: Int { shares.count }

  /// σ² = b(1 − b): the variance of one binary loss under H0 (every group at the base rate).
  public var nullVariance: Double { baseRate * (1 - baseRate) }

  /// σ_A² = max { μ(1 − μ) : μ ∈ [b, min(b + ε, 1)] }: a bound on the
  /// variance of one binary loss in a violating group (rate between the base
  /// rate and ε above it). It equals σ² when b ≥ 1/2, (b + ε)(1 − b − ε) when
  /// b + ε ≤ 1/2, and 1/4 otherwise.
  public var alternativeVariance: Double { Self.alternativeVariance(baseRate: baseRate, epsilon: epsilon) }

  static func alternativeVariance(baseRate b: Double, epsilon: Double) -> Double {
    if b >= 0.5 { return b * (1 - b) }
    let top = min(1, b + epsilon)
    return top <= 0.5 ? top * (1 - top) : 0.25
  }
}

/// A sample size from a closed form, with the formula written out.
///
/// Sizes are kept as `Double`: a plan for a tiny ε, or for a group that
/// i.i.d. sampling never reaches, can exceed any integer type, and must not
/// trap. `samples` gives the size as an `Int` only when it fits.
public struct SampleSizeBound: Sendable, Hashable {
  /// The size before rounding (+∞ when no n reaches the power, e.g. a group
  /// with w_g > 0 and allocation π_g = 0).
  public var exactRows: Double
  /// Total rows: ⌈exactRows⌉, or J·m for the two-stage design (+∞ as above).
  public var rows: Double
  /// The size as a formula with its constants and the calibration used.
  public var formula: String
  /// The allocation π_g the size assumes (shares of the n rows per group;
  /// empty for two-stage).
  public var allocation: [Double]
  /// √(Σ_g w_g²/π_g²) for the L2 designs; min_g π_g for max gap; 0 for two-stage.
  public var designFactor: Double
  /// ρ = CVaR_α^w(w/π) for the L2 designs (1 when π = w); 0 otherwise.
  public var tailFactor: Double
  /// Rows the smallest counted group gets at this size: n·min π_g over the
  /// groups with w_g > 0 (expected, for i.i.d.; m for two-stage). The sizes
  /// use large-group approximations (n_g(n_g − 1) ≈ n_g², every group
  /// observed), which fail when this is a handful of rows: a group with
  /// fewer than 2 rows drops out of T_L2, and the violation with it.
  public var smallestGroupRows: Double

  /// `rows` as an `Int`; nil when it is infinite or ≥ 2⁶³ ("not reachable").
  public var samples: Int? { SamplePlanner.wholeRows(rows) }
}

/// The two-stage (non-i.i.d.) design: draw J groups from w (with
/// replacement), then m rows from each drawn group. J and m are whole
/// numbers kept as `Double` (m grows as 1/ε² without bound).
public struct TwoStageDesign: Sendable, Hashable {
  /// J: groups drawn.
  public var groups: Double
  /// m: rows per drawn group.
  public var rowsPerGroup: Double
  /// c in m = c·σ_A²/(√α ε²): the split that minimises J·m.
  public var splitConstant: Double
  /// n = J·m.
  public var samples: Double { groups * rowsPerGroup }
  /// J/m, the shape the simulated two-stage sampler keeps as its budget
  /// varies (1 when m is not finite).
  public var shapeRatio: Double {
    let ratio = groups / rowsPerGroup
    return ratio > 0 && ratio.isFinite ? ratio : 1
  }
}

/// The planner's answer (docs/method.md §9).
public struct SamplePlan: Sendable, Hashable {
  public var problem: PlanningProblem
  /// H_{2/3}(w) in nats.
  public var renyi23: Double
  /// ‖w‖_{2/3} = exp(H_{2/3}(w)/2).
  public var norm23: Double
  /// exp(H_{2/3}(w)).
  public var effectiveGroups: Double
  /// Max-gap test, i.i.d. sampling from the population.
  public var maxGap: SampleSizeBound
  /// CVaR L2 test, i.i.d. sampling from the population (π = p).
  public var cvarIID: SampleSizeBound
  /// CVaR L2 test, stratified allocation π ∝ w^{2/3}.
  public var cvarStratified: SampleSizeBound
  /// CVaR L2 test, two-stage design.
  public var twoStage: SampleSizeBound
  /// J and m of the two-stage design.
  public var twoStageDesign: TwoStageDesign
  /// Rows per group for the stratified design: max(2, ⌈n π_g⌉) (0 where
  /// w_g = 0), whole numbers kept as `Double` (+∞ when n is).
  public var stratifiedRows: [Double]
}

/// The smallest violation each design detects with n rows.
public struct DetectableEpsilon: Sendable, Hashable {
  public var samples: Int
  public var maxGap: Double
  public var cvarIID: Double
  public var cvarStratified: Double
  public var twoStage: Double
}

/// Sample sizes for the max-gap and CVaR tests (docs/method.md §9).
///
/// Every size solves m ≥ k_δ σ₀(n) + k_β σ₁(n) (see `PlannerBound`: normal
/// quantiles by default, Cantelli multipliers on request), with m the
/// statistic's mean under the least favourable violation and σ₀, σ₁ its
/// standard deviations under H0 and under that violation. The per-row
/// variances come from the base rate b: σ² = b(1 − b) under H0 and σ_A² (the
/// largest μ(1 − μ) for μ ∈ [b, b + ε]) in a violating group. β = 1 − power.
///
/// - **CVaR L2**, allocation π (n_g = n π_g, large n_g, reference treated as
///   known). U_g = (μ̂_g − μ_ref)² − s_g²/n_g is the U-statistic
///   Σ_{i≠j}(X_i − μ_ref)(X_j − μ_ref)/(n_g(n_g − 1)), so exactly
///   E U_g = Δ_g² and Var U_g = 4Δ_g²σ_g²/n_g + 2σ_g⁴/(n_g(n_g − 1)). For
///   T_L2 = Σ w_g U_g:
///
///       H0:  σ₀² = a₀²/n²,           a₀ = √2 σ² V,   V = √(Σ_g w_g²/π_g²)
///       H1:  σ₁² = a₁²/n² + 4σ_A² Σ_g w_g²Δ_g²/π_g / n,   a₁ = √2 σ_A² V.
///
///   A violation CVaR_α^w(Δ) ≥ ε forces m = E T_L2 = Σ w Δ² ≥ α ε², with
///   equality for Δ = ε on weight α; on such a tail Σ w²Δ²/π = α ε² · (the
///   tail's w-mean of w/π) ≤ m ρ, ρ = CVaR_α^w(w/π) (the worst tail; ρ = 1
///   for π = w). So σ₁² ≤ a₁²/n² + 4σ_A²ρ m/n, and m − k_δ a₀/n =
///   k_β √(a₁²/n² + 4σ_A²ρ m/n) is a quadratic in 1/n whose root is
///
///       n = [k_δ a₀ + 2k_β²σ_A²ρ + k_β √(a₁² + 4k_δ a₀ σ_A²ρ + 4k_β²σ_A⁴ρ²)] / (α ε²).
///
///   Without the alternative's spread (ρ = 0) and with σ² = σ_A² = 1/4 this
///   is the local-alternative size (k_δ + k_β)/(2√2) · V/(α ε²). V is √K for
///   π = w and ‖w‖_{2/3} for π ∝ w^{2/3}.
/// - **Max gap**, i.i.d. from the population, one bad group of rate ε
///   above the reference. Normal: the null maximum of the K group
///   deviations stays below z_{1−δ/K} σ/√n_g (Bonferroni), and the bad group
///   clears that with probability 1 − β when
///   n_g ≥ (z_{1−δ/K} σ + k_β σ_A)²/ε², in the smallest group: n = n_g/min_g p_g.
///   Cantelli: Bonferroni–Hoeffding instead (Cantelli per group would cost
///   K/δ where Hoeffding costs log(K/δ)): every group's rate within ε/2 with
///   probability ≥ 1 − min(δ, β) needs n_g ≥ 2 log(2K/min(δ, β))/ε².
/// - **Two-stage**: J groups from w, m rows each, T = mean of U over the
///   drawn groups, against Δ = ε on weight α (E T = α ε²,
///   Var(Δ_G²) = α(1 − α)ε⁴):
///
///       J · Var T = α(1 − α)ε⁴ + 4σ_A²α ε²/m + 2σ_A⁴/m²   (H1),   2σ⁴/m²   (H0).
///
///   With m = c σ_A²/(√α ε²) the condition becomes
///
///       J = (1/α) [k_δ √2 (σ²/σ_A²)/c + k_β √(1 − α + 4√α/c + 2/c²)]²,
///
///   and c > 0 minimises max(2, m)·max(2, J) (a one-dimensional search;
///   the floors keep J and m at 2 or more). For whole J near the optimum
///   J* (within 1 of it, at least 2), m is recomputed as the smallest that
///   satisfies the condition for that J, and the J with the fewest rows
///   J·⌈m⌉ is kept. With P = √J α ε², a = k_δ √2 σ²,
///   v = α(1 − α)ε⁴, b = 4σ_A² α ε², e = 2σ_A⁴, the condition
///   P − a/m ≥ k_β √(v + b/m + e/m²) is a quadratic in 1/m with root
///
///       m = (B + √D)/(2C),   B = 2Pa + k_β²b,   C = P² − k_β²v > 0,
///       D = 4Pa k_β²b + k_β⁴b² + 4a²k_β²v + 4k_β²e C.
///
///   n = J·⌈m⌉ does not depend on K.
public enum SamplePlanner {
  /// The Cantelli multiplier k_x = √((1 − x)/x).
  public static func cantelli(_ x: Double) -> Double { ((1 - x) / x).squareRoot() }

  /// The L2 size before rounding (see the type's doc comment), for design
  /// factor V = √(Σ w²/π²) and tail factor ρ, at violation ε.
  static func l2Rows(_ problem: PlanningProblem, designFactor v: Double, tailFactor rho: Double, epsilon: Double) -> Double {
    guard v.isFinite && rho.isFinite else { return .infinity }
    let kd = problem.bound.nullMultiplier(delta: problem.delta), kb = problem.bound.powerMultiplier(power: problem.power)
    let s0 = problem.nullVariance
    let sa = PlanningProblem.alternativeVariance(baseRate: problem.baseRate, epsilon: epsilon)
    let a0 = 2.0.squareRoot() * s0 * v, a1 = 2.0.squareRoot() * sa * v
    let spread = sa * rho
    let root = (a1 * a1 + 4 * kd * a0 * spread + 4 * kb * kb * spread * spread).squareRoot()
    return (kd * a0 + 2 * kb * kb * spread + kb * root) / (problem.alpha * epsilon * epsilon)
  }

  /// n_g of the max-gap size (see the type's doc comment) at violation ε.
  public static func maxGapRowsPerGroup(_ problem: PlanningProblem, epsilon: Double) -> Double {
    let k = Double(problem.groupCount)
    switch problem.bound {
    case .normal:
      let z = -Normal.quantile(problem.delta / k)
      let kb = problem.bound.powerMultiplier(power: problem.power)
      let sa = PlanningProblem.alternativeVariance(baseRate: problem.baseRate, epsilon: epsilon)
      let t = z * problem.nullVariance.squareRoot() + kb * sa.squareRoot()
      return t * t / (epsilon * epsilon)
    case .cantelli:
      return 2 * Double.log(2 * k / min(problem.delta, 1 - problem.power)) / (epsilon * epsilon)
    }
  }

  /// J·α of the two-stage design as a function of c (see the type's doc comment).
  static func twoStageGroupsTimesAlpha(c: Double, _ problem: PlanningProblem, epsilon: Double) -> Double {
    let kd = problem.bound.nullMultiplier(delta: problem.delta), kb = problem.bound.powerMultiplier(power: problem.power)
    let sa = PlanningProblem.alternativeVariance(baseRate: problem.baseRate, epsilon: epsilon)
    let alpha = problem.alpha
    let a = kd * 2.0.squareRoot() * (problem.nullVariance / sa) / c
      + kb * (1 - alpha + 4 * alpha.squareRoot() / c + 2 / (c * c)).squareRoot()
    return a * a
  }

  /// The two-stage split c, J·α and the size before rounding at violation ε:
  /// c minimises max(2, m(c))·max(2, J(c)) (golden-section search on
  /// log c ∈ [−12, 12]).
  static func twoStageShape(_ problem: PlanningProblem, epsilon: Double) -> (split: Double, groupsTimesAlpha: Double, rows: Double) {
    let alpha = problem.alpha
    let scale = PlanningProblem.alternativeVariance(baseRate: problem.baseRate, epsilon: epsilon) / (alpha.squareRoot() * epsilon * epsilon)
    func cost(_ logC: Double) -> Double {
      let c = Double.exp(logC)
      return max(2, c * scale) * max(2, twoStageGroupsTimesAlpha(c: c, problem, epsilon: epsilon) / alpha)
    }
    var lo = -12.0, hi = 12.0
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
    let logC = (lo + hi) / 2
    let c = Double.exp(logC)
    return (c, twoStageGroupsTimesAlpha(c: c, problem, epsilon: epsilon), cost(logC))
  }

  /// The smallest m (rows per group, before rounding) with which J groups
  /// meet the two-stage condition (see the type's doc comment); nil when no
  /// m does (J·α ≤ k_β²(1 − α): too few groups for the drawn disparities' spread).
  static func twoStageRowsPerGroup(groups j: Double, _ problem: PlanningProblem, epsilon: Double) -> Double? {
    let kd = problem.bound.nullMultiplier(delta: problem.delta), kb = problem.bound.powerMultiplier(power: problem.power)
    let sa = PlanningProblem.alternativeVariance(baseRate: problem.baseRate, epsilon: epsilon)
    let alpha = problem.alpha, e2 = epsilon * epsilon
    let p = j.squareRoot() * alpha * e2
    let a = kd * 2.0.squareRoot() * problem.nullVariance
    let v = alpha * (1 - alpha) * e2 * e2, b = 4 * sa * alpha * e2, e = 2 * sa * sa
    let kb2 = kb * kb
    let c = p * p - kb2 * v
    guard c > 0 else { return nil }
    let d = 4 * p * a * kb2 * b + kb2 * kb2 * b * b + 4 * a * a * kb2 * v + 4 * kb2 * e * c
    return (2 * p * a + kb2 * b + d.squareRoot()) / (2 * c)
  }

  /// The plan for a problem.
  ///
  /// - Complexity: O(K log K) (the tail factor ρ is a CVaR).
  public static func plan(_ problem: PlanningProblem) -> SamplePlan {
    let w = problem.weights, p = problem.shares
    let alpha = problem.alpha, eps = problem.epsilon, delta = problem.delta, power = problem.power
    let k = problem.groupCount
    let method = problem.bound
    let kd = method.nullMultiplier(delta: delta), kb = method.powerMultiplier(power: power)
    let s0 = problem.nullVariance, sa = problem.alternativeVariance
    let variances = "σ² = b(1−b) = \(fmt(s0)), σ_A² = \(fmt(sa)) at base rate b = \(fmt(problem.baseRate))"
    let multipliers = "k_δ = \(fmt(kd)), k_β = \(fmt(kb)) (\(method == .normal ? "normal quantiles" : "Cantelli"))"

    // Max gap.
    let minShare = p.min()!
    let perGroup = maxGapRowsPerGroup(problem, epsilon: eps)
    let maxGapN = minShare > 0 ? perGroup / minShare : .infinity
    let maxGapText: String
    switch method {
    case .normal:
      maxGapText = "Bonferroni, normal: n = (z_{1−δ/K}·σ + k_β·σ_A)²/(ε²·min_g p_g) = (\(fmt(-Normal.quantile(delta / Double(k))))·\(fmt(s0.squareRoot())) + \(fmt(kb))·\(fmt(sa.squareRoot())))²/(\(fmt(eps))²·\(fmt(minShare))) = \(fmt(maxGapN)); \(variances); \(multipliers)"
    case .cantelli:
      maxGapText = "Bonferroni–Hoeffding: n = 2·log(2K/min(δ, β))/(ε²·min_g p_g) = 2·log(2·\(k)/\(fmt(min(delta, 1 - power))))/(\(fmt(eps))²·\(fmt(minShare))) = \(fmt(maxGapN)); distribution-free (no variance)"
    }
    let maxGap = SampleSizeBound(exactRows: maxGapN, rows: maxGapN.rounded(.up), formula: maxGapText,
                                 allocation: p, designFactor: minShare, tailFactor: 0,
                                 smallestGroupRows: maxGapN.rounded(.up) * minShare)

    // L2, i.i.d. from the population, and stratified π ∝ w^{2/3}.
    func l2(_ pi: [Double], _ name: String) -> SampleSizeBound {
      let v = SampleAllocation.varianceFactor(weights: w, allocation: pi)
      let rho = v.isFinite ? CVaR.value(of: w.indices.map { pi[$0] > 0 ? w[$0] / pi[$0] : 0 }, weights: w, alpha: alpha) : .infinity
      let n = l2Rows(problem, designFactor: v, tailFactor: rho, epsilon: eps)
      let text = "n = [k_δ·a₀ + 2k_β²·σ_A²·ρ + k_β·√(a₁² + 4k_δ·a₀·σ_A²·ρ + 4k_β²·σ_A⁴·ρ²)]/(α ε²) = \(fmt(n)), a₀ = √2·σ²·V, a₁ = √2·σ_A²·V, V = \(name) = \(fmt(v)), ρ = CVaR_α^w(w/π) = \(fmt(rho)), α = \(fmt(alpha)), ε = \(fmt(eps)); \(variances); \(multipliers)"
      let smallest = w.indices.filter { w[$0] > 0 }.map { pi[$0] }.min()!
      return SampleSizeBound(exactRows: n, rows: n.rounded(.up), formula: text, allocation: pi, designFactor: v, tailFactor: rho,
                             smallestGroupRows: n.rounded(.up) * smallest)
    }
    let cvarIID = l2(p, "√(Σ w²/p²)")
    let stratified = SampleAllocation.stratified(w)
    let cvarStratified = l2(stratified, "‖w‖_{2/3} (π ∝ w^{2/3})")
    let rows = stratified.map { $0 > 0 ? max(2, (cvarStratified.rows * $0).rounded(.up)) : 0 }

    // Two-stage.
    let shape = twoStageShape(problem, epsilon: eps)
    // Whole groups: of the J within 1 of the continuous optimum J* (and
    // above k_β²(1 − α)/α, below which no m works), the one with the
    // fewest rows J·⌈m(J)⌉ (ties: fewer groups).
    let fewest = max(2, (kb * kb * (1 - alpha) / alpha).rounded(.down) + 1)
    let jStar = shape.groupsTimesAlpha / alpha
    var j = max(fewest, jStar.rounded(.down) - 1), m = Double.infinity
    var best = Double.infinity
    for candidate in stride(from: j, through: max(fewest, jStar.rounded(.up) + 1), by: 1) {
      // nil only when α ε² underflows: no m is representable.
      let rows = max(2, (twoStageRowsPerGroup(groups: candidate, problem, epsilon: eps) ?? .infinity).rounded(.up))
      if candidate * rows < best || best == .infinity && candidate == j {
        best = candidate * rows
        j = candidate
        m = rows
      }
    }
    let design = TwoStageDesign(groups: j, rowsPerGroup: m, splitConstant: shape.split)
    let twoStage = SampleSizeBound(
      exactRows: shape.rows, rows: design.samples,
      formula: "J·α = [k_δ·√2·(σ²/σ_A²)/c + k_β·√(1 − α + 4√α/c + 2/c²)]² for m = c·σ_A²/(√α ε²); c = \(fmt(shape.split)) minimises J·m (J = \(fmt(jStar)), n = \(fmt(shape.rows))); whole groups J = \(fmt(j)), m = ⌈smallest m that J groups need⌉ = \(fmt(m)), n = J·m = \(fmt(j * m)); against Δ = ε on weight α; independent of K; \(variances); \(multipliers)",
      allocation: [], designFactor: 0, tailFactor: 0, smallestGroupRows: m)

    let renyi = RenyiEntropy.entropy(w, order: 2.0 / 3)
    return SamplePlan(
      problem: problem, renyi23: renyi, norm23: RenyiEntropy.norm23(w),
      effectiveGroups: RenyiEntropy.effectiveNumber(w, order: 2.0 / 3),
      maxGap: maxGap, cvarIID: cvarIID, cvarStratified: cvarStratified, twoStage: twoStage,
      twoStageDesign: design, stratifiedRows: rows)
  }

  /// The inverse: the smallest ε each design detects with n rows, from the
  /// sizes before rounding. Each size falls as ε grows (as 1/ε² times a
  /// factor that depends on ε only through σ_A², which is bounded), so the
  /// ε at which it equals n is found by bisection on log ε (+∞ when no ε
  /// reaches n, e.g. a group never sampled).
  ///
  /// - Precondition: n ≥ 1.
  /// - Complexity: O(K log K + 200 · (1 + the two-stage search)).
  public static func detectableEpsilon(_ problem: PlanningProblem, samples n: Int) -> DetectableEpsilon {
    precondition(n >= 1, "at least one row")
    let w = problem.weights, p = problem.shares, alpha = problem.alpha
    let target = Double(n)
    let minShare = p.min()!
    let stratified = SampleAllocation.stratified(w)
    func factors(_ pi: [Double]) -> (Double, Double) {
      let v = SampleAllocation.varianceFactor(weights: w, allocation: pi)
      return (v, v.isFinite ? CVaR.value(of: w.indices.map { pi[$0] > 0 ? w[$0] / pi[$0] : 0 }, weights: w, alpha: alpha) : .infinity)
    }
    let (vIID, rhoIID) = factors(p), (vStrat, rhoStrat) = factors(stratified)
    return DetectableEpsilon(
      samples: n,
      maxGap: solve(target) { minShare > 0 ? maxGapRowsPerGroup(problem, epsilon: $0) / minShare : .infinity },
      cvarIID: solve(target) { l2Rows(problem, designFactor: vIID, tailFactor: rhoIID, epsilon: $0) },
      cvarStratified: solve(target) { l2Rows(problem, designFactor: vStrat, tailFactor: rhoStrat, epsilon: $0) },
      twoStage: solve(target) { twoStageShape(problem, epsilon: $0).rows })
  }

  /// The ε with rows(ε) = n for a decreasing rows(·): a bracket by doubling
  /// or halving from ε = 1, then 100 bisections of log ε.
  static func solve(_ n: Double, _ rows: (Double) -> Double) -> Double {
    var lo = 1.0, hi = 1.0
    var steps = 0
    if rows(1) <= n {
      while rows(lo) <= n {
        steps += 1
        guard steps < 1100 else { return lo }
        lo /= 2
      }
    } else {
      while rows(hi) > n {
        steps += 1
        guard steps < 1100 else { return .infinity }
        hi *= 2
      }
    }
    for _ in 0..<100 {
      let mid = (lo * hi).squareRoot()
      if rows(mid) <= n { hi = mid } else { lo = mid }
    }
    return hi
  }

  /// x as an `Int` when it is a finite number in [0, 2⁶³); nil otherwise.
  public static func wholeRows(_ x: Double) -> Int? {
    guard x.isFinite && x >= 0 && x < 9_223_372_036_854_775_808.0 else { return nil }
    return Int(x)
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
