/// A SQL engine's rules for quoting and types.
public enum SQLDialect: String, CaseIterable, Sendable {
  case duckdb, spark, postgres, bigquery

  /// An identifier quoted so that any name is read literally:
  /// - DuckDB, PostgreSQL: `"name"`, a `"` inside written `""`;
  /// - Spark SQL: `` `name` ``, a backtick inside written twice;
  /// - BigQuery: `` `name` `` with backslash escapes (`` \` ``, `\\`, `\n`, `\r`),
  ///   its only way to put a backtick in a quoted identifier.
  ///
  /// The name is escaped Unicode scalar by Unicode scalar, as the engines read
  /// it: a quote followed by a combining mark is one Swift `Character` that
  /// is not equal to the quote, but it is still a quote to the engine.
  ///
  /// - Precondition: `name` is non-empty and has no NUL character
  ///   (`AggregatesQuery.check` reports both to users).
  public func quote(_ name: String) -> String {
    precondition(!name.isEmpty && !name.unicodeScalars.contains("\u{0}"), "an identifier is non-empty and has no NUL")
    switch self {
    case .duckdb, .postgres:
      return "\"" + name.escapingScalars { $0 == "\"" ? "\"\"" : nil } + "\""
    case .spark:
      return "`" + name.escapingScalars { $0 == "`" ? "``" : nil } + "`"
    case .bigquery:
      return "`" + name.escapingScalars { scalar in
        switch scalar {
        case "`": "\\`"
        case "\\": "\\\\"
        case "\n": "\\n"
        case "\r": "\\r"
        default: nil
        }
      } + "`"
    }
  }

  /// The parts of a possibly qualified table name `a.b.c`, split at every
  /// dot (every U+002E scalar, as the engines split).
  public static func tableParts(_ name: String) -> [String] {
    name.unicodeScalars.split(separator: ".", omittingEmptySubsequences: false).map {
      String(String.UnicodeScalarView($0))
    }
  }

  /// A possibly qualified table name `a.b.c`: split at every dot, each part
  /// quoted on its own (so a part cannot contain a dot; name such a table
  /// through a view).
  public func quoteTable(_ name: String) -> String {
    SQLDialect.tableParts(name).map(quote).joined(separator: ".")
  }

  /// The name of the double-precision type.
  var doubleType: String {
    switch self {
    case .duckdb, .spark: "DOUBLE"
    case .postgres: "DOUBLE PRECISION"
    case .bigquery: "FLOAT64"
    }
  }
}

/// The GROUP BY query that computes an aggregates file (`AggregatesFile`)
/// inside a SQL engine: one scan of the table, one output row per group and
/// metric, with the columns named as the file format wants them.
///
/// For binary metrics (with a label) it emits the four confusion cells
///
///     n = COUNT(*),  sum = sum_sq = SUM(CASE WHEN y = Y AND ŷ = Ŷ THEN 1 ELSE 0 END)
///
/// per group; for `selection` without a label, `selection` rows (n = COUNT(*),
/// sum = sum_sq = Σ ŷ); for each `loss:COLUMN`, n = COUNT(*), sum = Σℓ, sum_sq = Σℓ².
/// The groups' statistics are computed once in a CTE and turned into rows by
/// a cross join with the list of metric names (no second scan).
///
/// The query never hides bad rows: a label or prediction that is NULL or not
/// 0/1 falls in no cell, so the cells do not add up to n and the reader
/// rejects the group; a NULL or non-finite score, or a loss that is NULL or
/// outside [0, 1], makes the group's `sum` and `sum_sq` NULL (written empty),
/// which the reader rejects too, naming the line. Predictions from a score
/// are `CASE WHEN s - s = 0 AND s >= t THEN 1 WHEN s - s = 0 AND s < t THEN 0 END`
/// (`s - s = 0` is false for NULL, NaN and ±∞).
///
/// Labels and predictions are compared with the integers 0 and 1, as numbers
/// (a boolean column works in DuckDB and Spark; PostgreSQL and BigQuery need
/// a numeric column or a cast in a view). User input reaches the SQL only as
/// identifiers quoted by `SQLDialect.quote` and as the threshold, a finite
/// `Double` printed as a numeric literal.
public struct AggregatesQuery: Sendable {
  public var dialect: SQLDialect
  public var table: String
  public var groupBy: [String]
  public var label: String?
  public var prediction: PredictionSource?
  public var metrics: [Metric]

