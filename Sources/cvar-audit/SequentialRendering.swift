import CVaRAudit
import CVaRSequential
import Foundation

/// The JSON document of a sequential decision. The names `decision`,
/// `observations`, `cvarInterval`, `sampler` and `delta` are fixed; see
/// docs/guide/sequential.md.
struct SequentialDocument: Encodable {
  struct Look: Encodable {
    var look: Int
    var observations: Int
    var statistic: Double?
    var threshold: Double?
    var level: Double
    var rejected: Bool
  }
  var decision: String
  var reason: String?
  var observations: Int
  var cvar: Double?
  var cvarInterval: [Double?]
  var referenceInterval: [Double?]
  var sampler: String
  var delta: Double
  var tolerance: Double
  var alpha: Double
  var metric: String
  var groups: Int
  var tailGroups: [[String: String]]
  var l2Looks: [Look]?
  /// The observation at which the pooled reference's running intersection
  /// became empty (evidence of non-exchangeable arrival), else null.
  var referenceEmptiedAt: Int?
  /// Groups whose running intersection became empty (drift within a group).
  var emptiedGroups: Int
  /// betting or confidence-sequence.
  var method: String
  /// The betting CVaR e-process's wealth W (the e-value; a violation at
  /// W ≥ 1/δ), null with the confidence-sequence method.
  var eValue: Double?
  /// The largest wealth reached so far.
  var maximumEValue: Double?

  private enum CodingKeys: String, CodingKey {
    case decision, reason, observations, cvar, cvarInterval, referenceInterval, sampler, delta, tolerance, alpha
    case metric, groups, tailGroups, l2Looks, referenceEmptiedAt, emptiedGroups, method, eValue, maximumEValue
  }

  func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(decision, forKey: .decision)
    try c.encodeIfPresent(reason, forKey: .reason)
    try c.encode(method, forKey: .method)
    try c.encode(eValue, forKey: .eValue)
    try c.encode(maximumEValue, forKey: .maximumEValue)
    try c.encode(observations, forKey: .observations)
    try c.encodeIfPresent(cvar, forKey: .cvar)
    try c.encode(cvarInterval, forKey: .cvarInterval)
    try c.encode(referenceInterval, forKey: .referenceInterval)
    try c.encode(sampler, forKey: .sampler)
    try c.encode(delta, forKey: .delta)
    try c.encode(tolerance, forKey: .tolerance)
    try c.encode(alpha, forKey: .alpha)
    try c.encode(metric, forKey: .metric)
    try c.encode(groups, forKey: .groups)
    try c.encode(tailGroups, forKey: .tailGroups)
    try c.encodeIfPresent(l2Looks, forKey: .l2Looks)
    try c.encode(referenceEmptiedAt, forKey: .referenceEmptiedAt)  // null when it did not happen
    try c.encode(emptiedGroups, forKey: .emptiedGroups)
  }
}

enum SequentialRendering {
  static func document(_ tester: SequentialTester, sampler: SamplerKind, metric: Metric,
                       attributes: [String]) -> SequentialDocument {
    let c = tester.configuration
    let s = tester.snapshot()
    return SequentialDocument(
      decision: tester.decision.rawValue, reason: tester.reason?.rawValue,
      observations: tester.decisionObservation ?? tester.observations, cvar: finite(s.cvar),
      cvarInterval: [finite(s.cvarInterval.lower), finite(s.cvarInterval.upper)],
      referenceInterval: [finite(s.referenceInterval.lower), finite(s.referenceInterval.upper)],
      sampler: sampler.rawValue, delta: c.delta, tolerance: c.tolerance, alpha: c.alpha,
      metric: metric.description, groups: c.groupCount,
      tailGroups: s.tailGroups.prefix(20).map { AuditRendering.keyObject(attributes, c.groupKeys[$0]) },
      l2Looks: tester.l2Test.map { test in
        test.looks.map { SequentialDocument.Look(look: $0.index, observations: $0.observations, statistic: finite($0.statistic),
                              threshold: finite($0.threshold), level: $0.level, rejected: $0.rejected) }
      },
      referenceEmptiedAt: tester.referenceEmptiedAt, emptiedGroups: tester.emptiedGroups.count,
      method: c.method.rawValue, eValue: tester.violationLogWealth.map { finite(exp($0)) } ?? nil,
      maximumEValue: tester.maximumViolationLogWealth.map { finite(exp($0)) } ?? nil)
  }

  /// One status line: observations, the CVaR interval, the decision.
  static func status(_ tester: SequentialTester, row: Int?) -> String {
    let s = tester.snapshot()
    var line = "observations \(AuditRendering.grouped(tester.observations))"
    if let row { line += " (line \(row))" }
    line += ": CVaR \(AuditRendering.signed(s.cvar)) in [\(AuditRendering.signed(s.cvarInterval.lower)), "
    line += "\(AuditRendering.signed(s.cvarInterval.upper))], \(tester.decision.rawValue)"
    return line
  }

