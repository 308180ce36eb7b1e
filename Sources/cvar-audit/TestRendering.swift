import CVaRAudit
import CVaRInference
import Foundation

/// The JSON document of a test (schema version 1). Fixed names: statistic,
/// value, pValue, calibration, permutations, seed, delta, decision.
struct TestDocument: Encodable {
  struct Tail: Encodable {
    var key: [String: String]
    var disparity: Double?
    var tailWeight: Double
    var contribution: Double?
  }
  struct Group: Encodable {
    var key: [String: String]
    var n: Int
    var rate: Double?
    var disparity: Double?
    var pValue: Double?
    var holm: Double?
    var benjaminiHochberg: Double?
    /// rate / reference rate, and the confusion counts (with labels and predictions).
    var ratio: Double?
    var tn: Int?
    var fp: Int?
    var fn: Int?
    var tp: Int?
  }
  struct L2: Encodable {
    var value: Double?
    var standardError: Double?
  }
  /// What the per-group p-values test.
  struct GroupTestDescription: Encodable {
    var null: String
    var method: String
    var alternative: String
  }
  var schemaVersion = 1
  var metric: String
  var statistic: String
  var value: Double?
  var pValue: Double?
  var calibration: String
  var permutations: Int?
  var seed: UInt64?
  var monteCarloError: Double?
  var delta: Double
  var decision: String
  var tolerance: Double?
  var lowerConfidenceBound: Double?
  var boundVariance: Double?
  var boundMean: Double?
  var alpha: Double
  var weights: String
  var disparity: String
  /// higher, lower (one-sided) or either (two-sided).
  var worse: String
  var reference: String
  var referenceRate: Double?
  var groupBy: [String]
  var l2Estimate: L2
  var tailGroups: [Tail]
  var groupTest: GroupTestDescription
  var groups: [Group]
  var groupsWithoutVariance: [[String: String]]
  var groupsWithoutRate: [[String: String]]
  /// The plain-language verdict (the text output's first lines).
  var verdict: Verdict
  /// The audit's small-cell check and empirical-Bayes CVaR (as `audit`'s summary.smallCells).
  var smallCells: AuditSummaryDocument.SmallCellsDocument
}

/// Several metrics: the joint test at the top, the per-metric tests below.
struct JointTestDocument: Encodable {
  var schemaVersion = 1
  var metrics: [String]
  var statistic = "joint-whitened"
  var value: Double?
  var pValue: Double
  var calibration = "permutation"
  var permutations: Int
  var seed: UInt64
  var monteCarloError: Double
  var delta: Double
  var decision: String
  var groups: Int
  var perMetric: [TestDocument]
}

