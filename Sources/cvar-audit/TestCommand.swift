import ArgumentParser
import CVaRAudit
import CVaRInference

extension TestStatistic: ExpressibleByArgument {}
extension Calibration: ExpressibleByArgument {}

enum TestOutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table, json
}

struct TestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "test",
    abstract: "Test whether the data show a disparity violation: a p-value, a decision, and the groups behind it.",
    discussion: """
      H0 (permutation, bound): the loss is independent of the group. H0 (tolerance): CVaR_α ≤ ε0. \
      The decision is 'violation' when p ≤ δ. Binary metrics are permuted through per-group counts \
      (no pass over the rows); a loss:COLUMN metric keeps one group id and one loss per row in memory \
      for the permutation. Several metrics (--metric fpr,fnr) add a joint test.
      """
  )

  @OptionGroup var input: InputOptions

  @Option(help: ArgumentHelp("Metric, or a comma-separated list for a joint test: error, accuracy, fnr, fpr, tpr, tnr, ppv, npv, fdr, for, selection, loss:COLUMN (fairlearn names such as recall, precision are accepted).",
                             valueName: "m1,m2"))
  var metric: String = "error"

  @OptionGroup var disparityOptions: DisparityOptions

  @Option(help: ArgumentHelp("Statistic: l2 (debiased Σ w Δ²), cvar (plug-in CVaR_α), max (max gap). Default: l2; cvar with --calibration tolerance."))
  var statistic: TestStatistic?

  @Option(help: "Calibration: permutation (exact), bound (Cantelli on l2, no resampling), tolerance (H0: CVaR ≤ ε0).")
  var calibration: Calibration = .permutation

  @Option(range: .permutations, help: "Number of random permutations B (p = (1 + #{T_b ≥ T}) / (B + 1)).")
  var permutations: Int = 9_999

  @Option(range: .seed, help: "Seed of the permutations (same seed, same p-value).")
  var seed: UInt64 = 0

  @Option(range: .probability, help: "δ (test level): the significance level of the test, 'violation' when p ≤ δ; also the level of the Holm/BH group counts and of the 1 − δ intervals. Not the CVaR level: that is α (tail share), --alpha.")
  var delta: Double = 0.05

  @Option(range: .disparity, help: "Tolerance ε0 for --calibration tolerance (H0: CVaR_α ≤ ε0).", valueName: "ε0")
  var tolerance: Double?

  @Option(help: "Output: table or json.")
  var format: TestOutputFormat = .table

  @OptionGroup(title: "Group tables (text output)") var list: GroupListOptions

  @Option(help: ArgumentHelp("Also write a self-contained HTML report (the audit's summary and plots, the test result, tail groups, per-group adjusted p-values) to this file.", valueName: "file.html"))
  var report: String?

  @Option(name: .customLong("sample-weight"), help: ArgumentHelp(
    "Refused: the tests (permutation, bound, tolerance) assume unweighted rows, exchangeable across groups, and are not valid under survey weights. Use `audit --sample-weight` for weighted estimates, and `test` without it to test the unweighted counts.",
    valueName: "column"))
  var sampleWeight: String?

  @Flag(help: ArgumentHelp("Print the time spent reading and testing to standard error (for benchmarks).", visibility: .hidden))
  var timing = false

  var metrics: [Metric] { columnList(metric).compactMap { Metric(name: $0) } }

  var resolvedStatistic: TestStatistic { statistic ?? (calibration == .tolerance ? .cvar : .l2) }

  func validate() throws {
    let names = columnList(metric)
    if names.isEmpty || names.contains(where: \.isEmpty) {
      throw ValidationError("--metric needs one or more metric names separated by commas (got '\(metric)')")
    }
    for name in names where Metric(name: name) == nil {
      throw ValidationError("--metric: unknown metric '\(name)'; use \(Metric.binaryMetrics.map(\.description).joined(separator: ", ")) or loss:COLUMN")
    }
    if Set(names).count != names.count { throw ValidationError("--metric names a metric twice (got '\(metric)')") }
    if metrics.filter({ !$0.isBinary }).count > 1 { throw ValidationError("--metric: one loss column at a time") }
    if metrics.count > 1 {
      if let m = metrics.first(where: { !$0.isBinary }) {
        throw ValidationError("--metric: the joint test over several metrics needs binary metrics, not \(m)")
      }
      if calibration != .permutation {
        throw ValidationError("--metric with several metrics: the joint test is calibrated by permutation only")
      }
      if case .pooled = disparityOptions.reference.reference {} else {
        throw ValidationError("--metric with several metrics: the joint test uses the pooled reference (--reference pooled)")
      }
    }
    if sampleWeight != nil {
      throw ValidationError("--sample-weight: the tests (permutation, bound, tolerance) assume unweighted rows exchangeable across groups; their p-values are not valid under row weights. Run `cvar-audit audit --sample-weight COLUMN` for the weighted estimates, and `test` without it for a test of the unweighted counts")
    }
    switch calibration {
    case .permutation:
      if tolerance != nil { throw ValidationError("--tolerance goes with --calibration tolerance") }
    case .bound:
      if resolvedStatistic != .l2 {
        throw ValidationError("--calibration bound exists only for --statistic l2 (Cantelli's inequality on T_L2), not \(resolvedStatistic.rawValue)")
      }
      if tolerance != nil { throw ValidationError("--tolerance goes with --calibration tolerance") }
    case .tolerance:
      if resolvedStatistic != .cvar {
        throw ValidationError("--calibration tolerance tests CVaR ≤ ε0 and needs --statistic cvar, not \(resolvedStatistic.rawValue)")
      }
      if tolerance == nil { throw ValidationError("--calibration tolerance needs --tolerance ε0") }
    }
    try input.validate(metrics: metrics)
    try list.validate(hasPValues: true)
    try disparityOptions.checkReference(groupBy: input.columns.groupBy)
    if let report { try OutputPath.check(report, option: "--report", inputs: input.inputFiles) }
  }

  func configuration(for metric: Metric) -> DisparityTestConfiguration {
    DisparityTestConfiguration(
      audit: AuditConfiguration(metric: metric, alpha: disparityOptions.alpha, weighting: disparityOptions.weights.weighting,
                                disparity: disparityOptions.disparityKind(for: metric), reference: disparityOptions.reference.reference,
                                confidenceLevel: 1 - delta, smallCells: disparityOptions.smallCells),
      statistic: resolvedStatistic, calibration: calibration, permutations: permutations, seed: seed, delta: delta,
      tolerance: tolerance)
  }

  func run() throws {
    let metrics = self.metrics
    let clock = ContinuousClock()
    let started = clock.now
    let table: GroupTable
    var lossRows: LossRows? = nil
    // A loss column: keep (group id, loss) per row for the permutations. From
    // aggregates, bound and tolerance need only n, S, Q per group (the
    // per-group p-values, which permute rows, are then not available).
    if !metrics[0].isBinary && (input.hasRows || calibration == .permutation) {
      let loaded = try input.loadTableKeepingLossRows(metrics: metrics)
      table = loaded.table
      lossRows = LossRows(groups: loaded.groups, losses: loaded.losses)
    } else {
      table = try input.loadTable(metrics: metrics)
    }
    let loaded = clock.now
    var results: [DisparityTestResult] = []
    do {
      for metric in metrics {
        results.append(try DisparityTest.run(table, configuration: configuration(for: metric), lossRows: lossRows))
      }
    } catch let error as DisparityTestError {
      throw CommandFailure(message: "\(input.inputName): \(error)")
    } catch let error as AuditError {
      throw CommandFailure(message: "\(input.inputName): \(error)")
    }
    var joint: JointTestSummary? = nil
    if metrics.count > 1 {
      let weights: [Double] = (0..<table.groupCount).map { g in
        disparityOptions.weights == .uniform ? 1 : Double(table.rowCount(group: g))
      }
      let test = JointPermutationTest(metrics: metrics, confusion: table.confusion, weights: weights)
      let p = test.pValue(permutations: permutations, seed: seed)
      joint = JointTestSummary(metrics: metrics, value: test.observed, pValue: p, groups: table.groupCount)
    }
    if timing {
      let read = loaded - started, tested = clock.now - loaded
      StandardError.write("timing: read and aggregate \(read), test (audit + calibration + per-group p-values) \(tested)\n")
    }
    if let report {
      // Several metrics: every test is listed; the plots show the first metric's audit.
      try HTMLReport.write(HTMLReport.render(results[0].audit, inputName: input.inputName,
                                             sections: TestReport.sections(results, joint: joint),
                                             verdict: TestReport.verdict(results, joint: joint),
                                             significant: TestReport.significantKeys(results[0]),
                                             provenance: try ReportProvenance.current(input: input), groupTable: false), to: report)
    }
    let output: String
    switch format {
    case .table: output = TestRendering.table(results, joint: joint, inputName: input.inputName, list: list.settings)
    case .json: output = try TestRendering.json(results, joint: joint, attributes: table.attributes)
    }
    try StandardOutput.print(output)
  }
}

/// The joint test's outcome, for rendering.
struct JointTestSummary {
  var metrics: [Metric]
  var value: Double
  var pValue: PermutationPValue
  var groups: Int
}
