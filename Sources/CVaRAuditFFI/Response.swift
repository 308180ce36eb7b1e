import CVaRAudit
import CVaRInference
import CVaRPlanning

/// A finite number, or nil (JSON null) for NaN and infinities.
private func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }

/// Per-group numbers travel as one buffer of doubles (NaN for an undefined
/// value), not as JSON text: a block names its columns and where they lie.
struct ColumnBlock: Encodable {
  var names: [String]
  /// Index of the first column's first value in the buffer.
  var offset: Int
  /// Values per column (the number of groups).
  var count: Int
}

/// The buffer the blocks point into.
final class NumberSink {
  var values: [Double] = []

  func block(count: Int, _ columns: KeyValuePairs<String, [Double]>,
             _ more: [(String, [Double])] = []) -> ColumnBlock {
    let offset = values.count
    let all = columns.map { ($0.key, $0.value) } + more
    for (_, column) in all {
      precondition(column.count == count, "one value per group")
      values.append(contentsOf: column)
    }
    return ColumnBlock(names: all.map(\.0), offset: offset, count: count)
  }
}

/// An audit, column by column (one array per field, one entry per group in
/// the audit's order): what the Python layer turns into a DataFrame and into
/// the CLI's JSON document (whose field names the summary keeps).
struct AuditColumns: Encodable {
  struct Groups: Encodable {
    var key: [[String]]
    /// n, sum, rate, ciLow, ciHigh, disparity, disparityLow, disparityHigh, weight, tailWeight,
    /// ratio, belowFourFifths (1 or 0; NaN unless the selection rate), and tn, fp, fn, tp (NaN without labels and predictions).
    var numbers: ColumnBlock
  }
  struct Excluded: Encodable {
    var total: Int
    var byReason: [String: Int]
  }
  var metric: String
  var alpha: Double
  var groupBy: [String]
  var weights: String
  var disparity: String
  /// higher, lower (one-sided) or either (two-sided), as the CLI's document.
  var worse: String
  var reference: String
  var confidenceLevel: Double
  var interval: String
  var simultaneousInterval: String
  var groups: Groups
  var groupsWithoutRate: [[String]]
  var summary: AuditSummaryDocument
  var excludedRows: Excluded
  /// The row-weight column, with `sample_weight=` (the CLI's `sampleWeight`).
  var sampleWeight: String?
  /// The CLI document's verdict.
  var verdict: Verdict

  init(_ r: AuditResult, numbers sink: NumberSink, sampleWeight: String? = nil) {
    self.sampleWeight = sampleWeight
    let c = r.configuration, g = r.groups
    metric = c.metric.description
    alpha = c.alpha
    groupBy = r.attributes
    weights = c.weighting.description
    disparity = c.disparity.isOneSided ? "one-sided" : "two-sided"
    worse = c.disparity.worse?.rawValue ?? "either"
    reference = c.reference.description
    confidenceLevel = c.confidenceLevel
    interval = c.intervalMethod.rawValue
    simultaneousInterval = c.simultaneousMethod.rawValue
    groups = Groups(key: g.map(\.key), numbers: sink.block(count: g.count, [
      "n": g.map { Double($0.statistics.count) }, "sum": g.map(\.statistics.sum), "rate": g.map(\.rate),
      "ciLow": g.map(\.confidenceInterval.lower), "ciHigh": g.map(\.confidenceInterval.upper),
      "disparity": g.map(\.disparity), "disparityLow": g.map(\.disparityInterval.lower),
      "disparityHigh": g.map(\.disparityInterval.upper), "weight": g.map(\.weight), "tailWeight": g.map(\.tailWeight),
      "ratio": g.map(\.ratio), "belowFourFifths": g.map { c.metric != .selectionRate ? .nan : $0.belowFourFifths ? 1 : 0 },
    ], confusionColumns(g.map { $0 })
       + (sampleWeight == nil ? [] : [("weightSum", g.map { $0.weighted?.weight ?? .nan }),
                                      ("effectiveN", g.map { $0.weighted?.effectiveCount ?? .nan })])))
    groupsWithoutRate = r.groupsWithoutRate
    summary = AuditSummaryDocument(r)
    excludedRows = Excluded(total: r.excluded.total, byReason: r.excluded.byReason)
    verdict = .audit(r)
  }
}

