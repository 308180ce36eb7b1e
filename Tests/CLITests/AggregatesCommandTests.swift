import Testing
import Foundation
import FixtureSupport

private let good = """
  g,metric,n,sum,sum_sq
  a,tn,5,1,1
  a,fp,5,1,1
  a,fn,5,1,1
  a,tp,5,2,2
  b,tn,4,2,2
  b,fp,4,0,0
  b,fn,4,1,1
  b,tp,4,1,1

  """

@Suite struct AggregatesCommandTests {
  @Test func auditReadsAggregates() throws {
    let path = try temporaryFile(good)
    let r = try runCLI(["audit", "--aggregates", path, "--group-by", "g", "--metric", "fnr", "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    let summary = json["summary"] as! [String: Any]
    #expect(summary["rows"] as? Int == 9)
    #expect(summary["eligibleRows"] as? Int == 5)
  }

  @Test(arguments: [
    ("g,metric,n,sum,sum_sq\na,fnr,-2,0,0\n", ":2: group (a), metric 'fnr': n = -2 is negative"),
    ("g,metric,n,sum,sum_sq\na,fnr,3,4,4\n", ":2: group (a), metric 'fnr': sum = 4 exceeds n = 3"),
    ("g,metric,n,sum,sum_sq\na,loss:l,4,2,0.5\n", "inconsistent with sum = 2 and n = 4"),
    ("g,metric,n,sum,sum_sq\na,fnr,3,1,1\na,fnr,3,1,1\n", ":3: duplicate record for group (a) and metric 'fnr' (first on line 2)"),
    ("g,metric,n,sum\na,fnr,3,1\n", ":1: no column named 'sum_sq'"),
    ("g,metric,n,sum,sum_sq\na,fnr,three,1,1\n", ":2:3: column 'n': expected a finite number, found \"three\""),
    ("g,metric,n,sum,sum_sq\na,fnr,3,,\n", "empty (SQL NULL)"),
    ("g,metric,n,sum,sum_sq\na,fnr,2.5,1,1\n", "expected a whole number of rows"),
    ("g,metric,n,sum,sum_sq\na,f1_score,3,1,1\n", "unknown metric \"f1_score\""),
    ("g,metric,n,sum,sum_sq\na,tn,3,1,1\na,fp,3,1,1\na,fn,3,1,1\n", "lacks 'tp'"),
    ("g,metric,n,sum,sum_sq\na,fpr,3,1,1\n", "no records for the metric 'fnr'"),
    ("\"g\\\"x\",metric,n,sum,sum_sq\na,fnr,3,1,1\n", "escape='\"'"),
  ])
  func badAggregatesAreRefusedWithTheLine(text: String, expected: String) throws {
    let path = try temporaryFile(text)
    let r = try runCLI(["audit", "--aggregates", path, "--group-by", "g", "--metric", "fnr"])
    #expect(r.status == 2)
    #expect(r.stderr.contains(expected), "\(r.stderr)")
    #expect(r.stdout.isEmpty)
  }

  @Test func aggregatesOptionsAreValidated() throws {
    let path = try temporaryFile(good)
    for (arguments, expected) in [
      (["--aggregates", path, "--input", path, "--group-by", "g"], "not both"),
      (["--aggregates", path, "--group-by", "g", "--label", "y"], "--label does not apply to --aggregates"),
      (["--aggregates", path], "--group-by is required with --aggregates"),
      (["--aggregates", path, "--group-by", "h"], "no attribute column named 'h'"),
    ] {
      let r = try runCLI(["audit"] + arguments)
      #expect(r.status == 2)
      #expect(r.stderr.contains(expected), "\(r.stderr)")
    }
  }

  @Test func mergeAddsShardsAndRefusesMismatches() throws {
    let a = try temporaryFile(good)
    let b = try temporaryFile(good)
    let r = try runCLI(["merge", a, b])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.split(separator: "\n").first == "g,metric,n,sum,sum_sq")
    #expect(r.stdout.contains("a,tp,10,4,4"))
    let other = try temporaryFile("h,metric,n,sum,sum_sq\na,fnr,3,1,1\n")
    let bad = try runCLI(["merge", a, other])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("attribute columns (h) differ"))
    let metrics = try temporaryFile("g,metric,n,sum,sum_sq\na,fnr,3,1,1\n")
    let badMetrics = try runCLI(["merge", a, metrics])
    #expect(badMetrics.status == 2)
    #expect(badMetrics.stderr.contains("the metrics (fnr) differ"))
  }

  @Test func sqlQuotesAndChecks() throws {
    let r = try runCLI(["sql", "--dialect", "postgres", "--table", "s.t", "--group-by", "a\"b", "--label", "y",
                           "--prediction", "p", "--metric", "fnr"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("FROM \"s\".\"t\""))
    #expect(r.stdout.contains("GROUP BY \"a\"\"b\""))
    for (arguments, expected) in [
      (["--dialect", "oracle"], "dialect"),
      (["--dialect", "spark", "--group-by", "n", "--label", "y", "--prediction", "p"], "cannot be named 'n'"),
      (["--dialect", "spark", "--group-by", "g", "--prediction", "p", "--metric", "fnr"], "needs --label"),
      (["--dialect", "spark", "--group-by", "g", "--label", "y", "--score", "s"], "--score needs --threshold"),
    ] {
      let run = try runCLI(["sql", "--table", "t"] + arguments)
      #expect(run.status == 2)
      #expect(run.stderr.contains(expected), "\(run.stderr)")
    }
  }
}
