import ArgumentParser
import CVaRAudit

extension SQLDialect: ExpressibleByArgument {}

/// `cvar-audit sql`: prints the GROUP BY query that computes an aggregates
/// file inside a database or a cluster.
struct SQLCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sql",
    abstract: "Print the GROUP BY query that computes an aggregates file (for --aggregates) in a SQL engine.",
    discussion: """
      Run the query where the data lives and save its result with a header (DuckDB: COPY (query) TO \
      'aggregates.csv' (HEADER); Spark: spark.sql(query).write.csv(dir, header=True)); then \
      `cvar-audit audit --aggregates FILE --group-by ...`. Shards' outputs add with `cvar-audit merge`. \
      Identifiers are quoted for the dialect; a qualified table name a.b.c is split at the dots.
      """
  )

  @Option(help: "SQL dialect: duckdb, spark, postgres or bigquery.")
  var dialect: SQLDialect

  @Option(help: ArgumentHelp("Table to read: NAME or a qualified name a.b.c (each part quoted on its own).", valueName: "name"))
  var table: String

  @Option(name: .customLong("group-by"), help: ArgumentHelp("Comma-separated attribute columns.", valueName: "a,b,c"))
  var groupBy: String

  @OptionGroup var predictionOptions: PredictionOptions

  @Option(help: ArgumentHelp("Comma-separated metrics: error, accuracy, fnr, fpr, tpr, tnr, ppv, npv, fdr, for, selection, loss:COLUMN. Binary metrics with a label give the four confusion cells, which serve every binary metric.", valueName: "m1,m2"))
  var metric: String = "error"

  var metrics: [Metric] {
    get throws {
      try columnList(metric).map { name in
        guard let m = Metric(name: name) else {
          throw ValidationError("unknown metric '\(name)': expected \(Metric.binaryMetrics.map(\.description).joined(separator: ", ")) or loss:COLUMN")
        }
        return m
      }
    }
  }

  var query: AggregatesQuery {
    get throws {
      AggregatesQuery(dialect: dialect, table: table, groupBy: columnList(groupBy), label: predictionOptions.label,
                      prediction: predictionOptions.source, metrics: try metrics)
    }
  }

  func validate() throws {
    if let problem = try query.check() { throw ValidationError(problem) }
  }

  func run() throws {
    try StandardOutput.write(try query.sql)
  }
}
