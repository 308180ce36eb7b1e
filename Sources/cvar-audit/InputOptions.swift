import ArgumentParser
import CVaRAudit

/// Where the rows come from and which columns to read: shared by every
/// subcommand that reads rows.
struct InputOptions: ParsableArguments {
  @Option(name: .long, help: ArgumentHelp(
    "CSV file with a header row ('-' for standard input). Without it, the embedded COMPAS data.",
    valueName: "path"))
  var input: String?

  @Option(help: ArgumentHelp(
    "Aggregates file instead of rows: per group and metric, n, sum, sum_sq (CSV, or JSON when named .json/.jsonl/.ndjson), e.g. from `cvar-audit sql` run in a database, or `cvar-audit merge`.",
    valueName: "path"))
  var aggregates: String?

  @Option(help: ArgumentHelp("Field delimiter: one character, or 'tab'.", valueName: "char"))
  var delimiter: String = ","

  @Option(name: .customLong("group-by"), help: ArgumentHelp(
    "Comma-separated attribute columns whose combinations form the groups.", valueName: "a,b,c"))
  var groupBy: String?

  @OptionGroup var predictionOptions: PredictionOptions

  var label: String? { predictionOptions.label }
  var prediction: String? { predictionOptions.prediction }
  var score: String? { predictionOptions.score }
  var threshold: Double? { predictionOptions.threshold }

  @Option(help: ArgumentHelp("Rows with an empty attribute value: keep them as a value of their own, or exclude and count them."))
  var missing: MissingValuePolicy = .keep

  /// The files read, by option, for `OutputPath.check`.
  var inputFiles: [(option: String, path: String?)] { [("--input", input), ("--aggregates", aggregates)] }

  /// Whether the embedded COMPAS data is used.
  var usesEmbeddedData: Bool { input == nil && aggregates == nil }

  /// Whether the rows themselves are read (not per-group aggregates).
  var hasRows: Bool { aggregates == nil }

  /// Refuses --aggregates for an analysis that needs the rows, such as a
  /// permutation test of a non-binary loss (shuffling losses across rows
  /// needs each row's value, while binary losses need only the counts).
  /// Call it from `validate()`; `purpose` completes "… needs the rows".
  func requireRows(for purpose: String) throws {
    if aggregates != nil {
      throw ValidationError("\(purpose) needs the rows: --aggregates holds only per-group n, sum and sum_sq; give --input, or use a calibration that works from the sums (bound or tolerance)")
    }
  }

  var delimiterByte: UInt8 {
    (try? parseDelimiter(delimiter)) ?? UInt8(ascii: ",")
  }

  /// The columns to read, with the embedded data's defaults filled in when
  /// there is no --input.
  var columns: ColumnSelection {
    var selection = ColumnSelection(groupBy: groupBy.map(columnList) ?? [], label: label, missingValues: missing)
    if let source = predictionOptions.source { selection.prediction = source }
    if usesEmbeddedData {
      let defaults = EmbeddedData.compasColumns
      if groupBy == nil { selection.groupBy = defaults.groupBy }
      if label == nil { selection.label = defaults.label }
      if prediction == nil && score == nil { selection.prediction = defaults.prediction }
    }
    return selection
  }

  func validate() throws {
    if aggregates != nil {
      if input != nil { throw ValidationError("give either --input (rows) or --aggregates (per-group sums), not both") }
      for (name, given) in [("--label", label != nil), ("--prediction", prediction != nil),
                            ("--score", score != nil), ("--threshold", threshold != nil)] where given {
        throw ValidationError("\(name) does not apply to --aggregates: the file already holds the counts (give the columns to `cvar-audit sql` instead)")
      }
      if groupBy == nil {
        throw ValidationError("--group-by is required with --aggregates: name the attribute columns to group by (all or some of the file's)")
      }
    }
    _ = try parseDelimiter(delimiter)
    if let groupBy {
      let names = columnList(groupBy)
      if names.isEmpty || names.contains(where: \.isEmpty) {
        throw ValidationError("--group-by needs one or more column names separated by commas (got '\(groupBy)')")
      }
      if Set(names).count != names.count {
        throw ValidationError("--group-by names a column twice (got '\(groupBy)')")
      }
    } else if !usesEmbeddedData {
      throw ValidationError("--group-by is required with --input: name the attribute columns, e.g. --group-by race,sex")
    }
  }

  /// Checks that the columns hold what the metrics need.
  func validate(metrics: [Metric]) throws {
    if aggregates != nil { return }  // what the file holds is checked when it is read
    let selection = columns
    for metric in metrics {
      if metric.needsLabel && selection.label == nil {
        throw ValidationError("the metric '\(metric)' needs --label")
      }
      if metric.needsPrediction && selection.prediction == nil {
        throw ValidationError("the metric '\(metric)' needs --prediction or --score with --threshold")
      }
    }
  }

  /// Streams the input into a group table holding what `metrics` need (and,
  /// with `sampleWeight`, the row weights of that column per confusion cell).
  func loadTable(metrics: [Metric], sampleWeight: String? = nil) throws -> GroupTable {
    if let aggregates {
      precondition(sampleWeight == nil, "row weights need the rows")
      return try AggregatesFile.read(path: aggregates, delimiter: delimiterByte)
        .groupTable(groupBy: columns.groupBy, metrics: metrics, missing: missing)
    }
    var selection = rowColumns(metrics: metrics)
    selection.weightColumn = sampleWeight
    return try GroupAggregator.aggregate(path: try rowsPath(), delimiter: delimiterByte, columns: selection)
  }

  /// Like `loadTable`, also keeping each row's group index and loss (only for
  /// a loss-column metric: memory then grows with the rows).
  func loadTableKeepingLossRows(metrics: [Metric]) throws -> (table: GroupTable, groups: [Int32], losses: [Double]) {
    do {
      try requireRows(for: "a permutation test of a non-binary loss")
    } catch let error as ValidationError {
      throw CommandFailure(message: error.message)
    }
    let (reader, selection) = try openReader(metrics: metrics)
    return try GroupAggregator.aggregateKeepingLossRows(reader, columns: selection)
  }

  private func openReader(metrics: [Metric]) throws -> (CSVReader, ColumnSelection) {
    let selection = rowColumns(metrics: metrics)
    return (try CSVReader(path: try rowsPath(), delimiter: delimiterByte), selection)
  }

  /// The CSV file of rows: --input, or the embedded data.
  private func rowsPath() throws -> String {
    try input ?? EmbeddedData.compasPath()
  }

  /// The columns to read for `metrics`.
  private func rowColumns(metrics: [Metric]) -> ColumnSelection {
    var selection = columns
    let needsConfusion = metrics.contains(where: \.isBinary)
    if !needsConfusion { selection.prediction = nil; selection.label = nil }
    if !metrics.contains(where: \.needsLabel) && !usesEmbeddedData && label == nil { selection.label = nil }
    let lossColumns = metrics.compactMap { metric -> String? in
      if case .loss(let column) = metric { return column }
      return nil
    }
    precondition(lossColumns.count <= 1, "one loss column at a time")
    selection.lossColumn = lossColumns.first
    return selection
  }

  /// The name shown for the input.
  var inputName: String {
    if let aggregates { return aggregates == "-" ? "<stdin>" : aggregates }
    return input.map { $0 == "-" ? "<stdin>" : $0 } ?? "embedded COMPAS data (\(EmbeddedData.compasFileName))"
  }
}
