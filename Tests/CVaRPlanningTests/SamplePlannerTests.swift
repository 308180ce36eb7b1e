import Testing
import Foundation
import FixtureSupport
import CVaRAudit
import Distributions
@testable import CVaRPlanning

@Suite struct SamplePlannerTests {
  static func problem(_ c: [String: Any]) -> PlanningProblem {
    PlanningProblem(shares: (c["shares"] as! [Any]).map { number($0)! }, weights: (c["weights"] as! [Any]).map { number($0)! },
                    alpha: number(c["alpha"])!, epsilon: number(c["epsilon"])!, delta: number(c["delta"])!,
                    power: number(c["power"])!, baseRate: number(c["baseRate"])!,
                    bound: PlannerBound(rawValue: c["bound"] as! String)!)
  }

  /// Every number against Tests/Fixtures/planning.json
  /// (Tests/Oracles/make_planning_fixtures.py: scipy solves each size's
  /// defining condition, not the closed forms, so the fixture checks the
  /// algebra too). Whole-row counts must match exactly; the rest to the
  /// tolerance of the oracle's root finders.
  @Test func matchesIndependentOracle() throws {
    let cases = try Fixtures.json("planning.json")["cases"] as! [[String: Any]]
    #expect(cases.count == 9)
    for c in cases {
      let name = c["name"] as! String
      let problem = Self.problem(c)
      let plan = SamplePlanner.plan(problem)
      #expect(isClose(plan.renyi23, number(c["renyi23"])!, relative: 1e-12), "\(name)")
      #expect(isClose(plan.norm23, number(c["norm23"])!, relative: 1e-12), "\(name)")
      #expect(isClose(plan.effectiveGroups, number(c["effectiveGroups"])!, relative: 1e-12), "\(name)")
      #expect(isClose(problem.nullVariance, number(c["nullVariance"])!, relative: 1e-15), "\(name)")
      #expect(isClose(problem.alternativeVariance, number(c["alternativeVariance"])!, relative: 1e-12), "\(name)")
      #expect(isClose(problem.bound.nullMultiplier(delta: problem.delta), number(c["nullMultiplier"])!, relative: 1e-13), "\(name)")
      #expect(isClose(problem.bound.powerMultiplier(power: problem.power), number(c["powerMultiplier"])!, relative: 1e-13, absolute: 1e-15), "\(name)")
      #expect(isClose(plan.cvarIID.designFactor, number(c["iidFactor"])!, relative: 1e-12), "\(name)")
      #expect(isClose(plan.cvarStratified.designFactor, number(c["stratifiedFactor"])!, relative: 1e-12), "\(name)")
      #expect(isClose(plan.cvarIID.tailFactor, number(c["iidTail"])!, relative: 1e-9), "\(name)")
      #expect(isClose(plan.cvarStratified.tailFactor, number(c["stratifiedTail"])!, relative: 1e-9), "\(name)")
      #expect(isClose(plan.maxGap.exactRows, number(c["maxGapExact"])!, relative: 1e-12), "\(name)")
      #expect(isClose(plan.cvarIID.exactRows, number(c["cvarIIDExact"])!, relative: 1e-10), "\(name)")
      #expect(isClose(plan.cvarStratified.exactRows, number(c["cvarStratifiedExact"])!, relative: 1e-10), "\(name)")
      #expect(plan.maxGap.samples == c["maxGap"] as? Int, "\(name)")
      #expect(plan.cvarIID.samples == c["cvarIID"] as? Int, "\(name)")
      #expect(plan.cvarStratified.samples == c["cvarStratified"] as? Int, "\(name)")
      // The split sits on a flat minimum (or on the J = 2 floor), so the two
      // optimisers agree on c loosely and on the cost tightly.
      #expect(isClose(plan.twoStageDesign.splitConstant, number(c["twoStageSplit"])!, relative: 1e-3), "\(name)")
      #expect(isClose(plan.twoStage.exactRows, number(c["twoStageExact"])!, relative: 1e-6), "\(name)")
      #expect(plan.twoStageDesign.groups == number(c["twoStageGroups"])!, "\(name)")
      #expect(plan.twoStageDesign.rowsPerGroup == number(c["twoStageRows"])!, "\(name)")
      #expect(plan.twoStage.samples == c["twoStage"] as? Int, "\(name)")
      let allocation = (c["stratifiedAllocation"] as! [Any]).map { number($0)! }
      for g in allocation.indices { #expect(isClose(plan.cvarStratified.allocation[g], allocation[g], relative: 1e-12)) }
      #expect(plan.stratifiedRows == (c["stratifiedRows"] as! [Any]).map { number($0)! }, "\(name)")
      let inverse = SamplePlanner.detectableEpsilon(problem, samples: c["inverseSamples"] as! Int)
      #expect(isClose(inverse.maxGap, number(c["inverseMaxGap"])!, relative: 1e-10), "\(name)")
      #expect(isClose(inverse.cvarIID, number(c["inverseIID"])!, relative: 1e-10), "\(name)")
      #expect(isClose(inverse.cvarStratified, number(c["inverseStratified"])!, relative: 1e-10), "\(name)")
      #expect(isClose(inverse.twoStage, number(c["inverseTwoStage"])!, relative: 1e-7), "\(name)")
    }
  }

  /// By hand, uniform K = 10, α = ε = 0.1, δ = 0.05, power 0.9, b = 1/2
  /// (σ² = σ_A² = 1/4), normal: k_δ = 1.644854, k_β = 1.281552, V = √10,
  /// ρ = 1, a₀ = a₁ = √2 · 0.25 · √10 = 1.118034;
  /// α ε² n = 1.644854·1.118034 + 2·1.281552²·0.25
  ///        + 1.281552·√(1.25 + 4·1.644854·1.118034·0.25 + 4·1.281552²·0.0625)
  ///        = 1.839001 + 0.821188 + 2.397425 = 5.057614 → n = 5057.6 → 5058.
  /// Max gap: (z_{0.995}·0.5 + 1.281552·0.5)²/(0.01·0.1) = (1.287915 + 0.640776)²·1000
  /// = 3719.85 → 3720. Cantelli (k_δ = √19, k_β = 3): 18054.4 → 18055; with
  /// ρ = 0 it would be the local-alternative (√19 + 3)/(2√2)·√10/0.001 = 8227.5.
  @Test func handComputedScalingPreset() {
    let p = PlanningProblem(shares: .init(repeating: 1, count: 10), weights: .init(repeating: 1, count: 10),
                            alpha: 0.1, epsilon: 0.1, delta: 0.05, power: 0.9)
    #expect(p.baseRate == 0.5 && p.bound == .normal)
    let plan = SamplePlanner.plan(p)
    #expect(isClose(plan.cvarIID.exactRows, 5057.614486, relative: 1e-9))
    #expect(plan.cvarIID.samples == 5058)
    #expect(plan.cvarStratified.samples == 5058)
    #expect(isClose(plan.cvarIID.tailFactor, 1, relative: 1e-12))
    #expect(plan.maxGap.samples == 3720)
    #expect(isClose(plan.norm23, 10.0.squareRoot(), relative: 1e-12))
    #expect(isClose(plan.effectiveGroups, 10, relative: 1e-12))
    #expect(plan.stratifiedRows == .init(repeating: 506, count: 10))
    #expect(plan.cvarIID.formula.contains("normal quantiles"))
    var cantelli = p
    cantelli.bound = .cantelli
    let c = SamplePlanner.plan(cantelli)
    #expect(isClose(c.cvarIID.exactRows, 18054.44403, relative: 1e-9))
    #expect(c.maxGap.samples == 11983)
    #expect(c.cvarIID.formula.contains("Cantelli"))
    #expect(isClose(SamplePlanner.l2Rows(cantelli, designFactor: 10.0.squareRoot(), tailFactor: 0, epsilon: 0.1), 8227.499139, relative: 1e-9))
  }

  /// Issue 15: at K = 2,560 Zipf(1.1) shares (w = p, b = 0.3) simulation
  /// gives n* ≈ 63,000 (i.i.d.) > 22,600 (stratified) > 10,800 (two-stage);
  /// the old planner (σ² = 1/4, Cantelli, no alternative spread) gave
  /// stratified 61,322 < two-stage 82,550. Both calibrations must now rank
  /// the designs as simulation does.
  @Test func ranksDesignsAsSimulationAtZipf2560() {
    let shares = GroupProfile.zipf(1.1).shares(groupCount: 2560)
    for bound in PlannerBound.allCases {
      let plan = SamplePlanner.plan(PlanningProblem(shares: shares, weights: shares, alpha: 0.1, epsilon: 0.1, delta: 0.05,
                                                    power: 0.9, baseRate: 0.3, bound: bound))
      #expect(plan.cvarIID.rows > plan.cvarStratified.rows, "\(bound)")
      #expect(plan.cvarStratified.rows > (bound == .normal ? 2 : 1) * plan.twoStage.rows, "\(bound)")
    }
  }

  /// Sizes beyond Int never trap: an ε of 10⁻¹⁰⁰ plans +∞ rows (α ε² underflows) and
  /// `samples` is nil; 10⁻¹⁰ plans ~10²⁰ rows or more, finite but not an Int.
  @Test func hugeSizesAreNotReachableInsteadOfTrapping() {
    for eps in [1e-100, 1e-10] {
      let plan = SamplePlanner.plan(PlanningProblem(shares: [1, 1, 1], weights: [1, 1, 1], alpha: 0.1, epsilon: eps,
                                                    delta: 0.05, power: 0.9))
      for bound in [plan.maxGap, plan.cvarIID, plan.cvarStratified, plan.twoStage] {
        #expect(bound.samples == nil && !(bound.rows < 1e19), "\(eps): \(bound.rows)")
      }
      #expect(plan.stratifiedRows.allSatisfy { SamplePlanner.wholeRows($0) == nil })
    }
    // A group never sampled (share 0, weight > 0): i.i.d. sizes are +∞.
    let plan = SamplePlanner.plan(PlanningProblem(shares: [1, 1, 0], weights: [1, 1, 1], alpha: 0.1, epsilon: 0.1,
                                                  delta: 0.05, power: 0.9))
    #expect(plan.cvarIID.rows == .infinity && plan.maxGap.rows == .infinity && plan.cvarIID.samples == nil)
    #expect(plan.cvarStratified.samples != nil)
    #expect(SamplePlanner.detectableEpsilon(plan.problem, samples: 1000).cvarIID == .infinity)
    #expect(SamplePlanner.wholeRows(9.2e18) == 9_200_000_000_000_000_000)
    #expect(SamplePlanner.wholeRows(9_223_372_036_854_775_808.0) == nil)
    #expect(SamplePlanner.wholeRows(.nan) == nil)
  }

  /// Theory: every bound falls as ε, α or δ grows (α does not enter max gap);
  /// two-stage does not depend on K; i.i.d. grows as √K, max gap faster than K.
  @Test func monotoneInEpsilonAlphaDeltaAndK() {
    var rng = Xoshiro256StarStar(seed: 11)
    for _ in 0..<100 {
      let k = 2 + Int(rng.next() % 60)
      let shares = (0..<k).map { _ in 0.05 + rng.nextUnitDouble() }
      let weights = (0..<k).map { _ in 0.05 + rng.nextUnitDouble() }
      let alpha = 0.05 + 0.9 * rng.nextUnitDouble(), eps = 0.02 + 0.3 * rng.nextUnitDouble()
      let delta = 0.01 + 0.2 * rng.nextUnitDouble(), power = 0.5 + 0.45 * rng.nextUnitDouble()
      let rate = 0.95 * rng.nextUnitDouble()
      let method = PlannerBound.allCases[Int(rng.next() % 2)]
      func problem(alpha: Double = alpha, eps: Double = eps, delta: Double = delta, power: Double = power) -> PlanningProblem {
        PlanningProblem(shares: shares, weights: weights, alpha: alpha, epsilon: eps, delta: delta, power: power,
                        baseRate: rate, bound: method)
      }
      let base = SamplePlanner.plan(problem())
      let e = SamplePlanner.plan(problem(eps: eps * 1.1))
      let a = SamplePlanner.plan(problem(alpha: min(1, alpha * 1.1)))
      let d = SamplePlanner.plan(problem(delta: delta * 1.1))
      let pw = SamplePlanner.plan(problem(power: min(0.99, power + 0.02)))
      for (x, y) in [(e.maxGap, base.maxGap), (e.cvarIID, base.cvarIID), (e.cvarStratified, base.cvarStratified), (e.twoStage, base.twoStage),
                     (a.cvarIID, base.cvarIID), (a.cvarStratified, base.cvarStratified),
                     (d.maxGap, base.maxGap), (d.cvarIID, base.cvarIID), (d.cvarStratified, base.cvarStratified)] {
        #expect(x.rows <= y.rows)
      }
      #expect(a.maxGap.samples == base.maxGap.samples)
      for (x, y) in [(pw.cvarIID, base.cvarIID), (pw.maxGap, base.maxGap)] { #expect(x.rows >= y.rows) }
      // Two-stage: J and m are rounded up separately, so J·m can move a few
      // per cent against the trend; the continuous bound (its inverse at a
      // fixed n) is monotone.
      let at = 10_000
      func two(_ plan: SamplePlan) -> Double { SamplePlanner.detectableEpsilon(plan.problem, samples: at).twoStage }
      #expect(two(a) <= two(base) * (1 + 1e-9))
      #expect(two(d) <= two(base) * (1 + 1e-9))
      #expect(two(pw) >= two(base) * (1 - 1e-9))
      for (x, y) in [(a.twoStage, base.twoStage), (d.twoStage, base.twoStage)] { #expect(x.rows <= y.rows * 1.1) }
      // The stratified allocation minimises the null spread V (not always
      // the total: its tail factor ρ can exceed the i.i.d. one).
      #expect(base.cvarStratified.designFactor <= base.cvarIID.designFactor * (1 + 1e-12))
      // The sizes lie between the local-alternative size (ρ = 0) and that
      // size plus the alternative's spread at its largest.
      let problem0 = base.problem
      let local = SamplePlanner.l2Rows(problem0, designFactor: base.cvarIID.designFactor, tailFactor: 0, epsilon: eps)
      #expect(base.cvarIID.exactRows >= local * (1 - 1e-12))
      // Rényi relations: ‖w‖_{2/3} = exp(H/2), effective groups = exp(H) ≤ K.
      #expect(isClose(base.norm23, Foundation.exp(base.renyi23 / 2), relative: 1e-12))
      #expect(isClose(base.effectiveGroups, base.norm23 * base.norm23, relative: 1e-12))
      #expect(base.effectiveGroups <= Double(k) * (1 + 1e-12) && base.effectiveGroups >= 1)
      // Inverse: at the plan's own n, the detectable ε is at most the ε asked for.
      let inverse = SamplePlanner.detectableEpsilon(base.problem, samples: base.cvarIID.samples!)
      #expect(inverse.cvarIID <= eps * (1 + 1e-12))
      #expect(SamplePlanner.detectableEpsilon(base.problem, samples: base.maxGap.samples!).maxGap <= eps * (1 + 1e-12))
      #expect(SamplePlanner.detectableEpsilon(base.problem, samples: base.cvarStratified.samples!).cvarStratified <= eps * (1 + 1e-12))
      #expect(SamplePlanner.detectableEpsilon(base.problem, samples: base.twoStage.samples!).twoStage <= eps * (1 + 1e-12))
      // And 1 % below the plan's size, the detectable ε is larger than ε
      // (the inverse is the size's inverse, not a loose bound).
      let below = SamplePlanner.detectableEpsilon(base.problem, samples: Int(base.cvarIID.exactRows * 0.99))
      #expect(below.cvarIID > eps)
    }
    // K: uniform groups.
    func uniform(_ k: Int) -> SamplePlan {
      SamplePlanner.plan(PlanningProblem(shares: .init(repeating: 1, count: k), weights: .init(repeating: 1, count: k),
                                         alpha: 0.1, epsilon: 0.1, delta: 0.05, power: 0.9))
    }
    let small = uniform(10), large = uniform(1000)
    #expect(small.twoStage == large.twoStage)
    // V grows as √K (×10 from K = 10 to 1000); the alternative's spread
    // term does not grow with K, so the size grows a little less.
    #expect(isClose(large.cvarIID.designFactor / small.cvarIID.designFactor, 10, relative: 1e-12))
    let ratio = large.cvarIID.rows / small.cvarIID.rows
    #expect(ratio > 6 && ratio < 10, "\(ratio)")
    #expect(large.maxGap.rows / small.maxGap.rows > 100)
  }

  /// A concentrated w: the stratified design needs ‖w‖_{2/3} ≪ √K.
  @Test func concentratedWeightsNeedFewerStratifiedRows() {
    var w = [Double](repeating: 0.001 / 99, count: 100)
    w[0] = 0.999
    let plan = SamplePlanner.plan(PlanningProblem(shares: .init(repeating: 1, count: 100), weights: w,
                                                  alpha: 0.1, epsilon: 0.1, delta: 0.05, power: 0.9))
    #expect(plan.norm23 < 1.5)
    #expect(plan.cvarStratified.rows * 6 < plan.cvarIID.rows)
  }
}
