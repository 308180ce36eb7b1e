import Foundation
import Testing
import FixtureSupport
import Distributions
@testable import CVaRAudit

/// Every binary metric against fairlearn and scikit-learn
/// (Tests/Fixtures/metric_rates.json, from Tests/Oracles/make_metric_fixtures.py),
/// the metric names, and the lower-is-worse disparity.
@Suite struct MetricTests {
  static func table() throws -> GroupTable {
    let reader = try CSVReader(path: Fixtures.url("metric_rows.csv").path)
    return try GroupAggregator.aggregate(reader, columns: ColumnSelection(
      groupBy: ["a", "b", "c"], label: "y", prediction: .column("yhat")))
  }

  @Test func ratesAndCountsMatchFairlearn() throws {
    let table = try Self.table()
    let fixture = try Fixtures.json("metric_rates.json")
    let cases = fixture["cases"] as! [[String: Any]]
    #expect(table.groupCount == cases.count)
    var checked = 0, undefined = 0
    for c in cases {
      let key = c["key"] as! [String: String]
      let g = try #require(table.existingGroup(for: [key["a"]!, key["b"]!, key["c"]!]))
      let counts = ConfusionCounts(table.confusionCounts(group: g))
      #expect(counts == ConfusionCounts(trueNegatives: c["tn"] as! Int, falsePositives: c["fp"] as! Int,
                                        falseNegatives: c["fn"] as! Int, truePositives: c["tp"] as! Int))
      let rates = c["rates"] as! [String: Any]
      for metric in Metric.binaryMetrics {
        let s = table.statistics(for: metric)[g]
        if let expected = number(rates[metric.description]) {
          #expect(isClose(s.mean, expected, relative: 1e-12, absolute: 1e-15), "\(key) \(metric): \(s.mean) vs \(expected)")
          checked += 1
        } else {
          #expect(rates[metric.description] is NSNull)
          #expect(s.count == 0, "\(key) \(metric): fairlearn has no rate but n = \(s.count)")
          undefined += 1
        }
      }
    }
    #expect(checked == cases.count * Metric.binaryMetrics.count - undefined)
    #expect(undefined == 12)  // the fixture's groups without a row of some kind
  }

  @Test func namesAndAliasesParse() {
    for metric in Metric.binaryMetrics {
      #expect(Metric(name: metric.description) == metric)
    }
    for (metric, names) in Metric.aliases {
      for name in names {
        #expect(Metric(name: name) == metric, "\(name)")
        #expect(Metric(name: name.replacingOccurrences(of: "_", with: "-")) == metric, "\(name)")
      }
    }
    #expect(Metric(name: "recall") == .truePositiveRate)
    #expect(Metric(name: "precision_score") == .positivePredictiveValue)
    #expect(Metric(name: "false-negative-rate") == .falseNegativeRate)
    #expect(Metric(name: "for") == .falseOmissionRate)
    #expect(Metric(name: "loss:a_b") == .loss(column: "a_b"))
    #expect(Metric(name: "Recall") == nil)
    #expect(Metric(name: "f1") == nil)
    #expect(Metric(name: "loss:") == nil)
    // No name means two metrics.
    let all = Metric.aliases.flatMap { $0.names } + Metric.binaryMetrics.map(\.description)
    #expect(Set(all.map { $0.replacingOccurrences(of: "_", with: "-") }).count == all.count)
  }

  @Test func indicatorsFollowTheConfusionCells() {
    for metric in Metric.binaryMetrics {
      for y in UInt8(0)...1 {
        for yHat in UInt8(0)...1 {
          let c = 2 * Int(y) + Int(yHat)
          let s = metric.statistics(confusion: (c == 0 ? 1 : 0, c == 1 ? 1 : 0, c == 2 ? 1 : 0, c == 3 ? 1 : 0))
          #expect(metric.indicator(label: y, prediction: yHat) == (s.count == 1 ? s.sum : nil))
        }
      }
    }
    #expect(Metric.positivePredictiveValue.indicator(label: 1, prediction: 1) == 1)
    #expect(Metric.positivePredictiveValue.indicator(label: 1, prediction: 0) == nil)
    #expect(Metric.falseOmissionRate.indicator(label: 1, prediction: 0) == 1)
  }

  /// The success rates are the complements of error rates on the same rows.
  static let complements: [(Metric, Metric)] = [
    (.truePositiveRate, .falseNegativeRate), (.trueNegativeRate, .falsePositiveRate), (.accuracy, .errorRate),
    (.positivePredictiveValue, .falseDiscoveryRate), (.negativePredictiveValue, .falseOmissionRate),
  ]

  static func randomTable(_ rng: inout Xoshiro256StarStar) -> GroupTable {
    var table = GroupTable(attributes: ["g"], hasConfusion: true, hasLoss: false)
    let k = 2 + Int(rng.next() % 29)
    for i in 0..<k {
      let g = table.group(for: ["\(i)"])
      for cell in 0..<4 {
        table.addConfusion(group: g, label: cell / 2, prediction: cell % 2, count: Int(rng.next() % 13))
      }
    }
    return table
  }

  /// Auditing a success rate with lower-is-worse is auditing its complement
  /// with higher-is-worse: Δ = μ_ref − μ_g = (1 − μ_g) − (1 − μ_ref).
  @Test func lowerIsWorseMirrorsTheComplement() throws {
    var rng = Xoshiro256StarStar(seed: 12)
    var compared = 0
    for trial in 0..<200 {
      let table = Self.randomTable(&rng)
      let (success, error) = Self.complements[trial % Self.complements.count]
      let alpha = [0.1, 0.25, 0.5, 1][trial % 4]
      let weighting: GroupWeighting = trial % 3 == 0 ? .population : .uniform
      let reference: (Reference, Reference) = trial % 5 == 0 ? (.value(0.7), .value(0.30000000000000004)) : (.pooled, .pooled)
      let lower: AuditResult, higher: AuditResult
      do {
        lower = try DisparityAudit.run(table, configuration: AuditConfiguration(
          metric: success, alpha: alpha, weighting: weighting, disparity: .oneSidedLower, reference: reference.0))
        higher = try DisparityAudit.run(table, configuration: AuditConfiguration(
          metric: error, alpha: alpha, weighting: weighting, disparity: .oneSided, reference: reference.1))
      } catch AuditError.noEligibleRows {
        continue
      }
      #expect(lower.groups.map(\.key) == higher.groups.map(\.key))
      for (a, b) in zip(lower.groups, higher.groups) {
        #expect(isClose(a.disparity, b.disparity, relative: 1e-12, absolute: 1e-12))
        #expect(isClose(a.disparityInterval.lower, b.disparityInterval.lower, relative: 1e-9, absolute: 1e-9))
        #expect(isClose(a.disparityInterval.upper, b.disparityInterval.upper, relative: 1e-9, absolute: 1e-9))
        #expect(isClose(a.rate, 1 - b.rate, relative: 1e-12, absolute: 1e-12))
        #expect(a.tailWeight == b.tailWeight)
      }
      #expect(isClose(lower.summary.cvar, higher.summary.cvar, relative: 1e-12, absolute: 1e-12))
      #expect(isClose(lower.summary.cvarInterval.lower, higher.summary.cvarInterval.lower, relative: 1e-9, absolute: 1e-9))
      #expect(isClose(lower.summary.cvarInterval.upper, higher.summary.cvarInterval.upper, relative: 1e-9, absolute: 1e-9))
      #expect(isClose(lower.summary.maxGap, higher.summary.maxGap, relative: 1e-12, absolute: 1e-12))
      compared += 1
    }
    #expect(compared > 150)
  }

  @Test func disparitySigns() {
    for (mean, reference) in [(0.2, 0.5), (0.9, 0.1), (0.3, 0.3)] {
      #expect(DisparityKind.oneSidedLower.disparity(mean, reference: reference) == reference - mean)
      #expect(DisparityKind.oneSided.disparity(mean, reference: reference) == mean - reference)
    }
    let range = DisparityKind.oneSidedLower.disparityRange(
      mean: ConfidenceInterval(lower: 0.2, upper: 0.4), reference: ConfidenceInterval(lower: 0.5, upper: 0.6))
    #expect(isClose(range.lower, 0.1) && isClose(range.upper, 0.4))
    #expect(DisparityKind(twoSided: false, worse: .lower) == .oneSidedLower)
    #expect(DisparityKind(twoSided: true, worse: .lower) == .twoSided)
    #expect(Metric.truePositiveRate.defaultWorse == .lower && Metric.accuracy.defaultWorse == .lower)
    #expect(Metric.falseOmissionRate.defaultWorse == .higher && Metric.selectionRate.defaultWorse == .higher)
  }

  @Test func ratiosAndCountsInTheAudit() throws {
    let table = try Self.table()
    let result = try DisparityAudit.run(table, configuration: AuditConfiguration(metric: .selectionRate, reference: .group(["a0", "b0", "c0"])))
    let reference = result.summary.referenceRate
    for g in result.groups {
      #expect(isClose(g.ratio, g.rate / reference))
      #expect(g.belowFourFifths == (g.statistics.sum / Double(g.statistics.count) < 0.8 * reference))
      let c = try #require(g.confusion)
      #expect(c.falsePositives + c.truePositives == Int(g.statistics.sum))
    }
    #expect(result.groups.first { $0.key == ["a0", "b0", "c0"] }!.ratio == 1)
    #expect(result.summary.minRatio == result.groups.map(\.ratio).min())
    let fixed = try DisparityAudit.run(table, configuration: AuditConfiguration(metric: .errorRate, reference: .value(0)))
    #expect(fixed.groups.allSatisfy { $0.ratio.isNaN } && fixed.summary.maxRatio.isNaN)
  }

  /// The compiled-in COMPAS data is the resource file, byte for byte.
  @Test func embeddedDataIsTheResourceFile() throws {
    let file = try Data(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Sources/CVaRAudit/Resources/compas-two-years.csv"))
    #expect(Data(EmbeddedData.compasBytes) == file)
    let path = try EmbeddedData.compasPath()
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == file)
    #expect(try EmbeddedData.compasPath() == path)  // written once per process
  }
}
