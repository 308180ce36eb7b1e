import Foundation

/// The plain-language verdict at the top of `audit` and `test` output (and
/// its `verdict` object in JSON): what was estimated, what was tested, the
/// decision at δ, how many groups are significantly worse, and why the
/// CVaR's interval and the test can disagree.
public struct Verdict: Hashable, Sendable, Encodable {
  /// What was estimated: the CVaR and its simultaneous interval.
  public var estimated: String
  /// What was tested (for `audit`: that it does not test, and what `test` would).
  public var tested: String
  /// The decision at δ.
  public var decision: String
  /// Groups significantly worse (different, for a two-sided disparity) than the reference.
  public var significantGroups: Int
  /// That count in words, with what "significant" means here.
  public var significance: String
  /// Why the interval can include 0 while the test rejects.
  public var note: String

  public init(estimated: String, tested: String, decision: String, significantGroups: Int,
              significance: String, note: String) {
    self.estimated = estimated
    self.tested = tested
    self.decision = decision
    self.significantGroups = significantGroups
    self.significance = significance
    self.note = note
  }

  /// The lines of the text output.
  public var lines: [String] { [estimated, tested, decision, significance, note] }

  /// The note both commands carry (the two answer different questions).
  public static let differentNulls = "Why the CVaR interval can include 0 while `test` rejects: different nulls. The interval must cover the CVaR's value with every group's noise at once (simultaneous over all groups); the test only needs evidence against H0 (rates equal across groups, or CVaR ≤ ε0). Report the test's decision with its p-value (is there a disparity?) and the CVaR with its interval (how large?)."

  /// "+0.1234" (4 decimals, signed); "—" when not finite.
  public static func signed(_ x: Double) -> String { x.isFinite ? String(format: "%+.4f", x) : "—" }

  /// "95" or "99.9": a confidence level in percent.
  public static func percent(_ level: Double) -> String {
    let p = 100 * level
    return p == p.rounded() ? String(Int(p)) : String(format: "%.1f", p)
  }

  /// "3,163".
  public static func grouped(_ n: Int) -> String {
    let formatter = NumberFormatter()
    formatter.numberStyle = .decimal
    formatter.groupingSeparator = ","
    formatter.usesGroupingSeparator = true
    return formatter.string(from: NSNumber(value: n)) ?? String(n)
  }

  /// What an audit estimated: "CVaR_0.1 = +0.61, the mean one-sided disparity of … ; 95% simultaneous interval […]".
  public static func estimate(_ r: AuditResult) -> String {
    let c = r.configuration, s = r.summary
    let side = c.disparity.isOneSided ? "one-sided" : "two-sided"
    return "Estimated: CVaR_\(c.alpha) = \(signed(s.cvar)), the mean \(side) disparity of the \(c.metric.displayName) over the worst α = \(c.alpha) (α: tail share) of group weight, "
      + "against the \(referenceText(r)); \(percent(c.confidenceLevel))% simultaneous interval [\(signed(s.cvarInterval.lower)), \(signed(s.cvarInterval.upper))]."
  }

  static func referenceText(_ r: AuditResult) -> String {
    let rate = String(format: "%.4f", r.summary.referenceRate)
    switch r.configuration.reference {
    case .pooled: return "pooled rate \(rate)"
    case .value: return "fixed rate \(rate)"
    case .group(let key): return "rate of the group \(key.joined(separator: " | ")), \(rate)"
    }
  }

  /// The verdict of an audit (no test): the CVaR's interval against 0 at
  /// δ = 1 − confidence level, and the groups whose simultaneous disparity
  /// interval lies wholly above 0.
  ///
  /// - Complexity: O(K).
  public static func audit(_ r: AuditResult) -> Verdict {
    let c = r.configuration, s = r.summary
    let delta = (1 - c.confidenceLevel)
    let deltaText = String(format: "%g", (delta * 1e12).rounded() / 1e12)
    let level = percent(c.confidenceLevel)
    let decision = s.cvarInterval.lower > 0
      ? "Decision at δ = \(deltaText) (1 − confidence level): the interval lies above 0, so the worst groups' mean disparity is positive at \(level)% simultaneous confidence."
      : "Decision at δ = \(deltaText) (1 − confidence level): the interval includes 0, so this estimate alone does not show a disparity; `cvar-audit test` decides with a type I error guarantee."
    let significant = r.groups.filter { $0.disparityInterval.lower > 0 }.count
    let worse = c.disparity.isOneSided ? "worse than" : "different from"
    return Verdict(
      estimated: estimate(r),
      tested: "Tested: nothing (audit estimates); `cvar-audit test` tests H0: the \(c.metric.displayName) does not depend on the group, at δ (test level).",
      decision: decision, significantGroups: significant,
      significance: "Significantly \(worse) the reference: \(grouped(significant)) of \(grouped(r.groups.count)) groups (their simultaneous \(level)% disparity interval lies above 0; family-wise over all groups).",
      note: differentNulls)
  }
}
