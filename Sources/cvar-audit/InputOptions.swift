import ArgumentParser
import CVaRAudit

/// Where the rows come from and which columns to read: shared by every
/// subcommand that reads rows.
struct InputOptions: ParsableArguments {
  @Option(name: .long, help: ArgumentHelp(
    "CSV file with a header row ('-' for standard input). Without it, the embedded COMPAS data.",
    valueName: "path"))
  var input: String?

  @Option(help: ArgumentHelp("Field delimiter: one character, or 'tab'.", valueName: "char"))
  var delimiter: String = ","

  @Option(name: .customLong("group-by"), help: ArgumentHelp(
    "Comma-separated attribute columns whose combinations form the groups.", valueName: "a,b,c"))
  var groupBy: String?

  @Option(help: ArgumentHelp("Column of true labels (0/1).", valueName: "column"))
  var label: String?

  @Option(help: ArgumentHelp("Column of predictions (0/1).", valueName: "column"))
  var prediction: String?

  @Option(help: ArgumentHelp("Score column; predict 1 when score ≥ --threshold.", valueName: "column"))
  var score: String?

  @Option(help: ArgumentHelp("Threshold for --score.", valueName: "x"))
  var threshold: Double?

  @Option(help: ArgumentHelp("Rows with an empty attribute value: keep them as a value of their own, or exclude and count them."))
  var missing: MissingValuePolicy = .keep

  /// Whether the embedded COMPAS data is used.
  var usesEmbeddedData: Bool { input == nil }

  var delimiterByte: UInt8 {
    delimiter == "tab" || delimiter == "\\t" ? 9 : delimiter.utf8.first!
  }

  /// The columns to read, with the embedded data's defaults filled in when
  /// there is no --input.
  var columns: ColumnSelection {
    var selection = ColumnSelection(groupBy: groupBy.map(columnList) ?? [], label: label, missingValues: missing)
    if let prediction { selection.prediction = .column(prediction) }
    if let score { selection.prediction = .score(column: score, threshold: threshold ?? 0.5) }
    if usesEmbeddedData {
      let defaults = EmbeddedData.compasColumns
      if groupBy == nil { selection.groupBy = defaults.groupBy }
      if label == nil { selection.label = defaults.label }
      if prediction == nil && score == nil { selection.prediction = defaults.prediction }
    }
    return selection
  }

  func validate() throws {
    if !(delimiter == "tab" || delimiter == "\\t") {
      guard delimiter.utf8.count == 1, let byte = delimiter.utf8.first, byte < 128,
            byte != UInt8(ascii: "\""), byte != 10, byte != 13 else {
        throw ValidationError("--delimiter must be one ASCII character other than a quote or a line break, or 'tab' (got '\(delimiter)')")
      }
    }
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
    if prediction != nil && score != nil {
      throw ValidationError("give either --prediction or --score, not both")
    }
    if threshold != nil && score == nil {
      throw ValidationError("--threshold goes with --score")
    }
    if let threshold, !threshold.isFinite {
      throw ValidationError("--threshold must be a finite number")
    }
    if score != nil && threshold == nil {
      throw ValidationError("--score needs --threshold (predict 1 when score ≥ threshold)")
    }
  }

  /// Checks that the columns hold what the metrics need.
  func validate(metrics: [Metric]) throws {
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

  /// Streams the input into a group table holding what `metrics` need.
  func loadTable(metrics: [Metric]) throws -> GroupTable {
    let (reader, selection) = try openReader(metrics: metrics)
    return try GroupAggregator.aggregate(reader, columns: selection)
  }

  /// Like `loadTable`, also keeping each row's group index and loss (only for
  /// a loss-column metric: memory then grows with the rows).
  func loadTableKeepingLossRows(metrics: [Metric]) throws -> (table: GroupTable, groups: [Int32], losses: [Double]) {
    let (reader, selection) = try openReader(metrics: metrics)
    return try GroupAggregator.aggregateKeepingLossRows(reader, columns: selection)
  }

  private func openReader(metrics: [Metric]) throws -> (CSVReader, ColumnSelection) {
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
    let path = try input ?? EmbeddedData.compasPath()
    return (try CSVReader(path: path, delimiter: delimiterByte), selection)
  }

  /// The name shown for the input.
  var inputName: String { input.map { $0 == "-" ? "<stdin>" : $0 } ?? "embedded COMPAS data (\(EmbeddedData.compasFileName))" }
}
