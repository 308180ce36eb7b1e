import CVaRAudit
import Distributions
import Foundation
import Testing
@testable import CVaRSequential

/// The betting method's e-processes and their roles without blocks: under a
/// no-disparity null (ε0 = 0, a population reference whose shares are the
/// weights) the violation e-value is (W_cvar + W_L2)/2, the row-wise L2
/// contrast's e-process at δ averaged in; otherwise it is the CVaR
/// contrast's alone.
@Suite struct BettingProcessesTests {
  static func configuration(k: Int = 8, tolerance: Double, l2: Bool, zipfReference: Bool = false,
                            delta: Double = 0.05) -> SequentialConfiguration {
    let p = Array(repeating: 1.0 / Double(k), count: k)
    let reference = zipfReference ? (0..<k).map { 1 / Double($0 + 1) } : p
    return SequentialConfiguration(groupKeys: (0..<k).map { ["g\($0)"] }, weights: p, alpha: 0.25,
                                   tolerance: tolerance, delta: delta, reference: .population(reference),
                                   l2FirstLook: l2 ? 16 : nil, method: .betting)
  }

  @Test func roles() {
    let averaged = SequentialTester(configuration: Self.configuration(tolerance: 0, l2: false))
    #expect(averaged.violationL2Betting?.level == 0.05 && averaged.averagedViolationMaximum == 0)
    #expect(averaged.l2Betting == nil && averaged.blockBetting == nil)
    #expect(averaged.violationLogWealth == 0)
    // With the L2 test: that test at δ/2, and the averaged partner at δ/2 too
    // (the betting level is δ/2 when the L2 test takes the other half).
    let withTest = SequentialTester(configuration: Self.configuration(tolerance: 0, l2: true))
    #expect(withTest.l2Betting?.level == 0.025 && withTest.violationL2Betting?.level == 0.025)
    #expect(withTest.averagedViolationMaximum == 0)
    let positive = SequentialTester(configuration: Self.configuration(tolerance: 0.05, l2: false))
    #expect(positive.violationL2Betting == nil && positive.averagedViolationMaximum == nil)
    let otherReference = SequentialTester(configuration: Self.configuration(tolerance: 0, l2: false, zipfReference: true))
    #expect(otherReference.violationL2Betting == nil && otherReference.averagedViolationMaximum == nil)
    // The confidence-sequence method has no e-processes.
    var sequences = Self.configuration(tolerance: 0, l2: false)
    sequences.method = .confidenceSequence
    #expect(SequentialTester(configuration: sequences).violationL2Betting == nil)
  }

  /// A spread disparity: the averaged violation comes; the e-value is
  /// log((W_cvar + W_L2)/2) at every time, its running maximum at least
  /// every value, and the L2 partner never counts as the L2 test.
  @Test func averagedEValueIsTheMeanOfTheTwo() {
    var tester = SequentialTester(configuration: Self.configuration(tolerance: 0, l2: false))
    var generator = Xoshiro256StarStar(seed: 11, stream: 2)
    let mu = (0..<8).map { 0.2 + 0.05 * Double($0) }
    var largest = 0.0
    var n = 0
    while tester.decision == .continue && n < 200_000 {
      let g = Int(generator.next() % 8)
      tester.observe(group: g, loss: generator.nextUnitDouble() < mu[g] ? 1 : 0)
      let a = tester.cvarBetting!.logWealth, b = tester.violationL2Betting!.logWealth
      let expected = log((exp(a) + exp(b)) / 2)
      #expect(abs(tester.violationLogWealth! - expected) <= 1e-9 * max(1, abs(expected)))
      largest = max(largest, expected)
      #expect(abs(tester.maximumViolationLogWealth! - largest) <= 1e-9 * max(1, largest))
      n += 1
    }
    #expect(tester.decision == .violation && tester.reason == .eProcess)
    #expect(tester.maximumViolationLogWealth! >= -log(0.05))
    #expect(!tester.disparityEverDetected)
  }

  /// A violation is declared at the first time the mean (W_cvar + W_L2)/2
  /// reaches 1/δ, not when one of its parts does: before the decision the
  /// averaged e-value stays below 1/δ at every row.
  @Test func averageRejectsOnlyWhenTheMeanReachesOneOverDelta() {
    var tester = SequentialTester(configuration: Self.configuration(tolerance: 0, l2: false))
    var generator = Xoshiro256StarStar(seed: 5, stream: 9)
    let mu = (0..<8).map { $0 >= 6 ? 0.6 : 0.3 }
    var n = 0
    while tester.decision == .continue && n < 200_000 {
      let g = Int(generator.next() % 8)
      tester.observe(group: g, loss: generator.nextUnitDouble() < mu[g] ? 1 : 0)
      if tester.decision == .violation {
        #expect(tester.violationLogWealth! >= -log(0.05) - 1e-12)
      } else {
        #expect(tester.violationLogWealth! < -log(0.05))
      }
      n += 1
    }
    #expect(tester.decision == .violation)
  }
}