  static func decisionText(_ tester: SequentialTester) -> String {
    let c = tester.configuration
    switch tester.decision {
    case .continue: return "no decision yet"
    case .violation where tester.reason == .eProcess:
      return "VIOLATION: the e-value of CVaR > ε0 = \(c.tolerance) reached 1/δ = \(String(format: "%.4g", 1 / c.bettingLevel))"
    case .violation: return "VIOLATION: the CVaR lower confidence bound exceeds ε0 = \(c.tolerance)"
    case .withinTolerance: return "WITHIN TOLERANCE: the CVaR upper confidence bound is below ε0 = \(c.tolerance)"
    case .disparityDetected:
      return "DISPARITY DETECTED: the sequential L2 test rejected the null of no disparity (not evidence that CVaR > ε0 = \(c.tolerance))"
    case .budgetExhausted: return "BUDGET EXHAUSTED after \(tester.observations) observations without a decision"
    }
  }

  /// The common part of a table report: decision, interval, tail.
  static func summaryLines(_ tester: SequentialTester, sampler: SamplerKind) -> [(String, String)] {
    let c = tester.configuration
    let s = tester.snapshot()
    var rows: [(String, String)] = [
      ("decision", decisionText(tester)),
      ("observations", AuditRendering.grouped(tester.decisionObservation ?? tester.observations)),
      ("CVaR_\(c.alpha) estimate", AuditRendering.signed(s.cvar)),
      ("anytime-valid interval", "[\(AuditRendering.signed(s.cvarInterval.lower)), \(AuditRendering.signed(s.cvarInterval.upper))]"),
      ("reference (\(referenceName(c.reference))) interval", "[\(AuditRendering.fixed(s.referenceInterval.lower)), \(AuditRendering.fixed(s.referenceInterval.upper))]"),
      ("δ", c.method == .betting
        ? "\(c.delta) (\(c.l2FirstLook == nil ? "all" : "half") to the e-process; the confidence sequences of the within-tolerance side at \(String(format: "%.3g", c.confidenceSequenceLevel)) each for \(c.groupCount) groups\(c.reference == .pooled ? " + pooled reference" : ""))"
        : "\(c.delta) (\(c.l2FirstLook == nil ? "all" : "half") to the confidence sequences, \(String(format: "%.3g", c.confidenceSequenceLevel)) each for \(c.groupCount) groups\(c.reference == .pooled ? " + pooled reference" : ""))"),
      ("sampler", sampler.rawValue),
      ("groups", "\(c.groupCount)"),
    ]
    if let betting = tester.cvarBetting, let now = tester.violationLogWealth, let top = tester.maximumViolationLogWealth {
      let partner = tester.averagedViolationMaximum == nil ? nil
        : tester.blockBetting != nil ? "the two-stage blocks' variance e-process" : "the pooled L2 contrast's e-process"
      let averaged = partner.map { ", averaged with \($0) (ε0 = 0, the population reference with its shares as weights: the null is no disparity)" } ?? ""
      rows.append(("method", "betting e-process on the pooled CVaR contrast\(averaged) (\(c.bettingStrategy.rawValue)); violation when the e-value reaches 1/δ = \(String(format: "%.4g", 1 / betting.level))"))
      rows.append(("e-value", "\(String(format: "%.4g", exp(now))) now, largest \(String(format: "%.4g", exp(top)))"))
    } else {
      rows.append(("method", "confidence sequences (CVaR of the group bounds)"))
    }
    if let test = tester.l2Test, let last = test.looks.last {
      rows.append(("L2 test", "\(test.looks.count) looks; last at \(last.observations): T = \(AuditRendering.signed(last.statistic, 5)), threshold \(AuditRendering.fixed(last.threshold, 5))"))
    }
    let tail = s.tailGroups.prefix(5).map { AuditRendering.displayKey(c.groupKeys[$0]) }.joined(separator: "; ")
    rows.append(("tail groups (upper bounds)", tail + (s.tailGroups.count > 5 ? "; … (\(s.tailGroups.count))" : "")))
    rows += nonStationarityLines(tester)
    return rows
  }

  /// "NOT STATIONARY" lines when a running intersection became empty.
  static func nonStationarityLines(_ tester: SequentialTester) -> [(String, String)] {
    var rows: [(String, String)] = []
    if let n = tester.referenceEmptiedAt {
      rows.append(("NOT STATIONARY", "the pooled reference's confidence sequence became empty at observation \(AuditRendering.grouped(n)): "
        + "the rows do not arrive in exchangeable order, so the pooled reference and this decision are not valid; use --reference population"))
    }
    let emptied = tester.emptiedGroups
    if let first = emptied.first {
      let key = AuditRendering.displayKey(tester.configuration.groupKeys[first])
      rows.append(("NOT STATIONARY", "the confidence sequences of \(emptied.count) group\(emptied.count == 1 ? "" : "s") became empty "
        + "(first: \(key) at its observation \(tester.groups[first].emptiedAt!)): the losses within a group drift over time, so this decision is not valid"))
    }
    return rows
  }

  static func referenceName(_ r: SequentialReference) -> String {
    switch r {
    case .pooled: "pooled"
    case .population: "population"
    case .value(let v): "known \(v)"
    }
  }

  static func aligned(_ rows: [(String, String)]) -> String {
    let width = rows.map(\.0.count).max() ?? 0
    return rows.map { AuditRendering.pad($0.0, width) + "  " + $0.1 }.joined(separator: "\n") + "\n"
  }
}
