/// The `summary` object of an audit's JSON document (schema version 1):
/// the audit's summary numbers, NaN and infinities as absent (JSON null).
/// Written by the Python binding (CVaRAuditFFI); its names are those of the
/// CLI's `AuditDocument.Summary` (see docs/guide/audit.md), which can use it as well.
public struct AuditSummaryDocument: Encodable, Sendable {
  public var groups: Int
  public var rows: Int
  public var blankLines: Int
  public var eligibleRows: Int
  public var overallRate: Double?
  public var referenceRate: Double?
  public var cvar: Double?
  public var `var`: Double?
  public var maxGap: Double?
  public var betweenGroupsDifference: Double?
  public var meanDisparity: Double?
  public var cvarInterval: [Double?]
  public var renyi23: Double?
  public var norm23: Double?
  public var effectiveGroups: Double?
  public var tailGroups: Int
  public var simultaneousIntervals: Int
  public var minRatio: Double?
  public var maxRatio: Double?
  /// Groups with ratio < 0.8, for the selection rate only.
  public var belowFourFifthsGroups: Int?
  /// Under a row weight: Σw over the eligible rows.
  public var eligibleWeight: Double?

  /// The summary of `result`.
  ///
  /// - Complexity: O(K) (the tail groups are counted).
  public init(_ result: AuditResult) {
    func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
    let s = result.summary
    groups = s.groups
    rows = s.rows
    blankLines = s.blankLines
    eligibleRows = s.eligibleRows
    overallRate = finite(s.overallRate)
    referenceRate = finite(s.referenceRate)
    cvar = finite(s.cvar)
    `var` = finite(s.valueAtRisk)
    maxGap = finite(s.maxGap)
    betweenGroupsDifference = finite(s.betweenGroupsDifference)
    meanDisparity = finite(s.meanDisparity)
    cvarInterval = [finite(s.cvarInterval.lower), finite(s.cvarInterval.upper)]
    renyi23 = finite(s.renyi23)
    norm23 = finite(s.norm23)
    effectiveGroups = finite(s.effectiveGroups)
    tailGroups = result.groups.filter(\.inTail).count
    simultaneousIntervals = s.simultaneousIntervals
    minRatio = finite(s.minRatio)
    maxRatio = finite(s.maxRatio)
    belowFourFifthsGroups = result.configuration.metric == .selectionRate
      ? result.groups.filter(\.belowFourFifths).count : nil
    eligibleWeight = finite(s.eligibleWeight)
  }
}
