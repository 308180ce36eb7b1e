import ArgumentParser
import CVaRAudit
import Foundation

extension WorseDirection: ExpressibleByArgument {}

/// Options that define the disparities and their CVaR (not the metric):
/// shared by `audit` and `test`.
struct DisparityOptions: ParsableArguments {
  @Option(range: .alpha, help: "α (tail share): the CVaR level, the share of group weight in the worst tail whose mean disparity is the CVaR. Not a significance level: that is δ (test level), `test --delta`.")
  var alpha: Double = 0.1

  @Option(help: "Group weights: uniform (each group counts the same) or population (share of eligible rows).")
  var weights: WeightsArgument = .uniform

  @Option(help: "Disparity: one-sided (the worse side of the reference, see --worse) or two-sided (|μ_g − μ_ref|).")
  var disparity: DisparityKind = .oneSided

  @Option(help: ArgumentHelp("Which rates are worse, for a one-sided disparity: higher (Δ_g = μ_g − μ_ref) or lower (Δ_g = μ_ref − μ_g). Default: lower for tpr, tnr, ppv, npv and accuracy; higher for error, fnr, fpr, fdr, for, selection and loss:COLUMN (for a selection rate that is a benefit, as in the four-fifths rule, give lower).", valueName: "higher|lower"))
  var worse: WorseDirection?

  @Option(parsing: .unconditional, help: ArgumentHelp("Reference: pooled, a number, or group:VALUE,... (one value per --group-by column).",
                             valueName: "pooled|number|group:v1,v2"))
  var reference: ReferenceArgument = ReferenceArgument(argument: "pooled")!

  @Option(name: .customLong("small-n"), range: .rows, help: "Groups with fewer than N rows count as small cells, for the small-cell warning.", valueName: "N")
  var smallN: Int = SmallCellRule.defaultSize

  @Option(name: .customLong("small-share"), range: .rate, help: "Warn when more than this share of the CVaR's tail weight comes from small cells (--small-n).", valueName: "share")
  var smallShare: Double = SmallCellRule.defaultShare

  var smallCells: SmallCellRule { SmallCellRule(size: smallN, share: smallShare) }

  func validate() throws {
    if case .value(let v) = reference.reference, !(0...1).contains(v) {
      throw ValidationError("--reference must be a rate in [0, 1] (got \(v))")
    }
    if let worse, disparity == .twoSided {
      throw ValidationError("--worse \(worse.rawValue) applies to a one-sided disparity; --disparity two-sided counts both sides")
    }
  }

  /// The disparity of `metric`: one-sided on the side --worse names (the
  /// metric's `defaultWorse` without it), or two-sided.
  func disparityKind(for metric: Metric) -> DisparityKind {
    DisparityKind(twoSided: disparity == .twoSided, worse: worse ?? metric.defaultWorse)
  }

  /// Checks a group reference against the group-by columns.
  func checkReference(groupBy: [String]) throws {
    if case .group(let key) = reference.reference, key.count != groupBy.count {
      throw ValidationError("--reference group: needs \(groupBy.count) value(s), one per --group-by column (\(groupBy.joined(separator: ","))), got \(key.count)")
    }
  }
}

