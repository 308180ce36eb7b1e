import Testing
import CVaRPlanning

/// The example of the CVaRPlanning documentation catalog, run as written (the sizes of
/// `cvar-audit plan --num-groups 40`).
@Suite struct DocumentationExampleTests {
  @Test func catalogExampleRuns() {
    let k = 40
    let problem = PlanningProblem(shares: Array(repeating: 1.0 / Double(k), count: k),
                                  weights: Array(repeating: 1, count: k),
                                  alpha: 0.1, epsilon: 0.1, delta: 0.05, power: 0.9)
    let plan = SamplePlanner.plan(problem)
    #expect(plan.maxGap.samples == 18533 && plan.cvarIID.samples == 8363 && plan.twoStage.samples == 13303)
  }
}