  public init(dialect: SQLDialect, table: String, groupBy: [String], label: String?,
              prediction: PredictionSource?, metrics: [Metric]) {
    self.dialect = dialect
    self.table = table
    self.groupBy = groupBy
    self.label = label
    self.prediction = prediction
    self.metrics = metrics
  }

  /// Names the query uses for its own columns; a group-by column may not
  /// have one of them (compared without case, as the engines do).
  public static let reservedNames = AggregatesFile.statisticColumns + ["cvar_audit_rows", "cvar_audit_tn", "cvar_audit_fp", "cvar_audit_fn", "cvar_audit_tp", "cvar_audit_g", "cvar_audit_m"]

  /// What is wrong with the query's inputs, as a message for the user; nil
  /// when it can be generated.
  public func check() -> String? {
    if groupBy.isEmpty { return "name one or more group-by columns" }
    if metrics.isEmpty { return "name one or more metrics" }
    let names = groupBy + [label].compactMap { $0 } + lossColumns + {
      switch prediction {
      case .column(let c)?: [c]
      case .score(let c, _)?: [c]
      case nil: []
      }
    }()
    if let bad = names.first(where: { $0.isEmpty || $0.unicodeScalars.contains("\u{0}") }) {
      return "a column name must be non-empty and have no NUL character (got \"\(bad)\")"
    }
    let parts = SQLDialect.tableParts(table)
    if parts.contains(where: { $0.isEmpty || $0.unicodeScalars.contains("\u{0}") }) {
      return "the table name must be NAME or parts joined by dots (a.b.c), each part non-empty and without NUL (got \"\(table)\")"
    }
    let reserved = Set(AggregatesQuery.reservedNames)
    if let clash = groupBy.first(where: { reserved.contains($0.lowercased()) }) {
      return "a group-by column cannot be named '\(clash)': the query's output has columns metric, n, sum, sum_sq and uses \(AggregatesQuery.reservedNames.dropFirst(4).joined(separator: ", ")) internally; rename it in a view"
    }
    if Set(groupBy.map { $0.lowercased() }).count != groupBy.count {
      return "a group-by column is named twice (the engines compare names without case)"
    }
    let binary = metrics.filter(\.isBinary)
    if !binary.isEmpty && prediction == nil {
      return "the metric '\(binary[0])' needs --prediction or --score with --threshold"
    }
    if let needsLabel = binary.first(where: \.needsLabel), label == nil {
      return "the metric '\(needsLabel)' needs --label"
    }
    if case .score(_, let t)? = prediction, !t.isFinite { return "the threshold must be a finite number" }
    return nil
  }

  var lossColumns: [String] {
    var columns: [String] = []
    for case .loss(let c) in metrics where !columns.contains(c) { columns.append(c) }
    return columns
  }

  /// The metric rows the query writes: the cells when there is a label and a
  /// binary metric, `selection` for a selection rate without label, then the losses.
  public var outputMetrics: [AggregateMetric] {
    var out: [AggregateMetric] = []
    if metrics.contains(where: \.isBinary) {
      out += label != nil ? AggregateMetric.cells : [.metric(.selectionRate)]
    }
    return out + lossColumns.map { .metric(.loss(column: $0)) }
  }

