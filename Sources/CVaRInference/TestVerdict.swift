import CVaRAudit

extension Verdict {
  /// The verdict of a test: the CVaR with its 1 − δ simultaneous interval,
  /// the null tested and how, the decision at δ with its p-value, and the
  /// groups whose own test is significant after Holm and after
  /// Benjamini–Hochberg.
  ///
  /// - Complexity: O(K).
  public static func test(_ r: DisparityTestResult) -> Verdict {
    let c = r.configuration.audit
    let metric = c.metric.displayName
    let p = r.pValue.isFinite ? (r.pValue < 1e-4 ? String(format: "%.2e", r.pValue) : String(format: "%.4f", r.pValue)) : "—"
    let how: String
    switch r.calibration {
    case .permutation: how = "permutation, B = \(grouped(r.permutations ?? 0))"
    case .bound: how = "Cantelli bound, no resampling"
    case .tolerance: how = "simultaneous lower bound"
    }
    let null = r.tolerance.map { "CVaR_\(c.alpha) of the disparities ≤ ε0 = \(signed($0))" } ?? "the \(metric) does not depend on the group"
    let decision = r.decision == .violation
      ? "Decision at δ = \(r.delta) (δ: test level): violation, p = \(p) ≤ δ: the data show that \(r.tolerance == nil ? "the \(metric) differs across groups" : "the CVaR exceeds ε0")."
      : "Decision at δ = \(r.delta) (δ: test level): no violation shown, p = \(p) > δ."
    let tested = r.groups.filter { !$0.pValue.isNaN }
    let holm = tested.filter { $0.holm <= r.delta }.count
    let bh = tested.filter { $0.benjaminiHochberg <= r.delta }.count
    let worse = c.disparity.isOneSided ? "worse" : "different"
    let significance = tested.isEmpty
      ? "Significantly \(worse) groups: not tested (no per-group p-values for a loss from aggregates)."
      : "Significantly \(worse) groups: \(grouped(holm)) of \(grouped(r.groups.count)) with Holm ≤ δ (family-wise error), \(grouped(bh)) with Benjamini–Hochberg ≤ δ (false discovery rate); each group's own test against the reference."
    return Verdict(
      estimated: estimate(r.audit),
      tested: "Tested: H0: \(null) (\(r.statistic.rawValue) statistic, \(how)).",
      decision: decision, significantGroups: holm, significance: significance, note: differentNulls)
  }
}
