import Foundation
import Testing
import FixtureSupport

@Suite struct AuditCommandTests {
  static func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  @Test func defaultRunsOnEmbeddedCompas() throws {
    let r = try runCLI(["audit"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("CVaR audit of the error rate across race × sex × age_cat"))
    #expect(r.stdout.contains("7,214 rows, 34 groups"))
  }

  @Test func jsonSchemaHasTheFixedNames() throws {
    let r = try runCLI(["audit", "--metric", "fpr", "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try Self.json(r.stdout)
    for name in ["schemaVersion", "metric", "alpha", "groupBy", "groups", "summary", "excludedRows"] {
      #expect(doc[name] != nil, "top-level \(name)")
    }
    #expect(doc["metric"] as? String == "fpr")
    #expect(doc["groupBy"] as? [String] == ["race", "sex", "age_cat"])
    let groups = try #require(doc["groups"] as? [[String: Any]])
    #expect(groups.count == 30)  // 4 COMPAS cells have no negatives, so no FPR
    for g in groups {
      for name in ["key", "n", "rate", "ci", "disparity", "weight", "tailWeight", "inTail"] {
        #expect(g[name] != nil, "group field \(name)")
      }
    }
    let summary = try #require(doc["summary"] as? [String: Any])
    for name in ["groups", "rows", "overallRate", "cvar", "var", "maxGap", "cvarInterval", "renyi23", "effectiveGroups"] {
      #expect(summary[name] != nil, "summary field \(name)")
    }
    #expect(summary["rows"] as? Int == 7214)
    #expect(summary["groups"] as? Int == 30)
    #expect((doc["groupsWithoutRate"] as? [Any])?.count == 4)
    // CVaR from the JSON equals Σ tailWeight·disparity.
    let cvar = try #require(summary["cvar"] as? Double)
    let sum = groups.map { ($0["tailWeight"] as! Double) * ($0["disparity"] as! Double) }.reduce(0, +)
    #expect(abs(cvar - sum) < 1e-12)
  }

  @Test func csvOutputAndStdinInput() throws {
    let data = "race,y,p\nA,1,1\nA,0,1\nB,1,0\nB,0,0\nB,1,1\n"
    let r = try runCLI(["audit", "--input", "-", "--group-by", "race", "--label", "y", "--prediction", "p",
                        "--format", "csv", "--alpha", "0.5"], stdin: data)
    #expect(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n")
    #expect(lines.first == "race,n,sum,rate,ci_low,ci_high,disparity,disparity_low,disparity_high,weight,tail_weight,in_tail,ratio,tn,fp,fn,tp")
    #expect(lines.count == 3)
    #expect(lines[1].hasPrefix("A,2,1.0,0.5,"))  // A: 1 error of 2; B: 1 of 3
  }

  @Test func missingValuesKeptOrExcludedAndCounted() throws {
    let data = "g,y,p\na,1,1\n,0,1\n,1,1\nb,0,0\n"
    let kept = try runCLI(["audit", "--input", "-", "--group-by", "g", "--label", "y", "--prediction", "p", "--format", "json"], stdin: data)
    #expect(kept.status == 0)
    #expect((try Self.json(kept.stdout)["summary"] as! [String: Any])["groups"] as? Int == 3)
    let dropped = try runCLI(["audit", "--input", "-", "--group-by", "g", "--label", "y", "--prediction", "p",
                              "--missing", "exclude", "--format", "json"], stdin: data)
    let doc = try Self.json(dropped.stdout)
    let excluded = doc["excludedRows"] as! [String: Any]
    #expect(excluded["total"] as? Int == 2)
    #expect((excluded["byReason"] as? [String: Int])?["missingAttribute"] == 2)
    #expect((doc["summary"] as! [String: Any])["groups"] as? Int == 2)
  }

  @Test func blankLinesAreSkippedAndCounted() throws {
    let data = "g,y,p\n\na,1,1\n\n\nb,0,1\r\n\r\nb,1,1\n"
    let r = try runCLI(["audit", "--input", "-", "--group-by", "g", "--label", "y", "--prediction", "p", "--format", "json"], stdin: data)
    #expect(r.status == 0, "\(r.stderr)")
    let summary = try Self.json(r.stdout)["summary"] as! [String: Any]
    #expect(summary["rows"] as? Int == 3)
    #expect(summary["blankLines"] as? Int == 4)
    let table = try runCLI(["audit", "--input", "-", "--group-by", "g", "--label", "y", "--prediction", "p"], stdin: data)
    #expect(table.stdout.contains("; 4 blank lines skipped"))
  }

  @Test func scoreThresholdMatchesEmbeddedDefault() throws {
    let path = Fixtures.repositoryRoot.appendingPathComponent("Sources/CVaRAudit/Resources/compas-two-years.csv").path
    let explicit = try runCLI(["audit", "--input", path, "--group-by", "race,sex,age_cat", "--label", "two_year_recid",
                               "--score", "decile_score", "--threshold", "5", "--format", "csv"])
    let embedded = try runCLI(["audit", "--format", "csv"])
    #expect(explicit.status == 0 && explicit.stdout == embedded.stdout)
  }

  // MARK: - Bad input: a message naming the place, exit 2, nothing on stdout.

  static func expectFailure(_ arguments: [String], stdin: String? = nil, mentions: [String],
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
    let r = try runCLI(arguments, stdin: stdin)
    #expect(r.status == 2, "exit \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stdout.isEmpty, "no partial result: \(r.stdout)", sourceLocation: sourceLocation)
    for text in mentions {
      #expect(r.stderr.contains(text), "stderr should mention '\(text)': \(r.stderr)", sourceLocation: sourceLocation)
    }
    #expect(!r.stderr.contains("Fatal error"), sourceLocation: sourceLocation)
  }

  static let base = ["audit", "--group-by", "g", "--label", "y", "--prediction", "p"]

  @Test func missingAndEmptyFiles() throws {
    try Self.expectFailure(Self.base + ["--input", "/no/such/file.csv"], mentions: ["/no/such/file.csv", "cannot open"])
    let empty = try temporaryFile("")
    try Self.expectFailure(Self.base + ["--input", empty], mentions: [empty, "empty"])
    let headerOnly = try temporaryFile("g,y,p\n")
    try Self.expectFailure(Self.base + ["--input", headerOnly], mentions: [headerOnly + ":2", "header only"])
  }

  @Test func unknownColumnListsTheAvailableOnes() throws {
    let file = try temporaryFile("g,y,p\na,1,1\n")
    try Self.expectFailure(["audit", "--input", file, "--group-by", "race", "--label", "y", "--prediction", "p"],
                           mentions: ["no column named 'race'", "'g', 'y', 'p'"])
  }

  @Test func raggedRowsAndBadValues() throws {
    let ragged = try temporaryFile("g,y,p\na,1,1\nb,1\n")
    try Self.expectFailure(Self.base + ["--input", ragged], mentions: [ragged + ":3", "expected 3 fields", "found 2"])
    let badLabel = try temporaryFile("g,y,p\na,1,1\nb,2,0\n")
    try Self.expectFailure(Self.base + ["--input", badLabel], mentions: [badLabel + ":3:2", "'y'", "0 or 1", "\"2\""])
    let badPrediction = try temporaryFile("g,y,p\na,1,yes\n")
    try Self.expectFailure(Self.base + ["--input", badPrediction], mentions: [":2:3", "'p'"])
    let badScore = try temporaryFile("g,y,s\na,1,0.3\nb,0,abc\n")
    try Self.expectFailure(["audit", "--input", badScore, "--group-by", "g", "--label", "y", "--score", "s", "--threshold", "0.5"],
                           mentions: [":3:3", "numeric score", "\"abc\""])
    let nanScore = try temporaryFile("g,y,s\na,1,NaN\n")
    try Self.expectFailure(["audit", "--input", nanScore, "--group-by", "g", "--label", "y", "--score", "s", "--threshold", "0.5"],
                           mentions: [":2:3", "finite score"])
    let infScore = try temporaryFile("g,y,s\na,1,inf\n")
    try Self.expectFailure(["audit", "--input", infScore, "--group-by", "g", "--label", "y", "--score", "s", "--threshold", "0.5"],
                           mentions: ["finite score"])
    let badLoss = try temporaryFile("g,l\na,1.5\n")
    try Self.expectFailure(["audit", "--input", badLoss, "--group-by", "g", "--metric", "loss:l"], mentions: [":2:2", "[0, 1]"])
    let unterminated = try temporaryFile("g,y,p\na,1,\"1\n")
    try Self.expectFailure(Self.base + ["--input", unterminated], mentions: ["unterminated"])
  }

  @Test func invalidOptions() throws {
    let file = try temporaryFile("g,y,p\na,1,1\nb,0,1\n")
    try Self.expectFailure(Self.base + ["--input", file, "--alpha", "0"], mentions: ["--alpha", "(0, 1]"])
    try Self.expectFailure(Self.base + ["--input", file, "--alpha", "1.5"], mentions: ["--alpha"])
    try Self.expectFailure(["audit", "--input", file, "--group-by", "", "--label", "y", "--prediction", "p"], mentions: ["--group-by"])
    try Self.expectFailure(["audit", "--input", file, "--group-by", "g,,y", "--label", "y", "--prediction", "p"], mentions: ["--group-by"])
    try Self.expectFailure(["audit", "--input", file, "--label", "y", "--prediction", "p"], mentions: ["--group-by is required"])
    try Self.expectFailure(Self.base + ["--input", file, "--metric", "f1_score"], mentions: ["--metric"])
    try Self.expectFailure(Self.base + ["--input", file, "--confidence-level", "1"], mentions: ["--confidence-level"])
    try Self.expectFailure(["audit", "--input", file, "--group-by", "g", "--prediction", "p"], mentions: ["needs --label"])
    try Self.expectFailure(Self.base + ["--input", file, "--reference", "group:a,b"], mentions: ["--reference"])
    try Self.expectFailure(Self.base + ["--input", file, "--reference", "group:zzz"], mentions: ["zzz", "no rows"])
    try Self.expectFailure(Self.base + ["--input", file, "--delimiter", "ab"], mentions: ["--delimiter"])
    try Self.expectFailure(["audit", "--input", file, "--group-by", "g", "--metric", "loss:y", "--interval", "wilson"], mentions: ["binary metric"])
  }

  @Test func metricWithNoEligibleRows() throws {
    let file = try temporaryFile("g,y,p\na,0,1\nb,0,0\n")
    try Self.expectFailure(Self.base + ["--input", file, "--metric", "fnr"], mentions: [file, "no rows are eligible", "label 1"])
  }

  @Test func helpExitsZero() throws {
    let r = try runCLI(["audit", "--help"])
    #expect(r.status == 0)
    #expect(r.stdout.contains("--group-by"))
  }

  /// One 100,000-character group value: the table shows it whole, with no
  /// padding left at the ends of lines (the trim was a regular expression,
  /// quadratic in the line: over 30 s; see README "Bad input" for the time now).
  @Test func longGroupValueIsRenderedWhole() throws {
    let value = String(repeating: "x", count: 100_000)
    let data = "g,y,p\n\(value),1,1\n\(value),0,1\nb,0,0\nb,1,1\n"
    for command in [["audit"], ["test", "--permutations", "9"]] {
      let r = try runCLI(command + ["--input", "-", "--group-by", "g", "--label", "y", "--prediction", "p", "--alpha", "0.5"],
                         stdin: data)
      #expect(r.status == 0, "\(r.stderr)")
      let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
      #expect(lines.contains { $0.hasPrefix(value + "  ") }, "\(command)")
      #expect(!lines.contains { $0.hasSuffix(" ") }, "\(command)")
    }
  }

  /// CSV output quotes a value holding "\r\n" (one Character, so a check by
  /// Character missed it) and, with --escape-formulas only, prefixes values
  /// a spreadsheet would run as formulas.
  @Test func csvQuotesCRLFAndEscapesFormulasOnRequest() throws {
    let data = "g,y,p\n\"a\r\nb\",1,1\n\"a\r\nb\",0,1\n=1+2,0,0\n=1+2,1,1\n@x,1,0\n-y,0,0\n"
    let options = ["audit", "--input", "-", "--group-by", "g", "--label", "y", "--prediction", "p", "--format", "csv"]
    let plain = try runCLI(options, stdin: data)
    #expect(plain.status == 0, "\(plain.stderr)")
    #expect(plain.stdout.contains("\n\"a\r\nb\",2,"))
    #expect(plain.stdout.contains("\n=1+2,2,") && plain.stdout.contains("\n@x,1,") && plain.stdout.contains("\n-y,1,"))
    let escaped = try runCLI(options + ["--escape-formulas"], stdin: data)
    #expect(escaped.status == 0, "\(escaped.stderr)")
    #expect(escaped.stdout.contains("\n'=1+2,2,") && escaped.stdout.contains("\n'@x,1,") && escaped.stdout.contains("\n'-y,1,"))
    #expect(escaped.stdout.contains("\n\"a\r\nb\",2,"))
    // Numbers are never prefixed: a negative disparity stays a number.
    #expect(escaped.stdout.contains(",-0.") || escaped.stdout.contains(",-1"))
    #expect(!escaped.stdout.contains(",'-"))
  }

  /// Negative numbers and -0 are values, not option names.
  @Test func negativeNumbersAreValues() throws {
    let r = try runCLI(["test", "--calibration", "tolerance", "--tolerance", "-0.05", "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("\"tolerance\" : -0.05"))
    let zero = try runCLI(["audit", "--alpha", "-0"])
    #expect(zero.status == 2)
    #expect(zero.stderr.contains("'--alpha <alpha>': expected a number in (0, 1], found -0"), "\(zero.stderr)")
  }
}
