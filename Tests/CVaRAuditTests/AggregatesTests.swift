import Testing
import Foundation
import FixtureSupport
import Distributions
@testable import CVaRAudit

/// Rows generated from a seed, kept in memory: what both paths read.
private struct GeneratedRows {
  var keys: [[String]] = []
  var labels: [Int] = []
  var predictions: [Int] = []
  var losses: [Double] = []

  init(seed: UInt64, rows: Int) {
    var rng = Xoshiro256StarStar(seed: seed)
    let races = ["A", "B", "C", "D", "E"]
    for _ in 0..<rows {
      // Unequal group sizes: race index skewed towards 0.
      let u = rng.nextUnitDouble()
      keys.append([races[Int(u * u * Double(races.count))], rng.nextUnitDouble() < 0.5 ? "f" : "m"])
      let y = rng.nextUnitDouble() < 0.4 ? 1 : 0
      labels.append(y)
      predictions.append(rng.nextUnitDouble() < (y == 1 ? 0.7 : 0.2) ? 1 : 0)
      losses.append(rng.nextUnitDouble() * rng.nextUnitDouble())
    }
  }

  /// The row-level table (as GroupAggregator builds it from a file).
  func table() -> GroupTable {
    var table = GroupTable(attributes: ["race", "sex"], hasConfusion: true, hasLoss: true)
    for i in keys.indices {
      let g = table.group(for: keys[i])
      table.addConfusion(group: g, label: UInt8(labels[i]), prediction: UInt8(predictions[i]))
      table.addLoss(group: g, losses[i])
    }
    table.rowsRead = keys.count
    return table
  }

  /// The aggregates of rows `range`, as the generated query computes them.
  func aggregates(_ range: Range<Int>, source: String) -> Aggregates {
    var cells: [[String]: [Int]] = [:]
    var loss: [[String]: SufficientStatistics] = [:]
    for i in range {
      cells[keys[i], default: [0, 0, 0, 0]][2 * labels[i] + predictions[i]] += 1
      loss[keys[i], default: SufficientStatistics()] += SufficientStatistics(count: 1, sum: losses[i], sumOfSquares: losses[i] * losses[i])
    }
    var records: [Aggregates.Record] = []
    for (key, counts) in cells {
      let n = counts.reduce(0, +)
      for (c, cell) in AggregateMetric.cells.enumerated() {
        records.append(.init(key: key, metric: cell, statistics: SufficientStatistics(count: n, positives: counts[c])))
      }
      records.append(.init(key: key, metric: .metric(.loss(column: "loss")), statistics: loss[key]!))
    }
    return Aggregates(source: source, attributes: ["race", "sex"], records: records)
  }
}

private func expectSame(_ a: AuditResult, _ b: AuditResult, _ context: String) {
  let s = a.summary, t = b.summary
  for (x, y) in [(s.cvar, t.cvar), (s.valueAtRisk, t.valueAtRisk), (s.maxGap, t.maxGap), (s.overallRate, t.overallRate),
                 (s.referenceRate, t.referenceRate), (s.meanDisparity, t.meanDisparity),
                 (s.cvarInterval.lower, t.cvarInterval.lower), (s.cvarInterval.upper, t.cvarInterval.upper),
                 (s.betweenGroupsDifference, t.betweenGroupsDifference), (s.renyi23, t.renyi23)] {
    #expect(isClose(x, y, relative: 1e-12, absolute: 1e-15), "\(context): \(x) vs \(y)")
  }
  #expect(s.groups == t.groups && s.rows == t.rows && s.eligibleRows == t.eligibleRows, "\(context)")
  let other = Dictionary(uniqueKeysWithValues: b.groups.map { ($0.key, $0) })
  for g in a.groups {
    guard let h = other[g.key] else { Issue.record("\(context): group \(g.key) missing"); continue }
    #expect(g.statistics.count == h.statistics.count)
    #expect(isClose(g.statistics.sum, h.statistics.sum, relative: 1e-12, absolute: 1e-15))
    #expect(isClose(g.rate, h.rate, relative: 1e-12, absolute: 1e-15))
    #expect(isClose(g.confidenceInterval.upper, h.confidenceInterval.upper, relative: 1e-12, absolute: 1e-15))
    #expect(isClose(g.disparityInterval.lower, h.disparityInterval.lower, relative: 1e-12, absolute: 1e-15))
  }
  #expect(Set(a.groupsWithoutRate) == Set(b.groupsWithoutRate))
}

