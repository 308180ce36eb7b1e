import CVaRAudit
import CVaRInference

/// The sections a `test --report` adds to the audit report: each metric's
/// test result, its CVaR tail, the per-group tests, and the joint test.
enum TestReport {
  /// The groups whose own test is significant after Holm (Holm ≤ δ), marked in the forest plot.
  static func significantKeys(_ r: DisparityTestResult) -> Set<[String]> {
    Set(r.groups.filter { $0.holm <= r.delta }.map(\.key))
  }

  /// The verdict box: the decision of the first metric's test (or the joint
  /// test), its p-value, the CVaR with its interval, and the number of
  /// significantly worse groups.
  static func verdict(_ results: [DisparityTestResult], joint: JointTestSummary?) -> HTMLReport.Verdict {
    let r = results[0]
    let s = r.audit.summary, c = r.configuration.audit
    let level = Int((c.confidenceLevel * 100).rounded())
    let metric = AuditRendering.metricName(c.metric)
    let decision: String
    var rows: [(String, String)] = []
    if let joint {
      let violation = joint.pValue.value <= r.delta
      decision = "\(violation ? "Violation" : "No violation shown") at δ = \(r.delta): joint test over \(joint.metrics.map(\.description).joined(separator: ", ")), p = \(TestRendering.pValueText(joint.pValue.value))"
    } else {
      let claim = r.configuration.tolerance.map { "the CVaR of the \(metric) disparities exceeds the tolerance ε0 = \(AuditRendering.signed($0))" }
        ?? "the \(metric) differs across groups"
      decision = r.decision == .violation
        ? "Violation at δ = \(r.delta): \(claim) (\(r.statistic.rawValue) statistic, p = \(TestRendering.pValueText(r.pValue)))"
        : "No violation shown at δ = \(r.delta) (\(r.statistic.rawValue) statistic, p = \(TestRendering.pValueText(r.pValue))): the data do not show that \(claim)"
    }
    rows.append(("test", "\(r.statistic.rawValue), \(TestRendering.calibrationText(r))"))
    rows.append(("CVaR<sub>\(c.alpha)</sub> of disparities", "\(AuditRendering.signed(s.cvar)), \(level)% simultaneous interval [\(AuditRendering.signed(s.cvarInterval.lower)), \(AuditRendering.signed(s.cvarInterval.upper))]"))
    rows.append(HTMLReport.smallCellRow(r.audit))
    let holm = r.groups.filter { $0.holm <= r.delta }.count
    let bh = r.groups.filter { $0.benjaminiHochberg <= r.delta }.count
    rows.append(("significant groups", "\(AuditRendering.grouped(holm)) of \(AuditRendering.grouped(r.groups.count)) with Holm ≤ δ (family-wise), \(AuditRendering.grouped(bh)) with BH ≤ δ (false discovery rate)"))
    return HTMLReport.Verdict(
      decision: decision, rows: rows,
      note: "The interval estimates the CVaR's value; the test decides whether any disparity exists. The interval can include 0 while the test rejects: they answer different questions. Report the decision with its p-value, and the CVaR with its interval.")
  }

