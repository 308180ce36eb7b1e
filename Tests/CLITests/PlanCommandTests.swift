import Foundation
import Testing
import FixtureSupport

@Suite struct PlanCommandTests {
  static func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  /// The fixed JSON names and the closed forms (uniform K = 10, α = ε = 0.1,
  /// δ = 0.05, power 0.9, base rate 0.5: the numbers of
  /// SamplePlannerTests.handComputedScalingPreset; two-stage as in planning.json).
  @Test func jsonHasTheFixedNamesAndTheClosedForms() throws {
    let r = try runCLI(["plan", "--num-groups", "10", "--format", "json", "--samples", "20000"])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try Self.json(r.stdout)
    for name in ["renyi23", "norm23", "effectiveGroups", "samples", "bounds", "allocation", "twoStage", "detectable"] {
      #expect(doc[name] != nil, "\(name)")
    }
    let samples = try #require(doc["samples"] as? [String: Int])
    #expect(samples == ["maxGap": 3720, "cvarIID": 5058, "cvarStratified": 5058, "twoStage": 13303])
    #expect(doc["boundMethod"] as? String == "normal")
    #expect(number(doc["baseRate"]) == 0.5)
    #expect(isClose(number(doc["norm23"])!, 10.0.squareRoot(), relative: 1e-12))
    #expect(isClose(number(doc["effectiveGroups"])!, 10, relative: 1e-12))
    let bounds = try #require(doc["bounds"] as? [String: String])
    #expect(bounds["cvarIID"]!.contains("normal quantiles"))
    #expect(bounds["maxGap"]!.contains("Bonferroni, normal"))
    #expect((doc["allocation"] as! [Any]).count == 10)
  }

  /// --bound cantelli and --base-rate reach the planner, and the table says which bound it used.
  @Test func boundAndBaseRateOptions() throws {
    let cantelli = try runCLI(["plan", "--num-groups", "10", "--bound", "cantelli", "--format", "json"])
    #expect(cantelli.status == 0, "\(cantelli.stderr)")
    let doc = try Self.json(cantelli.stdout)
    let samples = try #require(doc["samples"] as? [String: Int])
    #expect(samples["maxGap"] == 11983 && samples["cvarIID"] == 18055)
    #expect((doc["bounds"] as! [String: String])["maxGap"]!.contains("Bonferroni–Hoeffding"))
    // A smaller base rate: less noise, fewer rows (σ² = 0.09 at b = 0.1).
    let low = try runCLI(["plan", "--num-groups", "10", "--base-rate", "0.1"])
    #expect(low.status == 0, "\(low.stderr)")
    #expect(low.stdout.contains("base rate = 0.1 (σ² = 0.09)"))
    #expect(low.stdout.contains("Sizes: normal approximation"))
    let table = try runCLI(["plan", "--num-groups", "10", "--bound", "cantelli"])
    #expect(table.stdout.contains("Sizes: one-sided Cantelli"))
  }

  /// A size beyond 64 bits prints "not reachable" (the old planner trapped on
  /// J·m overflowing Int at ε = 1e-10).
  /// Sizes beyond 2^53 rows: exit 2 with "not reachable" (no table of unusable numbers, no trap;
  /// before, J·m overflowed and trapped at ε = 1e-10).
  @Test func hugeSizesAreNotReachable() throws {
    for format in ["table", "json"] {
      let r = try runCLI(["plan", "--num-groups", "5", "--epsilon", "1e-10", "--format", format])
      #expect(r.status == 2, "\(r.stderr)")
      #expect(r.stdout.isEmpty)
      #expect(r.stderr.contains("not reachable"))
    }
  }

  @Test func sharesFileAndPopulationWeights() throws {
    let path = try temporaryFile("group,share\na,0.5\nb,0.3\nc,0.2\n", name: "shares.csv")
    let r = try runCLI(["plan", "--shares", path, "--weights", "population", "--format", "csv"])
    #expect(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n")
    #expect(lines.first == "group,share,weight,stratified_share,rows")
    #expect(lines.count == 4)
    #expect(lines[1].hasPrefix("a,0.5,0.5,"))
  }

