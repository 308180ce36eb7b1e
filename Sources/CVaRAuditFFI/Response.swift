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

  func block(count: Int, _ columns: KeyValuePairs<String, [Double]>) -> ColumnBlock {
    let offset = values.count
    for (_, column) in columns {
      precondition(column.count == count, "one value per group")
      values.append(contentsOf: column)
    }
    return ColumnBlock(names: columns.map(\.key), offset: offset, count: count)
  }
}

/// An audit, column by column (one array per field, one entry per group in
/// the audit's order): what the Python layer turns into a DataFrame and into
/// the CLI's JSON document (whose field names the summary keeps).
struct AuditColumns: Encodable {
  struct Groups: Encodable {
    var key: [[String]]
    /// n, sum, rate, ciLow, ciHigh, disparity, disparityLow, disparityHigh, weight, tailWeight.
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
  var reference: String
  var confidenceLevel: Double
  var interval: String
  var simultaneousInterval: String
  var groups: Groups
  var groupsWithoutRate: [[String]]
  var summary: AuditSummaryDocument
  var excludedRows: Excluded

  init(_ r: AuditResult, numbers sink: NumberSink) {
    let c = r.configuration, g = r.groups
    metric = c.metric.description
    alpha = c.alpha
    groupBy = r.attributes
    weights = c.weighting.description
    disparity = c.disparity.rawValue
    reference = c.reference.description
    confidenceLevel = c.confidenceLevel
    interval = c.intervalMethod.rawValue
    simultaneousInterval = c.simultaneousMethod.rawValue
    groups = Groups(key: g.map(\.key), numbers: sink.block(count: g.count, [
      "n": g.map { Double($0.statistics.count) }, "sum": g.map(\.statistics.sum), "rate": g.map(\.rate),
      "ciLow": g.map(\.confidenceInterval.lower), "ciHigh": g.map(\.confidenceInterval.upper),
      "disparity": g.map(\.disparity), "disparityLow": g.map(\.disparityInterval.lower),
      "disparityHigh": g.map(\.disparityInterval.upper), "weight": g.map(\.weight), "tailWeight": g.map(\.tailWeight),
    ]))
    groupsWithoutRate = r.groupsWithoutRate
    summary = AuditSummaryDocument(r)
    excludedRows = Excluded(total: r.excluded.total, byReason: r.excluded.byReason)
  }
}

/// A disparity test, with the per-group tests column by column and the audit
/// it rests on.
struct TestColumns: Encodable {
  struct Groups: Encodable {
    var key: [[String]]
    /// n, rate, disparity, pValue, holm, benjaminiHochberg.
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
  var l2Estimate: L2
  var tailGroups: Tail
  var groups: Groups
  var groupsWithoutVariance: [[String]]
  var audit: AuditColumns

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
    l2Estimate = L2(value: finite(r.l2Estimate.value), standardError: finite(r.l2Estimate.standardError))
    let t = r.tailGroups
    tailGroups = Tail(key: t.map(\.key), disparity: t.map { finite($0.disparity) }, tailWeight: t.map(\.tailWeight),
                      contribution: t.map { finite($0.contribution) })
    let g = r.groups
    groups = Groups(key: g.map(\.key), numbers: sink.block(count: g.count, [
      "n": g.map { Double($0.statistics.count) }, "rate": g.map(\.statistics.mean), "disparity": g.map(\.disparity),
      "pValue": g.map(\.pValue), "holm": g.map(\.holm), "benjaminiHochberg": g.map(\.benjaminiHochberg),
    ]))
    groupsWithoutVariance = r.groupsWithoutVariance
    audit = AuditColumns(r.audit, numbers: sink)
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

  init(_ plan: SamplePlan, groups: [[String]], detectable d: DetectableEpsilon?) {
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
    detectable = d.map {
      Detectable(samples: $0.samples, maxGap: finite($0.maxGap), cvarIID: finite($0.cvarIID),
                 cvarStratified: finite($0.cvarStratified), twoStage: finite($0.twoStage))
    }
  }
}
