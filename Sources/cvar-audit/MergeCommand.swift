import ArgumentParser
import CVaRAudit

/// `cvar-audit merge`: adds the aggregates files of shards into one.
struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Add aggregates files of shards of one data set (per group and metric: n, sum, sum_sq) into one.",
    discussion: """
      Each file is read and checked as --aggregates reads it; all must have the same attribute \
      columns and (when not empty) the same metrics. The output is CSV, sorted by group then metric.
      """
  )

  @Argument(help: ArgumentHelp("Aggregates files (CSV, or JSON when named .json/.jsonl/.ndjson).", valueName: "file"))
  var files: [String]

  @Option(help: ArgumentHelp("Write the merged CSV here instead of standard output.", valueName: "path"))
  var output: String?

  @Option(help: ArgumentHelp("Field delimiter of CSV inputs: one character, or 'tab'.", valueName: "char"))
  var delimiter: String = ","

  func validate() throws {
    if files.isEmpty { throw ValidationError("give one or more aggregates files to merge") }
    _ = try parseDelimiter(delimiter)
    if let output {
      try OutputPath.check(output, option: "--output", inputs: files.map { ("an input", $0) })
    }
  }

  func run() throws {
    let byte = try parseDelimiter(delimiter)
    let parts = try files.map { try AggregatesFile.read(path: $0, delimiter: byte) }
    let merged = try Aggregates.merge(parts, source: output ?? "<stdout>")
    let text = merged.csv()
    if let output {
      try OutputPath(path: output, option: "--output").write(text)
    } else {
      try StandardOutput.write(text)
    }
  }
}
