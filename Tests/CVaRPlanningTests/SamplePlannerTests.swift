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
                    power: number(c["power"])!)
  }

  /// Every number against Tests/Fixtures/planning.json (Tests/Oracles/make_planning_fixtures.py).
  @Test func matchesIndependentOracle() throws {
    let cases = try Fixtures.json("planning.json")["cases"] as! [[String: Any]]
    #expect(cases.count == 6)
    for c in cases {
      let name = c["name"] as! String
      let problem = Self.problem(c)
      let plan = SamplePlanner.plan(problem)
      #expect(isClose(plan.renyi23, number(c["renyi23"])!, relative: 1e-12), "\(name)")
      #expect(isClose(plan.norm23, number(c["norm23"])!, relative: 1e-12), "\(name)")
      #expect(isClose(plan.effectiveGroups, number(c["effectiveGroups"])!, relative: 1e-12), "\(name)")
      #expect(isClose(SamplePlanner.l2Constant(delta: problem.delta, power: problem.power), number(c["constantC"])!, relative: 1e-14))
      #expect(isClose(plan.cvarIID.designFactor, number(c["iidFactor"])!, relative: 1e-12), "\(name)")
      #expect(isClose(plan.cvarStratified.designFactor, number(c["stratifiedFactor"])!, relative: 1e-12), "\(name)")
      #expect(plan.maxGap.samples == c["maxGap"] as! Int, "\(name)")
      #expect(plan.cvarIID.samples == c["cvarIID"] as! Int, "\(name)")
      #expect(plan.cvarStratified.samples == c["cvarStratified"] as! Int, "\(name)")
      #expect(isClose(plan.twoStageDesign.splitConstant, number(c["twoStageSplit"])!, relative: 1e-5), "\(name)")
      #expect(plan.twoStageDesign.groups == c["twoStageGroups"] as! Int, "\(name)")
      #expect(plan.twoStageDesign.rowsPerGroup == c["twoStageRows"] as! Int, "\(name)")
      #expect(plan.twoStage.samples == c["twoStage"] as! Int, "\(name)")
      let allocation = (c["stratifiedAllocation"] as! [Any]).map { number($0)! }
      for g in allocation.indices { #expect(isClose(plan.cvarStratified.allocation[g], allocation[g], relative: 1e-12)) }
      let inverse = SamplePlanner.detectableEpsilon(problem, samples: c["inverseSamples"] as! Int)
      #expect(isClose(inverse.maxGap, number(c["inverseMaxGap"])!, relative: 1e-12), "\(name)")
      #expect(isClose(inverse.cvarIID, number(c["inverseIID"])!, relative: 1e-12), "\(name)")
      #expect(isClose(inverse.cvarStratified, number(c["inverseStratified"])!, relative: 1e-12), "\(name)")
      #expect(isClose(inverse.twoStage, number(c["inverseTwoStage"])!, relative: 1e-9), "\(name)")
    }
  }

  /// By hand, uniform K = 10, α = ε = 0.1, δ = 0.05, power 0.9:
  /// k_δ = √19 = 4.358899, k_β = √9 = 3, C = 7.358899/2.828427 = 2.601764;
  /// L2: n = 2.601764 · 3.162278 / 0.001 = 8227.5 → 8228;
  /// max gap: 2 log(400)/(0.01 · 0.1) = 2 · 5.991465 · 1000 = 11982.9 → 11983.
  @Test func handComputedScalingPreset() {
    let p = PlanningProblem(shares: .init(repeating: 1, count: 10), weights: .init(repeating: 1, count: 10),
                            alpha: 0.1, epsilon: 0.1, delta: 0.05, power: 0.9)
    let plan = SamplePlanner.plan(p)
    #expect(isClose(SamplePlanner.l2Constant(delta: 0.05, power: 0.9), 2.601764, relative: 1e-6))
    #expect(plan.cvarIID.samples == 8228)
    #expect(plan.cvarStratified.samples == 8228)
    #expect(plan.maxGap.samples == 11983)
    #expect(isClose(plan.norm23, 10.0.squareRoot(), relative: 1e-12))
    #expect(isClose(plan.effectiveGroups, 10, relative: 1e-12))
    #expect(plan.stratifiedRows == .init(repeating: 823, count: 10))
    #expect(plan.cvarIID.formula.contains("Cantelli"))
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
      let base = SamplePlanner.plan(PlanningProblem(shares: shares, weights: weights, alpha: alpha, epsilon: eps, delta: delta, power: power))
      let e = SamplePlanner.plan(PlanningProblem(shares: shares, weights: weights, alpha: alpha, epsilon: eps * 1.1, delta: delta, power: power))
      let a = SamplePlanner.plan(PlanningProblem(shares: shares, weights: weights, alpha: min(1, alpha * 1.1), epsilon: eps, delta: delta, power: power))
      let d = SamplePlanner.plan(PlanningProblem(shares: shares, weights: weights, alpha: alpha, epsilon: eps, delta: delta * 1.1, power: power))
      let pw = SamplePlanner.plan(PlanningProblem(shares: shares, weights: weights, alpha: alpha, epsilon: eps, delta: delta, power: min(0.99, power + 0.02)))
      for (x, y) in [(e.maxGap, base.maxGap), (e.cvarIID, base.cvarIID), (e.cvarStratified, base.cvarStratified), (e.twoStage, base.twoStage),
                     (a.cvarIID, base.cvarIID), (a.cvarStratified, base.cvarStratified),
                     (d.maxGap, base.maxGap), (d.cvarIID, base.cvarIID), (d.cvarStratified, base.cvarStratified)] {
        #expect(x.samples <= y.samples)
      }
      #expect(a.maxGap.samples == base.maxGap.samples)
      for (x, y) in [(pw.cvarIID, base.cvarIID), (pw.maxGap, base.maxGap)] { #expect(x.samples >= y.samples) }
      // Two-stage: J and m are rounded up separately, so J·m can move a few
      // per cent against the trend; the continuous bound (its inverse at a
      // fixed n) is monotone.
      let at = 10_000
      func two(_ plan: SamplePlan) -> Double { SamplePlanner.detectableEpsilon(plan.problem, samples: at).twoStage }
      #expect(two(a) <= two(base) * (1 + 1e-9))
      #expect(two(d) <= two(base) * (1 + 1e-9))
      #expect(two(pw) >= two(base) * (1 - 1e-9))
      for (x, y) in [(a.twoStage, base.twoStage), (d.twoStage, base.twoStage)] { #expect(Double(x.samples) <= Double(y.samples) * 1.1) }
      // The stratified allocation is the minimiser: never worse than i.i.d.
      #expect(base.cvarStratified.samples <= base.cvarIID.samples)
      // Rényi relations: ‖w‖_{2/3} = exp(H/2), effective groups = exp(H) ≤ K.
      #expect(isClose(base.norm23, Foundation.exp(base.renyi23 / 2), relative: 1e-12))
      #expect(isClose(base.effectiveGroups, base.norm23 * base.norm23, relative: 1e-12))
      #expect(base.effectiveGroups <= Double(k) * (1 + 1e-12) && base.effectiveGroups >= 1)
      // Inverse: at the plan's own n, the detectable ε is at most the ε asked for.
      let inverse = SamplePlanner.detectableEpsilon(base.problem, samples: base.cvarIID.samples)
      #expect(inverse.cvarIID <= eps * (1 + 1e-12))
      #expect(SamplePlanner.detectableEpsilon(base.problem, samples: base.maxGap.samples).maxGap <= eps * (1 + 1e-12))
      #expect(SamplePlanner.detectableEpsilon(base.problem, samples: base.cvarStratified.samples).cvarStratified <= eps * (1 + 1e-12))
    }
    // K: uniform groups.
    func uniform(_ k: Int) -> SamplePlan {
      SamplePlanner.plan(PlanningProblem(shares: .init(repeating: 1, count: k), weights: .init(repeating: 1, count: k),
                                         alpha: 0.1, epsilon: 0.1, delta: 0.05, power: 0.9))
    }
    let small = uniform(10), large = uniform(1000)
    #expect(small.twoStage == large.twoStage)
    #expect(isClose(Double(large.cvarIID.samples) / Double(small.cvarIID.samples), 10, relative: 1e-3))
    #expect(Double(large.maxGap.samples) / Double(small.maxGap.samples) > 100)
  }

  /// A concentrated w: the stratified design needs ‖w‖_{2/3} ≪ √K.
  @Test func concentratedWeightsNeedFewerStratifiedRows() {
    var w = [Double](repeating: 0.001 / 99, count: 100)
    w[0] = 0.999
    let plan = SamplePlanner.plan(PlanningProblem(shares: .init(repeating: 1, count: 100), weights: w,
                                                  alpha: 0.1, epsilon: 0.1, delta: 0.05, power: 0.9))
    #expect(plan.norm23 < 1.5)
    #expect(plan.cvarStratified.samples * 6 < plan.cvarIID.samples)
  }
}