/// Options that define an audit's statistics: shared by `audit` and the
/// commands that build on it.
struct AuditOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Metric: error, accuracy, fnr, fpr, tpr, tnr, ppv, npv, fdr, for, selection, or loss:COLUMN (a loss in [0, 1]); fairlearn / scikit-learn names such as false_negative_rate, recall, precision, selection_rate, accuracy_score are accepted.", valueName: "metric"))
  var metric: Metric = .errorRate

  @OptionGroup var disparityOptions: DisparityOptions

  var alpha: Double { disparityOptions.alpha }
  var weights: WeightsArgument { disparityOptions.weights }
  var disparity: DisparityKind { disparityOptions.disparityKind(for: metric) }
  var reference: ReferenceArgument { disparityOptions.reference }

  @Option(name: .customLong("confidence-level"), range: .probability, help: "Confidence level 1 − δ of the per-group and simultaneous intervals (δ: the level the verdict decides at; not α, the tail share).")
  var confidenceLevel: Double = 0.95

  @Option(help: ArgumentHelp("Per-group interval: wilson, clopper-pearson (binary metrics), hoeffding, bernstein. Default: wilson for binary metrics, hoeffding for a loss column."))
  var interval: IntervalMethod?

  func validate() throws {
    if let interval, interval.needsBinaryLoss, !metric.isBinary {
      throw ValidationError("--interval \(interval.rawValue) needs a binary metric; use hoeffding or bernstein for \(metric)")
    }
  }

  func configuration(groupBy: [String]) throws -> AuditConfiguration {
    try disparityOptions.checkReference(groupBy: groupBy)
    return AuditConfiguration(metric: metric, alpha: alpha, weighting: weights.weighting, disparity: disparity,
                              reference: reference.reference, confidenceLevel: confidenceLevel, interval: interval,
                              smallCells: disparityOptions.smallCells)
  }
}

struct AuditCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit",
    abstract: "Per-group rates with intervals, disparities, and the CVaR of the disparities."
  )

  @OptionGroup var input: InputOptions
  @OptionGroup var options: AuditOptions

  @Option(help: "Output: table, json or csv (one row per group).")
  var format: OutputFormat = .table

  @OptionGroup var csvOptions: CSVOutputOptions

  @OptionGroup(title: "Group tables (text output)") var list: GroupListOptions

  @Option(help: ArgumentHelp("Also write a self-contained HTML report (summary, forest plot, CVaR against α) to this file.", valueName: "file.html"))
  var report: String?

  @Option(name: .customLong("sample-weight"), help: ArgumentHelp(
    "Column of row weights w ≥ 0 (e.g. survey weights): weighted rates Σwℓ/Σw, and with --weights population weighted group shares. The intervals then use Kish's effective n (approximate, no guaranteed coverage), and `test` does not take weights: its tests assume unweighted rows. Binary metrics only.",
    valueName: "column"))
  var sampleWeight: String?

  func validate() throws {
    try input.validate(metrics: [options.metric])
    try list.validate(hasPValues: false)
    _ = try options.configuration(groupBy: input.columns.groupBy)
    if let report { try OutputPath.check(report, option: "--report", inputs: input.inputFiles) }
    if let sampleWeight {
      if sampleWeight.isEmpty { throw ValidationError("--sample-weight needs a column name") }
      try input.requireRows(for: "--sample-weight")
      if !options.metric.isBinary {
        throw ValidationError("--sample-weight applies to binary metrics (error, fnr, tpr, …), not \(options.metric)")
      }
    }
  }

  func run() throws {
    let configuration = try options.configuration(groupBy: input.columns.groupBy)
    let table = try input.loadTable(metrics: [options.metric], sampleWeight: sampleWeight)
    let result: AuditResult
    do {
      result = try DisparityAudit.run(table, configuration: configuration)
    } catch let error as AuditError {
      throw CommandFailure(message: "\(input.inputName): \(error)")
    }
    if let report {
      let weights = sampleWeight.map { column in
        [HTMLReport.Section(
          title: "Row weights", id: "row-weights",
          note: "Rates are weighted by the column '\(column)' (Σwℓ / Σw)\(options.weights == .population ? ", and so are the group shares" : ""); n counts rows. The intervals use Kish's effective n (Σw)²/Σw²: approximate, without guaranteed coverage.",
          rows: [["eligible weight Σw", AuditRendering.fixed(result.summary.eligibleWeight, 2)]])]
      } ?? []
      try HTMLReport.write(HTMLReport.render(result, inputName: input.inputName, sections: weights,
                                             provenance: try ReportProvenance.current(input: input)), to: report)
    }
    let output: String
    switch format {
    case .table: output = AuditRendering.table(result, inputName: input.inputName, sampleWeight: sampleWeight, list: list.settings)
    case .json: output = try AuditRendering.json(result, sampleWeight: sampleWeight)
    case .csv: output = AuditRendering.csv(result, escapeFormulas: csvOptions.escapeFormulas)
    }
    try StandardOutput.print(output)
  }
}
