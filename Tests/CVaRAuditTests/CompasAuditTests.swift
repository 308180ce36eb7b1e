import Testing
import FixtureSupport
@testable import CVaRAudit

/// The embedded COMPAS data against pandas and fairlearn (Tests/Fixtures/compas_groups.json).
@Suite struct CompasAuditTests {
  static let resource = Fixtures.repositoryRoot.appendingPathComponent("Sources/CVaRAudit/Resources/compas-two-years.csv").path

  static func table() throws -> GroupTable {
    let reader = try CSVReader(path: resource)
    return try GroupAggregator.aggregate(reader, columns: EmbeddedData.compasColumns)
  }

  @Test func countsAndRatesMatchPandas() throws {
    let table = try Self.table()
    let fixture = try Fixtures.json("compas_groups.json")
    let cases = fixture["cases"] as! [[String: Any]]
    #expect(table.rowsRead == 7214)
    #expect(table.groupCount == cases.count)
    #expect(table.groupCount == 34)
    for c in cases {
      let key = c["key"] as! [String: String]
      let g = try #require(table.existingGroup(for: [key["race"]!, key["sex"]!, key["age_cat"]!]))
      let (tn, fp, fn, tp) = table.confusionCounts(group: g)
      #expect(tn + fp + fn + tp == (c["n"] as! Int))
      #expect(fn + tp == (c["positives"] as! Int))
      #expect(fp + fn == (c["errors"] as! Int))
      #expect(fp + tp == (c["selected"] as! Int))
      let metrics: [(Metric, String)] = [(.errorRate, "errorRate"), (.falseNegativeRate, "fnr"),
                                         (.falsePositiveRate, "fpr"), (.selectionRate, "selectionRate")]
      for (metric, name) in metrics {
        let s = table.statistics(for: metric)[g]
        if let expected = number(c[name]) {
          #expect(isClose(s.mean, expected, relative: 1e-15), "\(key) \(name)")
        } else {
          #expect(s.count == 0, "\(key) \(name) has no eligible rows in pandas")
        }
      }
    }
  }

  @Test func auditReportsGroupsWithoutRateInsteadOfZero() throws {
    let table = try Self.table()
    let fixture = try Fixtures.json("compas_groups.json")
    let without = fixture["groupsWithoutRate"] as! [String: [[String: String]]]
    let overall = fixture["overall"] as! [String: Any]
    let between = fixture["differenceBetweenGroupsExcludingEmpty"] as! [String: Any]
    for (metric, name) in [(Metric.falseNegativeRate, "fnr"), (.falsePositiveRate, "fpr"), (.errorRate, "errorRate")] {
      let result = try DisparityAudit.run(table, configuration: AuditConfiguration(metric: metric))
      #expect(result.groupsWithoutRate.count == without[name]!.count)
      #expect(result.summary.groups + result.groupsWithoutRate.count == 34)
      #expect(isClose(result.summary.overallRate, number(overall[name])!, relative: 1e-15))
      #expect(isClose(result.summary.betweenGroupsDifference, number(between[name])!, relative: 1e-15))
      #expect(result.summary.rows == 7214)
    }
  }
}
