import CVaRAudit
import CVaRPlanning

/// The groups `plan` sizes an audit for, and, with `--metric`, the eligible
/// rows of that metric they stand for.
struct PlanGroups {
  /// The groups' labels (values joined by " | ", as the other commands print them).
  var labels: [String]
  /// Population shares: of the eligible rows with `--metric`, of all rows otherwise.
  var shares: [Double]
  /// Where the groups came from, for the output.
  var source: String
  /// Rows each group has in the data (eligible rows with `--metric`); nil
  /// when the groups come from --num-groups or --shares.
  var available: [Int]?
  /// With `--metric`: what the plan's rows are.
  var eligibility: PlanEligibility?
}

/// `plan --metric`: the plan counts the rows eligible for the metric (the
/// positives for fnr, the negatives for fpr, …), and converts each size to
/// total rows with the eligible share e: a design that needs n eligible rows
/// needs about n/e rows in all when the rows are drawn without regard to the
/// label (i.i.d.), and Σ_g n_g/e_g when group g's rows are drawn from group g
/// (stratified; e_g its own eligible share, when the data gives it).
struct PlanEligibility {
  var metric: Metric
  /// The direction in which the metric is worse (the planner works on the
  /// loss in that direction: 1 − rate when lower is worse).
  var worse: WorseDirection
  /// Share of all rows that are eligible, e = Σ eligible / Σ rows.
  var share: Double
  /// Each group's eligible share e_g (nil without data).
  var groupShares: [Double]?
  /// The metric's pooled rate over the eligible rows (nil without data).
  var observedRate: Double?
  /// Groups with rows but no eligible row: left out of the plan.
  var groupsLeftOut: Int

  /// What the eligible rows are, in the plural: "positives" for fnr.
  var noun: String { Self.noun(metric) }

  /// The noun alone, for a column header: "positives".
  var shortNoun: String { String(noun.prefix { $0 != "(" }).trimmingCharacters(in: " ") }

  static func noun(_ metric: Metric) -> String {
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
  static func countsEveryRow(_ metric: Metric) -> Bool {
    switch metric {
    case .errorRate, .accuracy, .selectionRate, .loss: true
    default: false
    }
  }

  /// Total rows for n eligible rows drawn i.i.d. from the population: n/e.
  func totalRows(iid n: Double) -> Double { (n / share).rounded(.up) }

  /// Total rows for eligible rows n_g drawn from each group g: Σ_g ⌈n_g/e_g⌉
  /// (e_g = e without data).
  func totalRows(perGroup rows: [Double]) -> Double {
    rows.indices.reduce(0) { total, g in total + (rows[g] / (groupShares?[g] ?? share)).rounded(.up) }
  }

  /// Total rows for the two-stage design, J groups drawn from w and m
  /// eligible rows from each: J·m·Σ_g w_g/e_g in expectation (J·m/e without data).
  func totalRows(twoStage design: TwoStageDesign, weights w: [Double]) -> Double {
    let inverse = groupShares.map { e in w.indices.reduce(0) { $0 + w[$1] / e[$1] } } ?? 1 / share
    return (design.samples * inverse).rounded(.up)
  }
}
