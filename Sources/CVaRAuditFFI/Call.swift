import CVaRAudit
import CVaRInference
import CVaRPlanning

/// One call from Python: decode the request, aggregate the columns, run the
/// library, encode the result. Every failure is a thrown error (its text is
/// the Python exception's message); nothing here traps on user input.
enum Call {
  /// - Returns: the result's JSON text; per-group numbers go to `numbers`.
  static func run(_ request: Request, columns: InMemoryColumns, numbers: NumberSink) throws -> String {
    switch request.command {
    case "audit":
      let configuration = try request.auditConfiguration()
      if columns.weights != nil && !configuration.metric.isBinary {
        throw ColumnError(description: "sample_weight applies to binary metrics (error, fnr, tpr, …), not \(configuration.metric)")
      }
      let table = try aggregate(request, columns: columns, metric: configuration.metric, keepRows: false).table
      do {
        return try SortedJSONEncoder.encode(AuditColumns(try DisparityAudit.run(table, configuration: configuration),
                                                           numbers: numbers,
                                                           sampleWeight: columns.weights == nil ? nil : request.sampleWeightColumn ?? "sample_weight"))
      } catch let error as AuditError {
        throw ColumnError(description: error.description)
      }
    case "test":
      if columns.weights != nil {
        throw ColumnError(description: "sample_weight: the tests (permutation, bound, tolerance) assume unweighted rows exchangeable across groups; their p-values are not valid under row weights. Use audit(sample_weight=...) for the weighted estimates, and test without it for a test of the unweighted counts")
      }
      let configuration = try request.testConfiguration()
      let metric = configuration.audit.metric
      let loaded = try aggregate(request, columns: columns, metric: metric,
                                 keepRows: !metric.isBinary && configuration.calibration == .permutation)
      do {
        let result = try DisparityTest.run(loaded.table, configuration: configuration, lossRows: loaded.lossRows)
        return try SortedJSONEncoder.encode(TestColumns(result, numbers: numbers))
      } catch let error as AuditError {
        throw ColumnError(description: error.description)
      } catch let error as DisparityTestError {
        throw ColumnError(description: error.description)
      }
    case "plan":
      if let b = request.baseRate, !(b >= 0 && b < 1) {
        throw ColumnError(description: "base_rate must lie in [0, 1) (got \(b))")
      }
      var groups: [[String]]
      var shares: [Double]
      // The rows each group has, when the groups come from data: the
      // allocation warnings compare the plan with them, as `plan --input` does.
      var available: [Int]?
      var eligibility: PlanEligibility?
      if let given = request.shares {
        shares = given
        groups = (1...max(1, given.count)).map { [String($0)] }
        if given.isEmpty { groups = [] }
      } else if request.planOnMetric {
        // `plan --metric`: the groups' eligible rows are the shares and the sizes.
        let metric = try request.parsedMetric
        let table = try aggregate(request, columns: columns, metric: metric, keepRows: false).table
        let found = PlanEligibility.groups(of: table, metric: metric)
        guard found.kept.count >= 2 else {
          throw ColumnError(description: "\(NumberText.counted(found.kept.count, "group")) with \(PlanEligibility.noun(metric)) for \(metric); planning needs at least 2")
        }
        groups = found.kept.map { table.keys[$0] }
        shares = found.eligible.map(Double.init)
        available = found.eligible
        eligibility = found.eligibility
      } else {
        guard !columns.attributes.isEmpty else { throw ColumnError(description: "plan needs the data's groups or shares") }
        let table = try columns.aggregate(missing: try request.missingPolicy, keepRowGroups: false).table
        groups = table.keys
        let rows = (0..<table.groupCount).map { table.rowCount(group: $0) }
        shares = rows.map(Double.init)
        available = rows
      }
      // The base rate in the metric's scale, and the planner's (1 − b when lower is worse), as `plan`.
      let lowerIsWorse = eligibility?.worse == .lower
      let b = request.baseRate ?? eligibility?.observedRate ?? 0.5
      let plannerRate = lowerIsWorse ? 1 - b : b
      let metricName = eligibility.map { "\($0.metric)" }
      guard plannerRate < 1 else {
        throw ColumnError(description: "not detectable: the base rate b = \(NumberText.short(b)) is already the worst value of \(metricName ?? "the rate") (every eligible row counts against it), so no group can be worse; give base_rate")
      }
      let problem = try request.planningProblem(shares: shares, plannerRate: plannerRate)
      if let message = PlanChecks.notDetectable(epsilon: problem.epsilon, baseRate: b, lowerIsWorse: lowerIsWorse,
                                                metric: metricName, option: "epsilon") {
        throw ColumnError(description: message)
      }
      let plan = SamplePlanner.plan(problem)
      try checkReachable(plan)
      let detectable = request.samples.map { SamplePlanner.detectableEpsilon(problem, samples: $0) }
      let labels = groups.map { $0.joined(separator: " | ") }
      let noun = eligibility.map { PlanEligibility.countsEveryRow($0.metric) ? "rows" : $0.shortNoun } ?? "rows"
      let warnings = available.map { PlanChecks.warnings(plan, labels: labels, available: $0, noun: noun) } ?? []
      return try SortedJSONEncoder.encode(PlanColumns(plan, groups: groups, detectable: detectable, warnings: warnings,
                                                      metricBaseRate: b, eligibility: eligibility))
    case "metric":
      return try SortedJSONEncoder.encode(MetricDescription(try request.parsedMetric))
    default:
      throw ColumnError(description: "internal error: unknown command '\(request.command)'")
    }
  }

  /// Refuses a plan above 2^53 rows, as `cvar-audit plan` does: beyond that
  /// neither a double nor a JSON reader holds the count exactly, and no audit
  /// collects it.
  static func checkReachable(_ plan: SamplePlan) throws {
    let maximumRows = 1 << 53
    let designs = [("max_gap", plan.maxGap), ("cvar_iid", plan.cvarIID), ("cvar_stratified", plan.cvarStratified),
                   ("two_stage", plan.twoStage)]
    let beyond = designs.filter { !($0.1.rows <= Double(maximumRows)) }.map(\.0)
    guard !beyond.isEmpty else { return }
    throw ColumnError(description: "not reachable: \(beyond.joined(separator: ", ")) would need more than 2^53 = \(maximumRows) rows; raise epsilon or alpha, or lower power, or raise delta (or the smallest group share)")
  }

  /// The group table of the columns, after checking that they hold what the
  /// metric needs.
  static func aggregate(_ request: Request, columns: InMemoryColumns, metric: Metric, keepRows: Bool) throws -> InMemoryTable {
    guard !columns.attributes.isEmpty else { throw ColumnError(description: "sensitive_features: give at least one column") }
    if metric.needsLabel && columns.labels == nil { throw ColumnError(description: "the metric '\(metric)' needs y_true") }
    if metric.isBinary && columns.predictions == nil { throw ColumnError(description: "the metric '\(metric)' needs y_pred") }
    if !metric.isBinary && columns.losses == nil { throw ColumnError(description: "the metric '\(metric)' needs a loss column") }
    guard columns.rows > 0 else { throw ColumnError(description: "no data rows: the data are empty") }
    return try columns.aggregate(missing: try request.missingPolicy, keepRowGroups: keepRows)
  }
}