enum TestRendering {
  static func document(_ r: DisparityTestResult) -> TestDocument {
    let c = r.configuration.audit
    let attributes = r.audit.attributes
    func key(_ k: [String]) -> [String: String] { AuditRendering.keyObject(attributes, k) }
    let audited = Dictionary(r.audit.groups.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    return TestDocument(
      metric: c.metric.description, statistic: r.statistic.rawValue, value: finite(r.value), pValue: finite(r.pValue),
      calibration: r.calibration.rawValue, permutations: r.permutations, seed: r.seed,
      monteCarloError: r.monteCarloError, delta: r.delta, decision: r.decision.rawValue, tolerance: r.tolerance,
      lowerConfidenceBound: r.lowerConfidenceBound.flatMap(finite), boundVariance: r.boundVariance.flatMap(finite),
      boundMean: r.boundMean.flatMap(finite),
      alpha: c.alpha, weights: c.weighting.description, disparity: AuditRendering.sidesName(c.disparity),
      worse: AuditRendering.worseName(c.disparity), reference: c.reference.description, referenceRate: finite(r.audit.summary.referenceRate), groupBy: attributes,
      l2Estimate: TestDocument.L2(value: finite(r.l2Estimate.value), standardError: finite(r.l2Estimate.standardError)),
      tailGroups: r.tailGroups.map {
        TestDocument.Tail(key: key($0.key), disparity: finite($0.disparity), tailWeight: $0.tailWeight,
                          contribution: finite($0.contribution))
      },
      groupTest: TestDocument.GroupTestDescription(
        null: r.groupTest.null, method: r.groupTest.method,
        alternative: c.disparity == .oneSided ? "greater" : c.disparity == .oneSidedLower ? "less" : "two-sided"),
      groups: r.groups.map {
        TestDocument.Group(key: key($0.key), n: $0.statistics.count, rate: finite($0.statistics.mean),
                           disparity: finite($0.disparity), pValue: finite($0.pValue), holm: $0.pValue.isNaN ? nil : finite($0.holm),
                           benjaminiHochberg: $0.pValue.isNaN ? nil : finite($0.benjaminiHochberg),
                           ratio: audited[$0.key].flatMap { finite($0.ratio) },
                           tn: audited[$0.key]?.confusion?.trueNegatives, fp: audited[$0.key]?.confusion?.falsePositives,
                           fn: audited[$0.key]?.confusion?.falseNegatives, tp: audited[$0.key]?.confusion?.truePositives)
      },
      groupsWithoutVariance: r.groupsWithoutVariance.map(key),
      groupsWithoutRate: r.audit.groupsWithoutRate.map(key),
      verdict: .test(r), smallCells: AuditSummaryDocument.SmallCellsDocument(SmallCellSummary(r.audit)))
  }

  static func json(_ results: [DisparityTestResult], joint: JointTestSummary?, attributes: [String]) throws -> String {
    guard let joint else { return try AuditRendering.encodeJSON(document(results[0])) }
    let delta = results[0].delta
    return try AuditRendering.encodeJSON(JointTestDocument(
      metrics: joint.metrics.map(\.description), value: finite(joint.value), pValue: joint.pValue.value,
      permutations: joint.pValue.permutations, seed: results[0].configuration.seed,
      monteCarloError: joint.pValue.monteCarloError, delta: delta,
      decision: (joint.pValue.value <= delta ? TestDecision.violation : .noViolation).rawValue,
      groups: joint.groups, perMetric: results.map(document)))
  }

  static func pValueText(_ p: Double) -> String {
    guard p.isFinite else { return "—" }
    return p < 1e-4 ? String(format: "%.2e", p) : String(format: "%.4f", p)
  }

  static func calibrationText(_ r: DisparityTestResult) -> String {
    switch r.calibration {
    case .permutation:
      let method = r.configuration.audit.metric.isBinary
        ? "per-group counts, multivariate hypergeometric" : "loss column shuffled"
      return "permutation, B = \(AuditRendering.grouped(r.permutations!)), seed \(r.seed!) (\(method))"
    case .bound:
      return "bound (Cantelli: p = V/(V + (T − m)²), V = sup Var(T) = \(String(format: "%.3e", r.boundVariance!)), "
        + "m = sup E[T] = \(String(format: "%.3e", r.boundMean!)))"
    case .tolerance: return "tolerance (H0: CVaR ≤ ε0 = \(r.tolerance!); simultaneous lower bound)"
    }
  }

  /// "one-sided exact binomial p-values (H0: rate_g = 0.9)" and the like.
  static func groupTestText(_ r: DisparityTestResult) -> String {
    let side = switch r.configuration.audit.disparity {
    case .oneSided: "one-sided"
    case .oneSidedLower: "one-sided (lower is worse)"
    case .twoSided: "two-sided"
    }
    var text = "\(side) \(r.groupTest.method) p-values (H0: \(r.groupTest.null)"
    if case .group(let key) = r.configuration.audit.reference { text += "; \(key.joined(separator: ",")) itself not tested" }
    return text + ")"
  }

  static func table(_ results: [DisparityTestResult], joint: JointTestSummary?, inputName: String,
                    list: GroupListSettings = GroupListSettings()) -> String {
    var out = ""
    for r in results {
      let c = r.configuration.audit
      let attributes = r.audit.attributes
      out += "CVaR disparity test of the \(AuditRendering.metricName(c.metric)) across \(attributes.joined(separator: " × "))\n"
      out += "input: \(inputName); \(AuditRendering.grouped(r.groups.count)) groups with a rate, \(AuditRendering.grouped(r.audit.summary.eligibleRows)) eligible rows\n"
      out += "α (tail share) = \(c.alpha), δ (test level) = \(r.delta), weights \(c.weighting), \(AuditRendering.disparityText(c.disparity)) against the \(AuditRendering.referenceName(c.reference)) rate \(AuditRendering.fixed(r.audit.summary.referenceRate))\n\n"
      let statisticName: String
      switch r.statistic {
      case .l2: statisticName = "l2 (Σ w̃ U_g)"
      case .cvar: statisticName = "cvar (CVaR_\(c.alpha) of Δ̂)"
      case .max: statisticName = "max (max gap)"
      }
      var rows: [(String, String)] = [
        ("statistic", "\(statisticName) = \(String(format: "%.6g", r.value))"),
        ("calibration", calibrationText(r)),
        ("p-value", pValueText(r.pValue) + (r.monteCarloError.map { String(format: "  (Monte-Carlo s.e. %.4f)", $0) } ?? "")),
      ]
      if let lower = r.lowerConfidenceBound {
        rows.append(("CVaR lower bound", "\(AuditRendering.signed(lower)) (one-sided, simultaneous) at \(AuditRendering.fixed(100 * (1 - r.delta), 1))%"))
      }
      rows.append(("decision at δ (test level) = \(r.delta)", r.decision.rawValue))
      rows.append(("Σ w̃ Δ² (l2 estimate)", String(format: "%.3e ± %.3e (s.e.)", r.l2Estimate.value, r.l2Estimate.standardError)))
      if !r.groupsWithoutVariance.isEmpty {
        rows.append(("groups of size 1", "\(r.groupsWithoutVariance.count) (no U_g: weight 0 in l2; permuted with the rest)"))
      }
      out += AuditRendering.verdictText(.test(r)) + "\n"
      let small = SmallCellSummary(r.audit)
      rows.append(("CVaR_\(c.alpha) of disparities", "\(AuditRendering.signed(r.audit.summary.cvar))  (plug-in), \(AuditRendering.fixed(100 * c.confidenceLevel, 0))% simultaneous interval [\(AuditRendering.signed(r.audit.summary.cvarInterval.lower)), \(AuditRendering.signed(r.audit.summary.cvarInterval.upper))]"))
      rows.append(contentsOf: AuditRendering.smallCellRows(small, alpha: c.alpha))
      out += AuditRendering.smallCellWarning(small, cvar: r.audit.summary.cvar)
      if small.warning { out += "\n" }
      let width = rows.map(\.0.count).max()!
      for (label, value) in rows { out += AuditRendering.pad(label, width) + "  " + value + "\n" }

      let audited = Dictionary(r.audit.groups.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
      func rowsOf(_ key: [String]) -> Int { audited[key]?.statistics.count ?? 0 }
      out += "\ntail groups (CVaR_\(c.alpha) = \(AuditRendering.signed(r.audit.summary.cvar)) = Σ contributions)\n"
      let tail = GroupListing(r.tailGroups, options: list, rows: { rowsOf($0.key) })
      let tailRows = tail.shown.map {
        [AuditRendering.displayKey($0.key), AuditRendering.grouped(rowsOf($0.key)), AuditRendering.signed($0.disparity),
         AuditRendering.fixed($0.tailWeight), AuditRendering.signed($0.contribution)]
      }
      out += grid(["group", "n", "disparity", "tail weight", "contribution"], tailRows, right: [1, 2, 3, 4])
      out += tail.footer(noun: "tail group", formats: "json", minN: list.minN)
      out += AuditRendering.wrapped("the tail in the disparity order; " + DisparityAudit.tieRule, first: "", rest: "  ")

      let sortValue: ((GroupTest) -> Double)? = switch list.sort {
      case .disparity: nil
      case .p: { $0.pValue }
      case .n: { Double($0.statistics.count) }
      case .lowerBound: { audited[$0.key]?.disparityInterval.lower ?? .nan }
      }
      let order = list.sort == .disparity ? "disparity" : list.sort == .p ? "p-value" : list.sort == .n ? "n" : "lower bound of the simultaneous disparity interval"
      func groupRows(_ groups: [GroupTest]) -> String {
        grid(["group", "n", "rate", "disparity", "p", "Holm", "BH", "Holm ≤ δ"], groups.map {
          [AuditRendering.displayKey($0.key), AuditRendering.grouped($0.statistics.count), AuditRendering.fixed($0.statistics.mean),
           AuditRendering.signed($0.disparity), pValueText($0.pValue),
           pValueText($0.pValue.isNaN ? .nan : $0.holm), pValueText($0.pValue.isNaN ? .nan : $0.benjaminiHochberg),
           !$0.pValue.isNaN && $0.holm <= r.delta ? "*" : ""]
        }, right: [1, 2, 3, 4, 5, 6])
      }
      if r.groups.allSatisfy({ $0.pValue.isNaN }) {
        out += "\ngroups by \(order) (no per-group p-values: the permutation test of a loss needs the rows, not aggregates)\n"
        let listing = GroupListing(r.groups, options: list, rows: \.statistics.count, sortValue: sortValue, ascending: list.sort == .p)
        out += groupRows(listing.shown) + listing.footer(formats: "json", minN: list.minN)
      } else {
        // Significant groups first (BH ≤ δ; Holm ≤ δ is a subset), never thinned by --min-n.
        let significant = r.groups.filter { $0.benjaminiHochberg <= r.delta }
        let holm = r.groups.filter { $0.holm <= r.delta }.count
        let worse = c.disparity.isOneSided ? "worse" : "different"
        out += "\n" + AuditRendering.wrapped("significantly \(worse) groups at δ = \(r.delta) (δ: test level): \(AuditRendering.grouped(holm)) with Holm ≤ δ (family-wise, *), "
          + "\(AuditRendering.grouped(significant.count)) with Benjamini–Hochberg ≤ δ (false discovery rate); by \(order)", first: "", rest: "  ")
        out += "per-group tests: \(groupTestText(r))\n"
        if significant.isEmpty {
          out += "none\n"
        } else {
          let listing = GroupListing(significant, options: list, rows: \.statistics.count, sortValue: sortValue,
                                     ascending: list.sort == .p, applyMinN: false, atLeast: holm)
          out += groupRows(listing.shown) + listing.footer(noun: "significant group", formats: "json", minN: list.minN)
        }
        let others = r.groups.filter { !($0.benjaminiHochberg <= r.delta) }
        if !others.isEmpty {
          out += "\nother groups (BH > δ) by \(order)\n"
          let listing = GroupListing(others, options: list, rows: \.statistics.count, sortValue: sortValue, ascending: list.sort == .p)
          out += groupRows(listing.shown) + listing.footer(formats: "json", minN: list.minN)
        }
      }
      out += AuditRendering.withoutRateLine(r.audit.groupsWithoutRate, formats: "json")
      out += "\n"
    }
    if let joint {
      let delta = results[0].delta
      out += "joint test over \(joint.metrics.map(\.description).joined(separator: ", ")) (each group's disparity vector whitened by its covariance; whole rows permuted)\n"
      out += "statistic = \(String(format: "%.6g", joint.value)), p-value \(pValueText(joint.pValue.value)) (B = \(AuditRendering.grouped(joint.pValue.permutations))), "
      out += "decision at δ (test level) = \(delta): \((joint.pValue.value <= delta ? TestDecision.violation : .noViolation).rawValue)\n"
    }
    return out
  }

  static func grid(_ headers: [String], _ rows: [[String]], right: Set<Int>) -> String {
    var widths = headers.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String]) -> String {
      AuditRendering.trimmingTrailingSpaces(
        cells.enumerated().map { AuditRendering.pad($1, widths[$0], right: right.contains($0)) }.joined(separator: "  ")) + "\n"
    }
    return line(headers) + line(widths.map { String(repeating: "-", count: $0) }) + rows.map(line).joined()
  }
}
