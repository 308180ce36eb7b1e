import CVaRAudit
import CVaRInference

/// The sections a `test --report` adds to the audit report: each metric's
/// test result, its CVaR tail, the per-group tests, and the joint test.
enum TestReport {
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
      let side = c.disparity.isOneSided ? "one-sided" : "two-sided"
      let kind = c.metric.isBinary ? "exact hypergeometric" : "permutation"
      let flagged = Set(r.groups.indices.filter { r.groups[$0].holm <= r.delta })
      sections.append(HTMLReport.Section(
        title: "Per-group tests\(suffix)", id: "group-tests\(results.count > 1 ? "-\(c.metric)" : "")",
        note: "Each group against the rest: \(side) \(kind) p-values, Holm (family-wise error) and Benjamini–Hochberg (false discovery rate) adjusted; red: Holm ≤ δ = \(r.delta).",
        columns: ["group", "n", "rate", "disparity", "p", "Holm", "BH"],
        rows: r.groups.map {
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