@Suite struct AggregatesEquivalenceTests {
  /// Rows aggregated two ways (row by row, and per shard then merged) give
  /// the same audit for every metric, over many seeds.
  @Test(arguments: 0..<12)
  func shardsMergeToTheRowLevelAudit(seed: UInt64) throws {
    let rows = GeneratedRows(seed: 1000 + seed, rows: 50 + Int(seed) * 37)
    let n = rows.keys.count
    let shards = [rows.aggregates(0..<(n / 3), source: "a"), rows.aggregates((n / 3)..<(n / 2), source: "b"),
                  rows.aggregates((n / 2)..<n, source: "c")]
    let merged = try Aggregates.merge(shards)
    let rowTable = rows.table()
    for metric in [Metric.errorRate, .falseNegativeRate, .falsePositiveRate, .selectionRate, .loss(column: "loss")] {
      for reference in [Reference.pooled, .value(0.3)] {
        let configuration = AuditConfiguration(metric: metric, alpha: 0.25, weighting: .population, reference: reference)
        let expected = try DisparityAudit.run(rowTable, configuration: configuration)
        let actual = try DisparityAudit.run(try merged.groupTable(groupBy: ["race", "sex"], metrics: [metric]), configuration: configuration)
        expectSame(actual, expected, "seed \(seed) \(metric)")
      }
    }
  }

  /// Grouping by a subset of the file's attributes adds the finer groups.
  @Test func coarserGroupsAddTheFinerOnes() throws {
    let rows = GeneratedRows(seed: 7, rows: 400)
    var coarse = GroupTable(attributes: ["sex"], hasConfusion: true, hasLoss: false)
    for i in rows.keys.indices {
      coarse.addConfusion(group: coarse.group(for: [rows.keys[i][1]]), label: UInt8(rows.labels[i]), prediction: UInt8(rows.predictions[i]))
    }
    coarse.rowsRead = 400
    let configuration = AuditConfiguration(metric: .falseNegativeRate)
    let fromFile = try rows.aggregates(0..<400, source: "x").groupTable(groupBy: ["sex"], metrics: [.falseNegativeRate])
    expectSame(try DisparityAudit.run(fromFile, configuration: configuration),
               try DisparityAudit.run(coarse, configuration: configuration), "coarse")
  }

  /// Plain per-metric records of a binary metric serve that metric only.
  @Test func plainMetricRecords() throws {
    let records: [Aggregates.Record] = [
      .init(key: ["a"], metric: .metric(.falseNegativeRate), statistics: SufficientStatistics(count: 10, positives: 3), line: 2),
      .init(key: ["b"], metric: .metric(.falseNegativeRate), statistics: SufficientStatistics(count: 4, positives: 0), line: 3),
    ]
    let aggregates = Aggregates(source: "f.csv", attributes: ["g"], records: records)
    let table = try aggregates.groupTable(groupBy: ["g"], metrics: [.falseNegativeRate])
    #expect(table.statistics(for: .falseNegativeRate).map(\.count) == [10, 4])
    #expect(!table.supports(.errorRate))
    #expect(throws: InputError.self) { try aggregates.groupTable(groupBy: ["g"], metrics: [.errorRate]) }
  }
}

@Suite struct AggregatesValidationTests {
  func record(_ key: String, _ metric: String, _ n: Int, _ sum: Double, _ q: Double, line: Int) -> Aggregates.Record {
    .init(key: [key], metric: AggregateMetric(name: metric)!, statistics: SufficientStatistics(count: n, sum: sum, sumOfSquares: q), line: line)
  }

  func message(_ records: [Aggregates.Record]) -> String? {
    do { try Aggregates(source: "f.csv", attributes: ["g"], records: records).validate(); return nil } catch {
      return "\(error)"
    }
  }