  @Test func groupSizesFromData() throws {
    let path = try temporaryFile("g,h\nx,1\nx,2\ny,3\nz,4\n")
    let r = try runCLI(["plan", "--input", path, "--group-by", "g", "--weights", "population", "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try Self.json(r.stdout)
    let allocation = try #require(doc["allocation"] as? [[String: Any]])
    #expect(allocation.map { $0["group"] as! String } == ["x", "y", "z"])
    #expect(isClose(number(allocation[0]["share"])!, 0.5))
    // The embedded data: 34 COMPAS groups.
    let compas = try runCLI(["plan", "--format", "json"])
    #expect(compas.status == 0, "\(compas.stderr)")
    #expect(try Self.json(compas.stdout)["groups"] as? Int == 34)
  }

  /// --simulate reports n* next to each bound, with power ≥ the target at n*.
  @Test func simulateAddsEmpiricalSampleComplexity() throws {
    let r = try runCLI(["plan", "--num-groups", "4", "--alpha", "0.25", "--epsilon", "0.2", "--simulate",
                        "--replicates", "200", "--calibration-replicates", "300", "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let simulated = try #require(try Self.json(r.stdout)["simulated"] as? [String: Any])
    let n = try #require(simulated["samples"] as? [String: Int])
    #expect(n.count == 4)
    let power = try #require(simulated["power"] as? [String: Double])
    for (_, p) in power { #expect(p >= 0.9) }
    let ratio = try #require(simulated["boundOverSimulated"] as? [String: Double])
    for (_, x) in ratio { #expect(x > 0.5 && x < 50) }
  }

  @Test(arguments: [
    (["plan", "--num-groups", "1"], "'--num-groups <K>': expected an integer in [2, 100000], found 1"),
    (["plan", "--num-groups", "5", "--epsilon", "0"], "'--epsilon <epsilon>': expected a number in (0, ∞), found 0"),
    (["plan", "--num-groups", "5", "--epsilon", "-0.1"], "expected a number in (0, ∞), found -0.1"),
    (["plan", "--num-groups", "5", "--epsilon", "inf"], "expected a number in (0, ∞), found inf"),
    (["plan", "--num-groups", "5", "--eligible-share", "0.3"], "--eligible-share goes with --metric"),
    (["plan", "--num-groups", "5", "--metric", "fnr"], "needs --eligible-share e: the share of all rows that are positives (y = 1)"),
    (["plan", "--metric", "fnr", "--eligible-share", "0.3"], "--eligible-share goes with --num-groups or --shares"),
    (["plan", "--num-groups", "5", "--metric", "error", "--eligible-share", "0.3"], "every row is eligible"),
    (["plan", "--num-groups", "5", "--alpha", "1.5"], "'--alpha <alpha>': expected a number in (0, 1], found 1.5"),
    (["plan", "--num-groups", "5", "--power", "1"], "'--power <power>': expected a number in [1e-12, 0.999999999999], found 1"),
    (["plan", "--num-groups", "5", "--simulate", "--base-rate", "0.9", "--epsilon", "0.5"], "not detectable: ε = 0.5"),
    // Within 1 − b for one group, but not for the flat tail measured from the weighted mean (--simulate's alternative).
    (["plan", "--num-groups", "5", "--simulate", "--alpha", "0.4", "--epsilon", "0.45"], "not detectable by --simulate: ε = 0.45"),
    (["plan", "--num-groups", "5", "--simulate", "--replicates", "0"], "'--replicates <replicates>': expected an integer in [1, 1000000], found 0"),
    (["plan", "--num-groups", "5", "--base-rate", "1"], "'--base-rate <b>': expected a number in [0, 1), found 1"),
    (["plan", "--num-groups", "5", "--bound", "chebyshev"], "--bound"),
    (["plan", "--num-groups", "5", "--top", "-1"], "'--top <N>': expected an integer in [0, 1000000000], found -1"),
  ])
  func badInputExitsTwo(arguments: [String], message: String) throws {
    let r = try runCLI(arguments)
    #expect(r.status == 2)
    #expect(r.stderr.contains(message), "\(r.stderr)")
    #expect(r.stdout.isEmpty)
  }

  /// The allocation table at large K: 20 groups by default above 40 (all up to 40), --top N,
  /// --top 0 for all, the ones that need the most for what they have first; JSON keeps every group.
  @Test func allocationTableTop() throws {
    func groupLines(_ text: String) -> [String] {
      let lines = text.components(separatedBy: "\n")
      let start = lines.firstIndex { $0.hasPrefix("group ") }! + 1
      return Array(lines[start...].prefix { !$0.hasPrefix("…") && !$0.hasPrefix("total ") })
    }
    let forty = try runCLI(["plan", "--num-groups", "40"])
    #expect(groupLines(forty.stdout).count == 40 && !forty.stdout.contains("more groups"))
    let many = try runCLI(["plan", "--num-groups", "41"])
    #expect(groupLines(many.stdout).count == 20)
    #expect(many.stdout.contains("… 21 more groups (shown: the 20 that need the most rows; --top 0 for all"))
    #expect(groupLines(try runCLI(["plan", "--num-groups", "41", "--top", "0"]).stdout).count == 41)
    #expect(groupLines(try runCLI(["plan", "--num-groups", "41", "--top", "3"]).stdout).count == 3)
    #expect((try Self.json(try runCLI(["plan", "--num-groups", "41", "--top", "3", "--format", "json"]).stdout)["allocation"] as! [Any]).count == 41)
    // With group sizes: the group that is shortest for its size comes first (c has 1 row of 11 needed).
    let rows = (0..<600).map { "a\($0 % 50)" } + ["c"]
    let path = try temporaryFile("g\n" + rows.joined(separator: "\n") + "\n")
    let r = try runCLI(["plan", "--input", path, "--group-by", "g", "--top", "2"])
    #expect(r.status == 0, "\(r.stderr)")
    let shown = groupLines(r.stdout)
    #expect(shown.count == 2 && shown[0].hasPrefix("c ") && shown[0].hasSuffix("short"), "\(shown)")
    #expect(r.stdout.contains("short ones first"))
  }

  @Test func badSharesFiles() throws {
    for (text, message) in [("0.5\n-0.1\n0.6\n", ":2:1: a share must be a finite number ≥ 0"),
                            ("0\n0\n", "sum to 0"), ("0.5\nabc\n", ":2:1: expected a share (a number)"),
                            ("1\n", "at least 2 groups")] {
      let path = try temporaryFile(text, name: "shares.txt")
      let r = try runCLI(["plan", "--shares", path])
      #expect(r.status == 2, "\(text)")
      #expect(r.stderr.contains(message), "\(r.stderr)")
    }
  }

  /// The number formats of the other commands: " | " between a group's
  /// values, thousands separators, singular for one (before: "a/x",
  /// "(4000 rows", "1 replicates", "J = 1 groups" style text).
  @Test func numberFormatsAndGroupSeparator() throws {
    let rows = (0..<4000).map { i in "\(i % 2 == 0 ? "a" : "b"),\(i % 3 == 0 ? "x" : "y")" }.joined(separator: "\n")
    let path = try temporaryFile("g,h\n" + rows + "\n")
    let r = try runCLI(["plan", "--input", path, "--group-by", "g,h", "--simulate", "--replicates", "1",
                        "--calibration-replicates", "1000", "--epsilon", "0.3", "--alpha", "0.3", "--base-rate", "0.2"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("Audit plan: 4 groups (group sizes of \(path) (4,000 rows, by g, h))"), "\(r.stdout)")
    #expect(r.stdout.contains("\na | x "), "\(r.stdout)")
    #expect(!r.stdout.contains("a/x"))
    // The "Simulated:" sentence is wrapped at 100 columns.
    #expect(r.stdout.replacingOccurrences(of: "\n  ", with: " ")
      .contains("1,000 null replicates at each n), 1 replicate per power estimate"), "\(r.stdout)")
    let study = try runCLI(["test-study", "--groups", "2", "--sizes", "balanced", "--rows-per-group", "1000",
                            "--replicates", "1", "--permutations", "1999", "--designs", "l2/permutation"])
    #expect(study.status == 0, "\(study.stderr)")
    #expect(study.stdout.hasPrefix("R = 1 replicate per cell, B = 1,999,"), "\(study.stdout)")
    #expect(study.stdout.contains("| 2 | balanced, 1,000 each |"), "\(study.stdout)")
    let power = try runCLI(["test-study", "--groups", "4", "--alternative", "single", "--samples", "10000",
                            "--replicates", "1", "--permutations", "1", "--designs", "l2/permutation"])
    #expect(power.stdout.contains("| 4 | 10,000 | 2,500 |"), "\(power.stdout)")
  }

  /// Rows of three groups: a has 3 positives (1 missed) of 6 rows, b 1
  /// positive (missed) of 4, c none of 2 (left out of an fnr plan).
  static let eligibilityRows = "g,y,p\n" + [
    "a,1,1", "a,1,1", "a,1,0", "a,0,0", "a,0,1", "a,0,0",
    "b,1,0", "b,0,0", "b,0,0", "b,0,1",
    "c,0,0", "c,0,1",
  ].joined(separator: "\n") + "\n"

  /// --metric fnr plans on the positives: their group shares (3/4, 1/4), the
  /// observed fnr (2/4) as base rate, and total rows at the eligible shares
  /// (pooled 4/10 for the i.i.d. designs; a: 3/6 and b: 1/4 per group).
  @Test func metricPlansOnTheEligibleRows() throws {
    let path = try temporaryFile(Self.eligibilityRows)
    let columns = ["--input", path, "--group-by", "g", "--label", "y", "--prediction", "p", "--epsilon", "0.3"]
    let r = try runCLI(["plan"] + columns + ["--metric", "fnr", "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try Self.json(r.stdout)
    #expect(doc["groups"] as? Int == 2)
    let allocation = try #require(doc["allocation"] as? [[String: Any]])
    #expect(allocation.map { $0["group"] as! String } == ["a", "b"])
    #expect(isClose(number(allocation[0]["share"])!, 0.75) && isClose(number(allocation[1]["share"])!, 0.25))
    #expect(number(doc["baseRate"]) == 0.5)
    let eligible = try #require(doc["eligible"] as? [String: Any])
    #expect(eligible["metric"] as? String == "fnr")
    #expect(eligible["groupsLeftOut"] as? Int == 1)
    #expect(isClose(number(eligible["share"])!, 0.4))
    let samples = try #require(doc["samples"] as? [String: Int])
    let totals = try #require(eligible["totalRows"] as? [String: Int])
    #expect(totals["maxGap"] == Int((Double(samples["maxGap"]!) / 0.4).rounded(.up)))
    #expect(totals["cvarIID"] == Int((Double(samples["cvarIID"]!) / 0.4).rounded(.up)))
    let rows = allocation.map { $0["rows"] as! Int }
    #expect(totals["cvarStratified"] == Int((Double(rows[0]) / 0.5).rounded(.up) + (Double(rows[1]) / 0.25).rounded(.up)))
    // The same sizes as a shares file with those shares and base rate.
    let shares = try temporaryFile("a,0.75\nb,0.25\n", name: "shares.csv")
    let same = try runCLI(["plan", "--shares", shares, "--base-rate", "0.5", "--epsilon", "0.3", "--format", "json"])
    #expect(try Self.json(same.stdout)["samples"] as? [String: Int] == samples)
    // The table: the positives and the total rows side by side.
    let table = try runCLI(["plan"] + columns + ["--metric", "fnr"])
    #expect(table.stdout.contains("positives (bound)   ≈ total rows"), "\(table.stdout)")
    #expect(table.stdout.contains("positives are 40.0% of the rows"), "\(table.stdout)")
    #expect(table.stdout.contains("1 group without positives left out"), "\(table.stdout)")
    // fpr: the negatives, 3 + 3 + 2 = 8 of 12, fpr 3/8.
    let fpr = try Self.json(try runCLI(["plan"] + columns + ["--metric", "fpr", "--format", "json"]).stdout)
    #expect(number(fpr["baseRate"]) == 0.375)
    #expect(isClose(number((fpr["eligible"] as! [String: Any])["share"])!, 8.0 / 12))
    // Without data, --eligible-share converts the sizes.
    let fixed = try Self.json(try runCLI(["plan", "--num-groups", "4", "--metric", "fpr", "--eligible-share", "0.25",
                                          "--format", "json"]).stdout)
    let fixedSamples = fixed["samples"] as! [String: Int]
    #expect((fixed["eligible"] as! [String: Any])["totalRows"] as? [String: Int] != nil)
    #expect(((fixed["eligible"] as! [String: Any])["totalRows"] as! [String: Int])["cvarIID"] == 4 * fixedSamples["cvarIID"]!)
  }

  /// An ε no group can reach is "not detectable" with exit 2: above 1 − b,
  /// above 1, and for a lower-is-worse metric above b (before, plan printed
  /// sizes for ε = 1 at b = 0.5, where a violating group would need rate 1.5).
  @Test func undetectableEpsilonExitsTwo() throws {
    for (arguments, message) in [
      (["--epsilon", "0.6"], "not detectable: ε = 0.6: with base rate b = 0.5, a group's rate can rise at most 1 − b = 0.5"),
      (["--epsilon", "1"], "not detectable: ε = 1:"),
      (["--epsilon", "1.5"], "a rate disparity is at most 1"),
      (["--epsilon", "0.3", "--base-rate", "0.8"], "lower --epsilon to at most 0.2"),
      (["--epsilon", "0.3", "--base-rate", "0.2", "--metric", "tpr", "--eligible-share", "0.5"],
       "lower tpr worse, a group's tpr can fall at most b = 0.2 below it"),
    ] {
      for format in ["table", "json"] {
        let r = try runCLI(["plan", "--num-groups", "3"] + arguments + ["--format", format])
        #expect(r.status == 2, "\(arguments)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
      }
    }
    // At the edge it is detectable, and a lower-is-worse metric is planned on 1 − rate.
    #expect(try runCLI(["plan", "--num-groups", "3", "--epsilon", "0.5"]).status == 0)
    let tpr = try runCLI(["plan", "--num-groups", "3", "--epsilon", "0.3", "--base-rate", "0.8", "--metric", "tpr",
                          "--eligible-share", "0.5", "--format", "json"])
    let mirrored = try runCLI(["plan", "--num-groups", "3", "--epsilon", "0.3", "--base-rate", "0.2", "--format", "json"])
    #expect(tpr.status == 0, "\(tpr.stderr)")
    #expect(try Self.json(tpr.stdout)["samples"] as? [String: Int] == Self.json(mirrored.stdout)["samples"] as? [String: Int])
    // --samples: a design whose detectable ε is beyond 1 − b says so (JSON null).
    let small = try runCLI(["plan", "--num-groups", "3", "--samples", "2"])
    #expect(small.stdout.contains("none ≤ 0.5"), "\(small.stdout)")
  }

  /// With group sizes from the data, an allocation that asks a group for more
  /// rows than it has is named: how many groups, and the worst one.
  @Test func allocationBeyondTheGroupSizesWarns() throws {
    let rows = (0..<600).map { _ in "big,x" } + (0..<40).map { _ in "mid,x" } + ["tiny,x", "tiny,x", "tiny,x"]
    let path = try temporaryFile("g,h\n" + rows.joined(separator: "\n") + "\n")
    let r = try runCLI(["plan", "--input", path, "--group-by", "g", "--epsilon", "0.3", "--alpha", "0.3"])
    #expect(r.status == 0, "\(r.stderr)")
    // Each warning is wrapped at 100 columns (continuation lines indented by two spaces).
    let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.filter { $0.hasPrefix("Warning: ") }.count == 3)
    #expect(lines.allSatisfy { !$0.hasPrefix("Warning: ") || $0.count <= 100 }, "\(r.stdout)")
    let text = r.stdout.replacingOccurrences(of: "\n  ", with: " ")
    #expect(text.contains("Warning: the stratified allocation asks more rows than 2 of 3 groups have; worst: tiny needs"), "\(r.stdout)")
    #expect(text.contains(", has 3."), "\(r.stdout)")
    #expect(text.contains("Warning: the two-stage design takes m = "), "\(r.stdout)")
    #expect(text.contains("worst: tiny has 3."), "\(r.stdout)")
    #expect(text.contains("need more rows than the data has (643)"), "\(r.stdout)")
    let json = try Self.json(try runCLI(["plan", "--input", path, "--group-by", "g", "--epsilon", "0.3", "--alpha", "0.3",
                                         "--format", "json"]).stdout)
    #expect((json["warnings"] as? [String])?.count == 3)
    // No sizes, no warning.
    let none = try Self.json(try runCLI(["plan", "--num-groups", "3", "--format", "json"]).stdout)
    #expect((none["warnings"] as? [String]) == [])
  }
}
