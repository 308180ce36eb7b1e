import Foundation
import Testing
import FixtureSupport
@testable import CVaRAudit

/// Row-weighted (survey-weight) estimates against fairlearn's MetricFrame
/// with `sample_weight` (Tests/Fixtures/metric_rates.json).
@Suite struct SampleWeightTests {
  static func table(weights: Bool = true) throws -> GroupTable {
    let reader = try CSVReader(path: Fixtures.url("metric_rows.csv").path)
    var columns = ColumnSelection(groupBy: ["a", "b", "c"], label: "y", prediction: .column("yhat"))
    if weights { columns.weightColumn = "w" }
    return try GroupAggregator.aggregate(reader, columns: columns)
  }

  @Test func weightedRatesMatchFairlearn() throws {
    let table = try Self.table()
    let fixture = try Fixtures.json("metric_rates.json")
    let pooledOracle = fixture["pooledWeightedRates"] as! [String: Any]
    for metric in Metric.binaryMetrics {
      let weighted = table.weightedStatistics(for: metric)
      let result = try DisparityAudit.run(table, configuration: AuditConfiguration(metric: metric, weighting: .population))
      #expect(isClose(result.summary.overallRate, number(pooledOracle[metric.description])!, relative: 1e-12), "\(metric)")
      #expect(isClose(result.summary.eligibleWeight, result.groups.compactMap(\.weighted?.weight).reduce(0, +)))
      for c in fixture["cases"] as! [[String: Any]] {
        let key = c["key"] as! [String: String]
        let g = try #require(table.existingGroup(for: [key["a"]!, key["b"]!, key["c"]!]))
        let oracle = (c["weightedRates"] as! [String: Any])[metric.description]
        if let expected = number(oracle) {
          #expect(isClose(weighted[g].mean, expected, relative: 1e-12, absolute: 1e-15), "\(key) \(metric)")
          let row = try #require(result.groups.first { $0.key == table.keys[g] })
          #expect(row.rate == weighted[g].mean)
          #expect(isClose(row.weight, weighted[g].weight / result.summary.eligibleWeight, relative: 1e-12))
        } else {
          #expect(weighted[g].weight == 0)
          #expect(result.groupsWithoutRate.contains(table.keys[g]))
        }
        if metric == .errorRate { #expect(isClose(weighted[g].weight, number(c["weight"])!, relative: 1e-12)) }
      }
    }
  }

  /// Equal weights change nothing: rates, shares, intervals (n_eff = n) and the CVaR.
  @Test func unitWeightsGiveTheUnweightedAudit() throws {
    let text = try String(contentsOf: Fixtures.url("metric_rows.csv"), encoding: .utf8)
    var lines = text.split(separator: "\n").map(String.init)
    for i in 1..<lines.count { lines[i] = lines[i].split(separator: ",").dropLast().joined(separator: ",") + ",2.5" }
    let path = try temporaryFile(lines.joined(separator: "\n") + "\n")
    var columns = ColumnSelection(groupBy: ["a", "b", "c"], label: "y", prediction: .column("yhat"))
    let plain = try GroupAggregator.aggregate(try CSVReader(path: path), columns: columns)
    columns.weightColumn = "w"
    let weighted = try GroupAggregator.aggregate(try CSVReader(path: path), columns: columns)
    for metric in [Metric.falseNegativeRate, .positivePredictiveValue, .selectionRate] {
      for interval in [IntervalMethod.wilson, .clopperPearson] {
        let configuration = AuditConfiguration(metric: metric, alpha: 0.2, weighting: .population, interval: interval)
        let a = try DisparityAudit.run(plain, configuration: configuration)
        let b = try DisparityAudit.run(weighted, configuration: configuration)
        #expect(a.groups.map(\.key) == b.groups.map(\.key))
        for (x, y) in zip(a.groups, b.groups) {
          #expect(isClose(x.rate, y.rate, relative: 1e-12, absolute: 1e-15))
          #expect(isClose(x.weight, y.weight, relative: 1e-12))
          #expect(isClose(x.confidenceInterval.lower, y.confidenceInterval.lower, relative: 1e-9, absolute: 1e-12))
          #expect(isClose(x.confidenceInterval.upper, y.confidenceInterval.upper, relative: 1e-9, absolute: 1e-12))
          #expect(isClose(y.weighted!.effectiveCount, Double(x.statistics.count), relative: 1e-12))
        }
        #expect(isClose(a.summary.cvar, b.summary.cvar, relative: 1e-12, absolute: 1e-15))
        #expect(isClose(a.summary.cvarInterval.upper, b.summary.cvarInterval.upper, relative: 1e-9, absolute: 1e-12))
      }
    }
  }

  /// Tables of shards with weights add (the split reader merges two halves).
  @Test func weightedTablesMerge() throws {
    let whole = try Self.table()
    let text = try String(contentsOf: Fixtures.url("metric_rows.csv"), encoding: .utf8)
    let lines = text.split(separator: "\n").map(String.init)
    let half = lines.count / 2
    var columns = ColumnSelection(groupBy: ["a", "b", "c"], label: "y", prediction: .column("yhat"))
    columns.weightColumn = "w"
    var first = try GroupAggregator.aggregate(
      try CSVReader(path: try temporaryFile(lines[..<half].joined(separator: "\n") + "\n", name: "first.csv")), columns: columns)
    let second = try GroupAggregator.aggregate(
      try CSVReader(path: try temporaryFile(([lines[0]] + lines[half...]).joined(separator: "\n") + "\n", name: "second.csv")),
      columns: columns)
    first.merge(second)
    for g in 0..<whole.groupCount {
      let h = try #require(first.existingGroup(for: whole.keys[g]))
      let a = whole.weightedStatistics(for: .errorRate)[g], b = first.weightedStatistics(for: .errorRate)[h]
      #expect(a.count == b.count)
      #expect(isClose(a.weight, b.weight, relative: 1e-12) && isClose(a.weightedSum, b.weightedSum, relative: 1e-12, absolute: 1e-12))
      #expect(isClose(a.sumOfSquaredWeights, b.sumOfSquaredWeights, relative: 1e-12))
    }
  }

  @Test func badWeightsAreRefusedWithTheirPlace() throws {
    for (value, message) in [("-1", "≥ 0"), ("nan", "finite"), ("x", "row weight"), ("", "row weight"), ("inf", "finite")] {
      let path = try temporaryFile("g,y,p,w\na,1,1,1\nb,0,1,\(value)\n")
      var columns = ColumnSelection(groupBy: ["g"], label: "y", prediction: .column("p"))
      columns.weightColumn = "w"
      #expect {
        _ = try GroupAggregator.aggregate(try CSVReader(path: path), columns: columns)
      } throws: { error in
        let text = "\(error)"
        return text.contains(":3:4") && text.contains(message)
      }
    }
  }
}
