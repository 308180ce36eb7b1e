import CVaRAudit
import Foundation

/// `plan --metric`: the plan counts the rows eligible for the metric (the
/// positives for fnr, the negatives for fpr, …), and converts each size to
/// total rows with the eligible share e: a design that needs n eligible rows
/// needs about n/e rows in all when the rows are drawn without regard to the
/// label (i.i.d.), and Σ_g n_g/e_g when group g's rows are drawn from group g
/// (stratified; e_g its own eligible share, when the data gives it).
public struct PlanEligibility: Hashable, Sendable {
  public var metric: Metric
  /// The direction in which the metric is worse (the planner works on the
  /// loss in that direction: 1 − rate when lower is worse).
  public var worse: WorseDirection
  /// Share of all rows that are eligible, e = Σ eligible / Σ rows.
  public var share: Double
  /// Each group's eligible share e_g (nil without data).
  public var groupShares: [Double]?
  /// The metric's pooled rate over the eligible rows (nil without data).
  public var observedRate: Double?
  /// Groups with rows but no eligible row: left out of the plan.
  public var groupsLeftOut: Int

  public init(metric: Metric, worse: WorseDirection, share: Double, groupShares: [Double]?, observedRate: Double?,
              groupsLeftOut: Int) {
    self.metric = metric
    self.worse = worse
    self.share = share
    self.groupShares = groupShares
    self.observedRate = observedRate
    self.groupsLeftOut = groupsLeftOut
  }

  /// What the eligible rows are, in the plural: "positives" for fnr.
  public var noun: String { Self.noun(metric) }

  /// The noun alone, for a column header: "positives".
  public var shortNoun: String { String(noun.prefix { $0 != "(" }).trimmingCharacters(in: .whitespaces) }

  public static func noun(_ metric: Metric) -> String {
    switch metric {
    case .falseNegativeRate, .truePositiveRate: "positives (y = 1)"
    case .falsePositiveRate, .trueNegativeRate: "negatives (y = 0)"
    case .positivePredictiveValue, .falseDiscoveryRate: "predicted positives (ŷ = 1)"
    case .negativePredictiveValue, .falseOmissionRate: "predicted negatives (ŷ = 0)"
    case .errorRate, .accuracy, .selectionRate: "rows"
    case .loss: "rows with a loss"
    }
  }

  /// Whether every row is eligible (error, accuracy, selection rate): the sizes are then total rows already.
  public static func countsEveryRow(_ metric: Metric) -> Bool {
    switch metric {
    case .errorRate, .accuracy, .selectionRate, .loss: true
    default: false
    }
  }

  /// Total rows for n eligible rows drawn i.i.d. from the population: n/e.
  public func totalRows(iid n: Double) -> Double { (n / share).rounded(.up) }

  /// Total rows for eligible rows n_g drawn from each group g: Σ_g ⌈n_g/e_g⌉
  /// (e_g = e without data).
  public func totalRows(perGroup rows: [Double]) -> Double {
    rows.indices.reduce(0) { total, g in total + (rows[g] / (groupShares?[g] ?? share)).rounded(.up) }
  }

  /// Total rows for the two-stage design, J groups drawn from w and m
  /// eligible rows from each: J·m·Σ_g w_g/e_g in expectation (J·m/e without data).
  public func totalRows(twoStage design: TwoStageDesign, weights w: [Double]) -> Double {
    let inverse = groupShares.map { e in w.indices.reduce(0) { $0 + w[$1] / e[$1] } } ?? 1 / share
    return (design.samples * inverse).rounded(.up)
  }

  /// Each design's size in total rows (nil: not representable), in the order
  /// of `PlanChecks.designNames`.
  ///
  /// - Complexity: O(K) for K groups.
  public func totalRows(_ plan: SamplePlan) -> [Int?] {
    [totalRows(iid: plan.maxGap.rows), totalRows(iid: plan.cvarIID.rows), totalRows(perGroup: plan.stratifiedRows),
     totalRows(twoStage: plan.twoStageDesign, weights: plan.problem.weights)].map(SamplePlanner.wholeRows)
  }

  /// The groups of a table that have rows eligible for `metric`, and what they stand for.
  public struct EligibleGroups: Hashable, Sendable {
    /// Indices in the table of the groups with at least one eligible row.
    public var kept: [Int]
    /// Their eligible rows.
    public var eligible: [Int]
    /// All eligible rows, and all rows of the kept groups.
    public var eligibleRows: Int
    public var totalRows: Int
    public var eligibility: PlanEligibility
  }

  /// The eligible rows of each group of `table` for `metric`: the plan's
  /// shares are those counts, its base rate their pooled rate, and the
  /// groups with rows but none eligible are left out (counted).
  ///
  /// - Complexity: O(K) for K groups.
  public static func groups(of table: GroupTable, metric: Metric) -> EligibleGroups {
    let statistics = table.statistics(for: metric)
    let rows = (0..<table.groupCount).map { table.rowCount(group: $0) }
    let kept = statistics.indices.filter { statistics[$0].count > 0 }
    let eligible = kept.map { statistics[$0].count }
    let pooled = kept.reduce(SufficientStatistics()) { $0 + statistics[$1] }
    let totalRows = kept.reduce(0) { $0 + rows[$1] }
    let eligibility = PlanEligibility(
      metric: metric, worse: metric.defaultWorse, share: totalRows > 0 ? Double(pooled.count) / Double(totalRows) : .nan,
      groupShares: kept.map { Double(statistics[$0].count) / Double(rows[$0]) }, observedRate: pooled.mean,
      groupsLeftOut: table.groupCount - kept.count)
    return EligibleGroups(kept: kept, eligible: eligible, eligibleRows: pooled.count, totalRows: totalRows,
                          eligibility: eligibility)
  }

  /// What a plan on this metric counts, for a JSON document (`plan --metric`'s
  /// `eligible`): the same members in the CLI and the Python package, the
  /// sizes in total rows in the caller's shape.
  public struct Summary<Sizes: Encodable>: Encodable {
    public var metric: String
    public var rows: String
    public var worse: String
    public var share: Double
    public var observedRate: Double?
    public var groupsLeftOut: Int
    public var totalRows: Sizes

    public init(_ e: PlanEligibility, totalRows: Sizes) {
      metric = e.metric.description
      rows = e.noun
      worse = e.worse.rawValue
      share = e.share
      observedRate = e.observedRate
      groupsLeftOut = e.groupsLeftOut
      self.totalRows = totalRows
    }
  }
}