  @Test func badRecordsAreNamedByLine() {
    #expect(message([record("a", "fnr", -1, 0, 0, line: 2)])?.hasPrefix("f.csv:2: group (a), metric 'fnr': n = -1 is negative") == true)
    #expect(message([record("a", "fnr", 3, 4, 4, line: 5)])?.contains("f.csv:5:") == true)
    #expect(message([record("a", "fnr", 3, 4, 4, line: 5)])?.contains("exceeds n = 3") == true)
    #expect(message([record("a", "error", 3, 1.5, 1.5, line: 2)])?.contains("whole count") == true)
    #expect(message([record("a", "error", 3, 1, 2, line: 2)])?.contains("must equal sum") == true)
    // A loss: sum²/n ≤ sum_sq ≤ sum.
    #expect(message([record("a", "loss:l", 4, 2, 0.5, line: 2)])?.contains("inconsistent") == true)
    #expect(message([record("a", "loss:l", 4, 2, 2.5, line: 2)])?.contains("inconsistent") == true)
    #expect(message([record("a", "loss:l", 4, 2, 1.0, line: 2)]) == nil)
    #expect(message([record("a", "loss:l", 4, 2, 2.0, line: 2)]) == nil)
    #expect(message([record("a", "loss:l", 4, 5, 5, line: 2)])?.contains("outside [0, n = 4]") == true)
    #expect(message([record("a", "fnr", 3, 1, 1, line: 2), record("a", "fnr", 2, 1, 1, line: 7)])
            == "f.csv:7: duplicate record for group (a) and metric 'fnr' (first on line 2)")
  }

  @Test func confusionCellsMustBeWhole() {
    let full = [record("a", "tn", 5, 1, 1, line: 2), record("a", "fp", 5, 1, 1, line: 3),
                record("a", "fn", 5, 1, 1, line: 4), record("a", "tp", 5, 2, 2, line: 5)]
    #expect(message(full) == nil)
    #expect(message(Array(full.dropLast()))?.contains("lacks 'tp'") == true)
    var wrongN = full
    wrongN[2].statistics.count = 6
    wrongN[2].statistics = SufficientStatistics(count: 6, positives: 1)
    #expect(message(wrongN)?.contains("f.csv:4: group (a): n of 'fn' is 6") == true)
    var short = full
    short[3].statistics = SufficientStatistics(count: 5, positives: 1)
    #expect(message(short)?.contains("tn + fp + fn + tp = 4 but n = 5") == true)
  }

  @Test func mergeRefusesDifferentColumnsOrMetrics() throws {
    let a = Aggregates(source: "a.csv", attributes: ["g"], records: [record("x", "fnr", 3, 1, 1, line: 2)])
    let b = Aggregates(source: "b.csv", attributes: ["h"], records: [record("x", "fnr", 3, 1, 1, line: 2)])
    let c = Aggregates(source: "c.csv", attributes: ["g"], records: [record("x", "fpr", 3, 1, 1, line: 2)])
    let empty = Aggregates(source: "e.csv", attributes: ["g"], records: [])
    #expect(throws: InputError.self) { try Aggregates.merge([a, b]) }
    #expect(throws: InputError.self) { try Aggregates.merge([a, c]) }
    let merged = try Aggregates.merge([a, empty, a])
    #expect(merged.records.map(\.statistics) == [SufficientStatistics(count: 6, positives: 2)])
  }

  /// The CSV text reads back to the same records, exactly.
  @Test func csvRoundTrip() throws {
    let rows = GeneratedRows(seed: 3, rows: 300)
    let original = try Aggregates.merge([rows.aggregates(0..<300, source: "x")])
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("cvar-audit-roundtrip-\(UUID()).csv")
    defer { try? FileManager.default.removeItem(at: url) }
    try original.csv().write(to: url, atomically: true, encoding: .utf8)
    let read = try AggregatesFile.read(path: url.path)
    #expect(read.attributes == original.attributes)
    #expect(read.records.map(\.statistics) == original.records.map(\.statistics))
    #expect(read.records.map(\.key) == original.records.map(\.key))
  }
}