  static func sections(_ results: [DisparityTestResult], joint: JointTestSummary?) -> [HTMLReport.Section] {
    var sections: [HTMLReport.Section] = []
    for r in results {
      let c = r.configuration.audit
      let metric = AuditRendering.metricName(c.metric)
      let suffix = results.count > 1 ? " (\(c.metric))" : ""
      var rows: [[String]] = [
        ["statistic", r.statistic.rawValue],
        ["value", String(format: "%.6g", r.value)],
        ["p-value", TestRendering.pValueText(r.pValue)],
        ["calibration", TestRendering.calibrationText(r)],
      ]
      if let b = r.permutations { rows.append(["permutations", AuditRendering.grouped(b)]) }
      if let seed = r.seed { rows.append(["seed", "\(seed)"]) }
      if let e = r.monteCarloError { rows.append(["Monte-Carlo s.e. of p", String(format: "%.4f", e)]) }
      if let lower = r.lowerConfidenceBound {
        rows.append(["CVaR lower bound", "\(AuditRendering.signed(lower)) at \(AuditRendering.fixed(100 * (1 - r.delta), 1))%"])
      }
      rows.append(["decision at δ = \(r.delta)", r.decision.rawValue])
      rows.append(["Σ w̃ Δ² (l2 estimate)", String(format: "%.3e ± %.3e (s.e.)", r.l2Estimate.value, r.l2Estimate.standardError)])
      sections.append(HTMLReport.Section(
        title: "Disparity test\(suffix)", id: "test-result\(results.count > 1 ? "-\(c.metric)" : "")",
        note: "Test of the \(metric): '\(TestDecision.violation.rawValue)' when p ≤ δ.",
        rows: rows, highlighted: r.decision == .violation ? [rows.count - 2] : []))
      sections.append(HTMLReport.Section(
        title: "Tail groups\(suffix)", id: "tail-groups\(results.count > 1 ? "-\(c.metric)" : "")",
        note: "The groups that make up CVaR_\(c.alpha) = \(AuditRendering.signed(r.audit.summary.cvar)): the sum of their contributions λ_g Δ̂_g.",
        columns: ["group", "disparity", "tail weight", "contribution"],
        rows: r.tailGroups.map {
          [AuditRendering.displayKey($0.key), AuditRendering.signed($0.disparity), AuditRendering.fixed($0.tailWeight),
           AuditRendering.signed($0.contribution)]
        }))
      // Significant groups first (all of them), then the others in the audit's
      // order (largest disparity first), up to `HTMLReport.tableGroups` rows in all.
      let significant = r.groups.filter { $0.holm <= r.delta }
      let shown = significant + r.groups.filter { !($0.holm <= r.delta) }.prefix(max(0, HTMLReport.tableGroups - significant.count))
      let flagged = Set(0..<significant.count)
      sections.append(HTMLReport.Section(
        title: "Per-group tests\(suffix)", id: "group-tests\(results.count > 1 ? "-\(c.metric)" : "")",
        note: "Each group's own test: \(TestRendering.groupTestText(r)), Holm (family-wise error) and Benjamini–Hochberg (false discovery rate) adjusted; blue and ✱: Holm ≤ δ = \(r.delta). "
          + (shown.count < r.groups.count
            ? "The \(AuditRendering.grouped(shown.count)) shown: every group with Holm ≤ δ first, then the largest disparities; \(AuditRendering.grouped(r.groups.count - shown.count)) more in --format json."
            : "Significant groups first, then by disparity."),
        columns: ["group", "n", "rate", "disparity", "p", "Holm", "BH"],
        rows: shown.map {
          [AuditRendering.displayKey($0.key), AuditRendering.grouped($0.statistics.count), AuditRendering.fixed($0.statistics.mean),
           AuditRendering.signed($0.disparity), TestRendering.pValueText($0.pValue), TestRendering.pValueText($0.holm),
           TestRendering.pValueText($0.benjaminiHochberg)]
        },
        highlighted: flagged))
    }
    if let joint {
      let delta = results[0].delta
      sections.append(HTMLReport.Section(
        title: "Joint test over \(joint.metrics.map(\.description).joined(separator: ", "))", id: "joint-test",
        note: "Each group's disparity vector whitened by its covariance; whole rows permuted. The plots below show the first metric.",
        rows: [["statistic", "joint-whitened"], ["value", String(format: "%.6g", joint.value)],
               ["p-value", TestRendering.pValueText(joint.pValue.value)],
               ["permutations", AuditRendering.grouped(joint.pValue.permutations)],
               ["seed", "\(results[0].configuration.seed)"],
               ["decision at δ = \(delta)", (joint.pValue.value <= delta ? TestDecision.violation : .noViolation).rawValue]]))
    }
    return sections
  }
}
