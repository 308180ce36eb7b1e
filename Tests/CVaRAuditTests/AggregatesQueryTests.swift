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
  }

  /// Every quote character in a name is escaped: stripping the escaped
  /// pairs leaves exactly the two delimiting quotes, for any name.
  @Test func noNameEndsTheQuotedIdentifierEarly() {
    let names = ["\"", "\"\"", "a\"", "`", "``x`", "a\" OR 1=1 --", "x`; DROP TABLE t; --"]
    for name in names {
      let d = SQLDialect.duckdb.quote(name)
      #expect(d.dropFirst().dropLast().replacingOccurrences(of: "\"\"", with: "").contains("\"") == false)
      let s = SQLDialect.spark.quote(name)
      #expect(s.dropFirst().dropLast().replacingOccurrences(of: "``", with: "").contains("`") == false)
    }
  }
}

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
