import Testing
import FixtureSupport
@testable import CVaRAudit

@Suite struct CVaRBasicTests {
  @Test func uniformWeightsTwoGroups() {
    let t = CVaR.tail(of: [0.3, 0.1], weights: [0.5, 0.5], alpha: 0.5)
    #expect(t.cvar == 0.3)
    #expect(t.tailWeights == [1, 0])
  }
}
