import Testing
import FixtureSupport
import CVaRAudit

/// The example of the CVaRAudit documentation catalog (Sources/CVaRAudit/CVaRAudit.docc), run as
/// written: the numbers it quotes are those of `cvar-audit audit --metric fpr --alpha 0.2`.
@Suite struct DocumentationExampleTests {
  @Test func catalogExampleRuns() throws {
    let reader = try CSVReader(path: EmbeddedData.compasPath())
    let table = try GroupAggregator.aggregate(reader, columns: EmbeddedData.compasColumns)
    let result = try DisparityAudit.run(
      table, configuration: AuditConfiguration(metric: .falsePositiveRate, alpha: 0.2))
    #expect(abs(result.summary.cvar - 0.2398) < 5e-5)
    #expect(abs(result.summary.cvarInterval.lower - 0.0579) < 5e-5 && abs(result.summary.cvarInterval.upper - 0.6108) < 5e-5)
    let worst = result.groups.max { $0.disparity < $1.disparity }!
    #expect(worst.key == ["Caucasian", "Female", "Less than 25"])
    #expect(abs(worst.rate - 0.7) < 1e-12)
  }
}
