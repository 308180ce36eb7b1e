import Testing
import CVaRAudit
import Distributions
@testable import CVaRInference

@Suite struct RejectionStudyTests {
  /// Each replicate's decisions are those of `DisparityTest.run` on the same
  /// table with the same permutation seed (the shared permutations and the
  /// direct tolerance decision change nothing).
  @Test func decisionsMatchDisparityTest() throws {
    let sizes = zipfSizes(groups: 12, scale: 40)
    let rates = sizes.indices.map { $0 % 3 == 0 ? 0.5 : 0.3 }
    let study = RejectionStudy(sizes: sizes, rates: rates, alpha: 0.2, permutations: 49, tolerance: 0.05)
    let keys = sizes.indices.map { ["\($0)"] }
    var agreeing = 0
    for r in 0..<30 {
      let decisions = study.decisions(replicate: r, seed: 9, keys: keys)
      let (errors, permutationSeed) = study.data(replicate: r, seed: 9)
      let table = errorTable(sizes: sizes, errors: errors)
      for (i, design) in study.designs.enumerated() {
        let result = try DisparityTest.run(table, configuration: study.configuration(design, permutationSeed: permutationSeed))
        // The tolerance p-value is a bisection: allow disagreement only within its 1e-8 relative precision.
        if design.calibration == .tolerance && abs(result.pValue - study.delta) < 1e-6 { continue }
        #expect((result.decision == .violation) == decisions[i], "replicate \(r), \(design)")
        agreeing += 1
      }
    }
    #expect(agreeing >= 140)
  }

  /// Same seed, same counts, whether replicates run on one thread or many.
  @Test func resultsDoNotDependOnThreads() {
    let sizes = [Int](repeating: 8, count: 20)
    let study = RejectionStudy(sizes: sizes, rates: sizes.indices.map { 0.2 + 0.02 * Double($0) }, permutations: 19)
    let serial = study.run(replicates: 64, seed: 3, parallel: false)
    let parallel = study.run(replicates: 64, seed: 3, parallel: true)
    #expect(serial == parallel)
    #expect(serial.rejections.count == RejectionStudy.allDesigns.count)
    #expect(serial.rejections[0] > 0)  // a real disparity: l2/permutation rejects sometimes
  }
}
