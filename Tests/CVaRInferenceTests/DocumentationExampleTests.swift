import Testing
import CVaRAudit
import CVaRInference

/// The example of the CVaRInference documentation catalog, run as written (the numbers of
/// `cvar-audit test --metric fnr`).
@Suite struct DocumentationExampleTests {
  @Test func catalogExampleRuns() throws {
    let table = try GroupAggregator.aggregate(try CSVReader(path: EmbeddedData.compasPath()),
                                              columns: EmbeddedData.compasColumns)
    let configuration = DisparityTestConfiguration(
      audit: AuditConfiguration(metric: .falseNegativeRate), statistic: .l2, calibration: .permutation,
      permutations: 9_999, seed: 0, delta: 0.05)
    let result = try DisparityTest.run(table, configuration: configuration)
    #expect(abs(result.value - 0.0606171) < 1e-7)
    #expect(result.pValue == 4.0 / 10_000)
    #expect(result.decision == .violation)
  }
}