/// The confusion counts as columns (NaN for a group without them).
func confusionColumns(_ g: [GroupResult?]) -> [(String, [Double])] {
  func column(_ f: (ConfusionCounts) -> Int) -> [Double] { g.map { $0?.confusion.map { Double(f($0)) } ?? .nan } }
  return [("tn", column(\.trueNegatives)), ("fp", column(\.falsePositives)),
          ("fn", column(\.falseNegatives)), ("tp", column(\.truePositives))]
}

/// A disparity test, with the per-group tests column by column and the audit
/// it rests on.
struct TestColumns: Encodable {
  struct Groups: Encodable {
    var key: [[String]]
    /// n, rate, disparity, pValue, holm, benjaminiHochberg, ratio, tn, fp, fn, tp.
    var numbers: ColumnBlock
  }
  struct Tail: Encodable {
    var key: [[String]]
    var disparity: [Double?]
    var tailWeight: [Double]
    var contribution: [Double?]
  }
  struct L2: Encodable {
    var value: Double?
    var standardError: Double?
  }
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
  /// What the per-group p-values test (the CLI's groupTest object).
  var groupTest: [String: String]
  var l2Estimate: L2
  var tailGroups: Tail
  var groups: Groups
  var groupsWithoutVariance: [[String]]
  var audit: AuditColumns
  /// The CLI document's verdict (the audit's small-cell check is in audit.summary.smallCells).
  var verdict: Verdict

  init(_ r: DisparityTestResult, numbers sink: NumberSink) {
    metric = r.configuration.audit.metric.description
    statistic = r.statistic.rawValue
    value = finite(r.value)
    pValue = finite(r.pValue)
    calibration = r.calibration.rawValue
    permutations = r.permutations
    seed = r.seed
    monteCarloError = r.monteCarloError
    delta = r.delta
    decision = r.decision.rawValue
    tolerance = r.tolerance
    lowerConfidenceBound = r.lowerConfidenceBound.flatMap(finite)
    boundVariance = r.boundVariance.flatMap(finite)
    boundMean = r.boundMean.flatMap(finite)
    let kind = r.configuration.audit.disparity
    groupTest = ["null": r.groupTest.null, "method": r.groupTest.method,
                 "alternative": kind == .oneSided ? "greater" : kind == .oneSidedLower ? "less" : "two-sided"]
    l2Estimate = L2(value: finite(r.l2Estimate.value), standardError: finite(r.l2Estimate.standardError))
    let t = r.tailGroups
    tailGroups = Tail(key: t.map(\.key), disparity: t.map { finite($0.disparity) }, tailWeight: t.map(\.tailWeight),
                      contribution: t.map { finite($0.contribution) })
    let g = r.groups
    // The CLI takes each group's ratio and confusion counts from the audit.
    let audited = Dictionary(r.audit.groups.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    let matched = g.map { audited[$0.key] }
    groups = Groups(key: g.map(\.key), numbers: sink.block(count: g.count, [
      "n": g.map { Double($0.statistics.count) }, "rate": g.map(\.statistics.mean), "disparity": g.map(\.disparity),
      "pValue": g.map(\.pValue), "holm": g.map(\.holm), "benjaminiHochberg": g.map(\.benjaminiHochberg),
    ], [("ratio", matched.map { $0?.ratio ?? .nan })] + confusionColumns(matched)))
    groupsWithoutVariance = r.groupsWithoutVariance
    audit = AuditColumns(r.audit, numbers: sink)
    verdict = .test(r)
  }
}

/// A sample plan (with the group labels and sizes it was computed from).
struct PlanColumns: Encodable {
  struct Bound: Encodable {
    var samples: Int?
    var formula: String
    var allocation: [Double]
    var designFactor: Double
  }
  struct Detectable: Encodable {
    var samples: Int
    var maxGap: Double?
    var cvarIID: Double?
    var cvarStratified: Double?
    var twoStage: Double?
  }
  var groups: [[String]]
  var shares: [Double]
  var weights: [Double]
  var alpha: Double
  var epsilon: Double
  var delta: Double
  var power: Double
  /// The base rate b and σ² = b(1 − b) the sizes assume.
  var baseRate: Double
  var nullVariance: Double
  /// normal or cantelli, and what that means (the CLI's "Sizes:" line).
  var boundMethod: String
  var boundLabel: String
  var renyi23: Double?
  var norm23: Double?
  var effectiveGroups: Double?
  var maxGap: Bound
  var cvarIID: Bound
  var cvarStratified: Bound
  var twoStage: Bound
  var twoStageGroups: Int?
  var twoStageRowsPerGroup: Int?
  var twoStageSplitConstant: Double
  /// Whole rows per group; nil where the size is not representable (not reachable).
  var stratifiedRows: [Int?]
  var detectable: Detectable?
  /// Allocations that ask a group for more rows than the data has (`PlanChecks.warnings`).
  var warnings: [String]
  /// The base rate in the metric's own scale (`baseRate` is the planner's: 1 − b when lower is worse).
  var metricBaseRate: Double
  /// With `planOnMetric`: what the sizes count, and the sizes in total rows (`plan --metric`'s `eligible`).
  var eligible: PlanEligibility.Summary<[Int?]>?

