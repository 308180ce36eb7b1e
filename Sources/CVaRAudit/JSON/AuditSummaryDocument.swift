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
  /// The small-cell check and the empirical-Bayes CVaR (`SmallCellSummary`).
  public var smallCells: SmallCellsDocument

  /// The `smallCells` object of the summary.
  public struct SmallCellsDocument: Encodable, Sendable {
    /// Groups with n < size rows are small.
    public var size: Int
    /// The warning's threshold on tailShare.
    public var share: Double
    public var smallGroups: Int
    /// Σ λ_g over the small groups.
    public var tailShare: Double
    public var warning: Bool
    /// CVaR of the posterior-mean disparities, with the beta prior (mean, concentration a + b); absent
    /// for a loss metric, under row weights, or when the prior has no maximiser.
    public var shrunkenCvar: Double?
    public var priorMean: Double?
    public var priorConcentration: Double?

    public init(_ s: SmallCellSummary) {
      size = s.rule.size
      share = s.rule.share
      smallGroups = s.smallGroups
      tailShare = s.tailShare
      warning = s.warning
      shrunkenCvar = s.shrunkenCVaR.isFinite ? s.shrunkenCVaR : nil
      priorMean = s.prior?.mean
      priorConcentration = s.prior?.concentration
    }
  }

  /// The summary of `result`; `smallCells` when the caller has it already.
  ///
  /// - Complexity: O(K) (the tail groups are counted), plus `SmallCellSummary` when not given.
  public init(_ result: AuditResult, smallCells: SmallCellSummary? = nil) {
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
    self.smallCells = SmallCellsDocument(smallCells ?? SmallCellSummary(result))
  }
}