  /// The SQL text.
  ///
  /// - Precondition: `check() == nil`.
  /// - Complexity: O(columns).
  public var sql: String {
    precondition(check() == nil, check() ?? "")
    let q = dialect.quote
    let groups = groupBy.map(q)
    var predicted = ""
    switch prediction {
    case .column(let c)?: predicted = q(c)
    case .score(let c, let t)?:
      let s = q(c)
      let threshold = "CAST(\(AggregatesQuery.literal(t)) AS \(dialect.doubleType))"
      predicted = "CASE WHEN \(s) - \(s) = 0 AND \(s) >= \(threshold) THEN 1 WHEN \(s) - \(s) = 0 AND \(s) < \(threshold) THEN 0 END"
    case nil: break
    }
    // Per-group columns of the CTE, and for each output metric its sum and sum_sq.
    var columns = ["COUNT(*) AS cvar_audit_rows"]
    var sums: [(name: String, sum: String, sumOfSquares: String)] = []
    let output = outputMetrics
    if output.contains(AggregateMetric.cells[0]) {
      let y = q(label!)
      for (i, cell) in AggregateMetric.cells.enumerated() {
        let name = "cvar_audit_\(cell)"
        columns.append("SUM(CASE WHEN \(y) = \(i / 2) AND (\(predicted)) = \(i % 2) THEN 1 ELSE 0 END) AS \(name)")
        sums.append((cell.description, "g.\(name)", "g.\(name)"))
      }
    } else if output.contains(.metric(.selectionRate)) {
      columns.append("CASE WHEN SUM(CASE WHEN (\(predicted)) = 0 OR (\(predicted)) = 1 THEN 1 ELSE 0 END) = COUNT(*) THEN SUM(CASE WHEN (\(predicted)) = 1 THEN 1 ELSE 0 END) END AS cvar_audit_selection")
      sums.append(("selection", "g.cvar_audit_selection", "g.cvar_audit_selection"))
    }
    for (i, column) in lossColumns.enumerated() {
      let l = q(column)
      let valid = "COUNT(\(l)) = COUNT(*) AND MIN(\(l)) >= 0 AND MAX(\(l)) <= 1"
      columns.append("CASE WHEN \(valid) THEN SUM(\(l)) END AS cvar_audit_loss\(i)_s")
      columns.append("CASE WHEN \(valid) THEN SUM(\(l) * \(l)) END AS cvar_audit_loss\(i)_q")
      sums.append(("loss:\(column)", "g.cvar_audit_loss\(i)_s", "g.cvar_audit_loss\(i)_q"))
    }
    func choose(_ pick: (String, String, String) -> String) -> String {
      if sums.count == 1 { return pick(sums[0].name, sums[0].sum, sums[0].sumOfSquares) }
      return "CASE m.metric " + sums.map { "WHEN \(dialect.stringLiteral($0.name)) THEN \(pick($0.name, $0.sum, $0.sumOfSquares))" }.joined(separator: " ") + " END"
    }
    let metricList = sums.map { "SELECT \(dialect.stringLiteral($0.name)) AS metric" }.joined(separator: "\n  UNION ALL ")
    return """
      WITH cvar_audit_g AS (
        SELECT \(groups.joined(separator: ", ")),
          \(columns.joined(separator: ",\n    "))
        FROM \(dialect.quoteTable(table))
        GROUP BY \(groups.joined(separator: ", "))
      ),
      cvar_audit_m AS (
        \(metricList)
      )
      SELECT \(groups.map { "g.\($0)" }.joined(separator: ", ")),
        m.metric AS metric,
        g.cvar_audit_rows AS n,
        \(choose { _, s, _ in s }) AS \(q("sum")),
        \(choose { _, _, s in s }) AS sum_sq
      FROM cvar_audit_g AS g CROSS JOIN cvar_audit_m AS m
      ORDER BY \(groups.indices.map { String($0 + 1) }.joined(separator: ", ")), \(groups.count + 1)

      """
  }

  /// A finite number as a SQL numeric literal that reads back as the same
  /// `Double` (Swift prints the shortest such decimal).
  static func literal(_ x: Double) -> String {
    precondition(x.isFinite)
    return x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
  }
}

extension SQLDialect {
  /// A string literal: single quotes, a quote inside written twice (BigQuery
  /// and Spark also read backslash escapes, so a backslash and a quote are
  /// escaped there; BigQuery refuses a newline in a quoted string, so a line
  /// feed or carriage return is written `\n` or `\r` there, as in `quote`).
  /// Escaped scalar by scalar, as `quote`.
  func stringLiteral(_ text: String) -> String {
    "'" + text.escapingScalars { scalar in
      switch (self, scalar) {
      case (.bigquery, "\\"), (.spark, "\\"): "\\\\"
      case (.bigquery, "'"), (.spark, "'"): "\\'"
      case (.bigquery, "\n"): "\\n"
      case (.bigquery, "\r"): "\\r"
      case (.duckdb, "'"), (.postgres, "'"): "''"
      default: nil
      }
    } + "'"
  }
}

extension String {
  /// The string with each Unicode scalar for which `escape` returns a
  /// replacement replaced by it (scalars, not `Character`s: a quote followed
  /// by a combining mark is one `Character`, but two scalars to a SQL lexer).
  func escapingScalars(_ escape: (Unicode.Scalar) -> String?) -> String {
    var out = String.UnicodeScalarView()
    for scalar in unicodeScalars {
      if let replacement = escape(scalar) { out.append(contentsOf: replacement.unicodeScalars) } else { out.append(scalar) }
    }
    return String(out)
  }
}
