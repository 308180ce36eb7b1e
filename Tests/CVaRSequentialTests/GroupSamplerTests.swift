import CVaRAudit
import Testing
@testable import CVaRSequential

@Suite struct GroupSamplerTests {
  private func tester(_ k: Int) -> SequentialTester {
    SequentialTester(configuration: SequentialConfiguration(
      groupKeys: (0..<k).map { ["\($0)"] }, weights: [Double](repeating: 1, count: k), alpha: 0.2, tolerance: 0.05, delta: 0.05))
  }

  @Test(arguments: SamplerKind.allCases)
  func sameSeedSameChoices(kind: SamplerKind) {
    let t = tester(8)
    let p = SequentialScenario.shares(groups: 8, unbalanced: true)
    var a = GroupSampler(kind: kind, populationShares: p, weights: t.configuration.weights, seed: 42, rowsPerGroup: 4)
    var b = a
    var c = GroupSampler(kind: kind, populationShares: p, weights: t.configuration.weights, seed: 43, rowsPerGroup: 4)
    let x = (0..<200).map { _ in a.next(tester: t)! }
    #expect(x == (0..<200).map { _ in b.next(tester: t)! })
    #expect(x != (0..<200).map { _ in c.next(tester: t)! })
  }

  /// iid follows p; stratified follows π ∝ w^{2/3}.
  @Test func frequencies() {
    let t = tester(4)
    let p = [0.7, 0.2, 0.07, 0.03]
    let w = [0.4, 0.3, 0.2, 0.1]
    let n = 200_000
    for (kind, target) in [(SamplerKind.iid, p), (.stratified, SampleAllocation.stratified(w))] {
      var s = GroupSampler(kind: kind, populationShares: p, weights: w, seed: 1)
      var counts = [0, 0, 0, 0]
      for _ in 0..<n { counts[s.next(tester: t)!] += 1 }
      for g in 0..<4 {
        let sd = (target[g] * (1 - target[g]) / Double(n)).squareRoot()
        #expect(abs(Double(counts[g]) / Double(n) - target[g]) < 5 * sd, "\(kind) group \(g)")
      }
    }
  }

  /// two-stage: runs of exactly m rows from one group.
  @Test func twoStageBlocks() {
    let t = tester(50)
    var s = GroupSampler(kind: .twoStage, populationShares: [Double](repeating: 1, count: 50),
                         weights: t.configuration.weights, seed: 3, rowsPerGroup: 7)
    let draws = (0..<700).map { _ in s.next(tester: t)! }
    for block in 0..<100 { #expect(Set(draws[(7 * block)..<(7 * block + 7)]).count == 1) }
  }

  /// Exhausted groups never come back; nil when all are exhausted.
  @Test(arguments: SamplerKind.allCases)
  func exhaust(kind: SamplerKind) {
    let t = tester(3)
    var s = GroupSampler(kind: kind, populationShares: [1, 1, 1], weights: [1, 1, 1], seed: 5, rowsPerGroup: 2)
    s.exhaust(1)
    for _ in 0..<300 { #expect(s.next(tester: t) != 1) }
    s.exhaust(0)
    s.exhaust(2)
    #expect(s.next(tester: t) == nil)
  }
}