  init(_ plan: SamplePlan, groups: [[String]], detectable d: DetectableEpsilon?, warnings: [String],
       metricBaseRate: Double, eligibility e: PlanEligibility?) {
    func bound(_ b: SampleSizeBound) -> Bound {
      Bound(samples: b.samples, formula: b.formula, allocation: b.allocation, designFactor: b.designFactor)
    }
    let p = plan.problem
    self.groups = groups
    shares = p.shares
    weights = p.weights
    alpha = p.alpha
    epsilon = p.epsilon
    delta = p.delta
    power = p.power
    baseRate = p.baseRate
    nullVariance = p.nullVariance
    boundMethod = p.bound.rawValue
    boundLabel = p.bound.label
    renyi23 = finite(plan.renyi23)
    norm23 = finite(plan.norm23)
    effectiveGroups = finite(plan.effectiveGroups)
    maxGap = bound(plan.maxGap)
    cvarIID = bound(plan.cvarIID)
    cvarStratified = bound(plan.cvarStratified)
    twoStage = bound(plan.twoStage)
    twoStageGroups = SamplePlanner.wholeRows(plan.twoStageDesign.groups)
    twoStageRowsPerGroup = SamplePlanner.wholeRows(plan.twoStageDesign.rowsPerGroup)
    twoStageSplitConstant = plan.twoStageDesign.splitConstant
    stratifiedRows = plan.stratifiedRows.map(SamplePlanner.wholeRows)
    // A detectable ε above 1 − b is one no group can show: null, as in `plan --samples`.
    func reachable(_ x: Double) -> Double? { finite(x).flatMap { $0 <= 1 - p.baseRate ? $0 : nil } }
    self.metricBaseRate = metricBaseRate
    eligible = e.map { PlanEligibility.Summary($0, totalRows: $0.totalRows(plan)) }
    detectable = d.map {
      Detectable(samples: $0.samples, maxGap: reachable($0.maxGap), cvarIID: reachable($0.cvarIID),
                 cvarStratified: reachable($0.cvarStratified), twoStage: reachable($0.twoStage))
    }
    self.warnings = warnings
  }
}

/// What the Python monitor needs to know of a metric to turn rows into
/// observations (`cvar-audit monitor` does the same from the CSV): its name,
/// its worse side, and each confusion cell's loss (index 2y + ŷ; null: the
/// row is not eligible), from `Metric.indicator`.
struct MetricDescription: Encodable {
  var metric: String
  var worse: String
  var isBinary: Bool
  var needsLabel: Bool
  var cellLosses: [Double?]?

  init(_ m: Metric) {
    metric = m.description
    worse = m.defaultWorse.rawValue
    isBinary = m.isBinary
    needsLabel = m.needsLabel
    cellLosses = m.isBinary ? (0..<4).map { m.indicator(label: UInt8($0 >> 1), prediction: UInt8($0 & 1)) } : nil
  }
}
