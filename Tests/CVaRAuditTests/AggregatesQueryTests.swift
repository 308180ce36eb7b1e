import Testing
import Foundation
@testable import CVaRAudit

@Suite struct SQLDialectTests {
  @Test func quotingDoublesTheQuoteCharacter() {
    #expect(SQLDialect.duckdb.quote(#"a"b"#) == #""a""b""#)
    #expect(SQLDialect.postgres.quote(#"x"; DROP TABLE t; --"#) == #""x""; DROP TABLE t; --""#)
    #expect(SQLDialect.spark.quote("a`b") == "`a``b`")
    #expect(SQLDialect.bigquery.quote("a`b\\c") == "`a\\`b\\\\c`")
    #expect(SQLDialect.duckdb.quoteTable("db.sch.t\"x") == #""db"."sch"."t""x""#)
    #expect(SQLDialect.spark.quoteTable("t") == "`t`")
  }

  @Test func stringLiterals() {
    #expect(SQLDialect.duckdb.stringLiteral("loss:it's") == "'loss:it''s'")
    #expect(SQLDialect.spark.stringLiteral("loss:a\\'b") == "'loss:a\\\\\\'b'")
    // BigQuery refuses a newline in a quoted string, even after a backslash.
    #expect(scalars(SQLDialect.bigquery.stringLiteral("loss:a\nb\r\nc")) == scalars("'loss:a\\nb\\r\\nc'"))
    #expect(SQLDialect.postgres.stringLiteral("loss:a\nb") == "'loss:a\nb'")
  }

  /// A quote followed by a combining mark is one Swift Character, not equal
  /// to the quote, but the engines read the quote: it must be escaped. Compared
  /// as scalars (String == compares canonically equivalent Characters).
  @Test func aQuoteBeforeACombiningMarkIsEscaped() {
    #expect(scalars(SQLDialect.postgres.quote("x\"\u{301}")) == scalars("\"x\"\"\u{301}\""))
    #expect(scalars(SQLDialect.spark.quote("x`\u{301}")) == scalars("`x``\u{301}`"))
    #expect(scalars(SQLDialect.bigquery.quote("x`\u{301}\\\u{301}\r\n")) == scalars("`x\\`\u{301}\\\\\u{301}\\r\\n`"))
    #expect(scalars(SQLDialect.duckdb.stringLiteral("it'\u{301}s")) == scalars("'it''\u{301}s'"))
    #expect(scalars(SQLDialect.bigquery.stringLiteral("it'\u{301}s")) == scalars("'it\\'\u{301}s'"))
    #expect(scalars(SQLDialect.duckdb.quoteTable("a.\u{301}b")) == scalars("\"a\".\"\u{301}b\""))
  }

  /// Every quote character in a name is escaped: between the two delimiting
  /// quotes no quote stands alone, for any name (scalar by scalar, as a SQL
  /// lexer reads).
  @Test func noNameEndsTheQuotedIdentifierEarly() {
    let names = ["\"", "\"\"", "a\"", "`", "``x`", "a\" OR 1=1 --", "x`; DROP TABLE t; --", "x\"\u{301}; --",
                 "x`\u{301}; --", "\u{301}\"\u{301}`\u{301}", "\\`", "a\\\u{301}`"]
    /// Whether a quote in the body (the text between the delimiters) is not
    /// part of an escape: `escape` followed by any scalar is one escape.
    func endsEarly(_ quoted: String, quote: Unicode.Scalar, escape: Unicode.Scalar) -> Bool {
      let all = scalars(quoted)
      guard all.count >= 2, all.first == quote, all.last == quote else { return true }
      let body = Array(all.dropFirst().dropLast())
      var i = 0
      while i < body.count {
        if body[i] == escape {
          if i + 1 == body.count || (escape == quote && body[i + 1] != quote) { return true }
          i += 2
        } else if body[i] == quote {
          return true
        } else {
          i += 1
        }
      }
      return false
    }
    for name in names {
      for dialect in [SQLDialect.duckdb, .postgres] {
        #expect(!endsEarly(dialect.quote(name), quote: "\"", escape: "\""), "\(dialect) \(name)")
      }
      #expect(!endsEarly(SQLDialect.spark.quote(name), quote: "`", escape: "`"), "spark \(name)")
      #expect(!endsEarly(SQLDialect.bigquery.quote(name), quote: "`", escape: "\\"), "bigquery \(name)")
    }
  }
}

/// The Unicode scalars of a string, to compare texts as a SQL lexer reads them.
func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }

@Suite struct AggregatesQueryTests {
  func query(_ metrics: [Metric], label: String? = "y", prediction: PredictionSource? = .column("p"),
             groupBy: [String] = ["race"]) -> AggregatesQuery {
    AggregatesQuery(dialect: .duckdb, table: "t", groupBy: groupBy, label: label, prediction: prediction, metrics: metrics)
  }

  @Test func outputMetrics() {
    #expect(query([.falseNegativeRate]).outputMetrics == AggregateMetric.cells)
    #expect(query([.selectionRate], label: nil).outputMetrics == [.metric(.selectionRate)])
    #expect(query([.loss(column: "l")], label: nil, prediction: nil).outputMetrics == [.metric(.loss(column: "l"))])
    #expect(query([.errorRate, .loss(column: "l")]).outputMetrics == AggregateMetric.cells + [.metric(.loss(column: "l"))])
  }

  @Test func checkNamesWhatIsMissing() {
    #expect(query([.falseNegativeRate], label: nil).check()?.contains("needs --label") == true)
    #expect(query([.errorRate], prediction: nil).check()?.contains("needs --prediction") == true)
    #expect(query([.errorRate], groupBy: ["N"]).check()?.contains("cannot be named 'N'") == true)
    #expect(query([.errorRate], groupBy: ["a", "A"]).check()?.contains("named twice") == true)
    #expect(AggregatesQuery(dialect: .spark, table: "a..b", groupBy: ["g"], label: "y", prediction: .column("p"),
                            metrics: [.errorRate]).check()?.contains("table name") == true)
    #expect(query([.errorRate]).check() == nil)
  }

  @Test func scoreThresholdIsAnExactLiteral() {
    let sql = query([.errorRate], prediction: .score(column: "s", threshold: 0.1)).sql
    #expect(sql.contains(#""s" - "s" = 0 AND "s" >= CAST(0.1 AS DOUBLE)"#))
    #expect(AggregatesQuery.literal(0.5) == "0.5" && AggregatesQuery.literal(2) == "2")
    #expect(Double(AggregatesQuery.literal(1e-7)) == 1e-7)
  }

  @Test func oneScanOneRowPerGroupAndMetric() {
    let sql = query([.errorRate, .loss(column: "l")]).sql
    #expect(sql.components(separatedBy: "FROM \"t\"").count == 2)
    #expect(sql.contains("GROUP BY \"race\""))
    #expect(sql.contains("CROSS JOIN cvar_audit_m"))
    for name in ["'tn'", "'fp'", "'fn'", "'tp'", "'loss:l'"] { #expect(sql.contains("SELECT \(name) AS metric")) }
  }
}
