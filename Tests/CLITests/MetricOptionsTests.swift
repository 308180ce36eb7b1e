import Foundation
import Testing
import FixtureSupport

/// The metrics beyond error/fnr/fpr/selection, `--worse`, ratios and
/// confusion counts, run through the built executable.
@Suite struct MetricOptionsTests {
  static let rows = Fixtures.url("metric_rows.csv").path
  static let columns = ["--input", rows, "--group-by", "a,b,c", "--label", "y", "--prediction", "yhat"]

  static func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  static func key(_ group: [String: Any]) -> String {
    let k = group["key"] as! [String: String]
    return [k["a"]!, k["b"]!, k["c"]!].joined(separator: ",")
  }

  /// Each metric, under its own name and a fairlearn / scikit-learn alias:
  /// the rates and counts of the fixture, and the default direction.
  @Test(arguments: [("tpr", "recall"), ("tnr", "true_negative_rate"), ("ppv", "precision"), ("npv", "negative_predictive_value"),
                    ("fdr", "false_discovery_rate"), ("for", "false-omission-rate"), ("accuracy", "accuracy_score")])
  func metricMatchesFairlearn(name: String, alias: String) throws {
    let fixture = try Fixtures.json("metric_rates.json")
    var expected: [String: [String: Any]] = [:]
    for c in fixture["cases"] as! [[String: Any]] { expected[Self.key(c)] = c }
    let r = try runCLI(["audit"] + Self.columns + ["--metric", alias, "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try Self.json(r.stdout)
    #expect(doc["metric"] as? String == name)
    let lowerIsWorse = ["tpr", "tnr", "ppv", "npv", "accuracy"].contains(name)
    #expect(doc["worse"] as? String == (lowerIsWorse ? "lower" : "higher"))
    #expect(doc["disparity"] as? String == "one-sided")
    let summary = try #require(doc["summary"] as? [String: Any])
    let reference = try #require(summary["referenceRate"] as? Double)
    let groups = try #require(doc["groups"] as? [[String: Any]])
    var seen = 0
    for g in groups {
      let c = try #require(expected[Self.key(g)])
      let rate = try #require(g["rate"] as? Double)
      let oracle = try #require(number((c["rates"] as! [String: Any])[name]))
      #expect(isClose(rate, oracle, relative: 1e-12, absolute: 1e-15), "\(Self.key(g))")
      for cell in ["tn", "fp", "fn", "tp"] { #expect(g[cell] as? Int == c[cell] as? Int, "\(cell)") }
      let disparity = try #require(g["disparity"] as? Double)
      #expect(isClose(disparity, lowerIsWorse ? reference - rate : rate - reference, relative: 1e-12, absolute: 1e-15))
      #expect(isClose(try #require(g["ratio"] as? Double), rate / reference, relative: 1e-12, absolute: 1e-15))
      #expect(g["belowFourFifths"] == nil)
      seen += 1
    }
    let without = (doc["groupsWithoutRate"] as! [Any]).count
    #expect(seen + without == expected.count)
  }

  @Test func worseReversesTheSign() throws {
    let higher = try Self.json(try runCLI(["audit"] + Self.columns + ["--metric", "tpr", "--worse", "higher", "--format", "json"]).stdout)
    let lower = try Self.json(try runCLI(["audit"] + Self.columns + ["--metric", "tpr", "--format", "json"]).stdout)
    let fnr = try Self.json(try runCLI(["audit"] + Self.columns + ["--metric", "fnr", "--format", "json"]).stdout)
    #expect(higher["worse"] as? String == "higher")
    func disparities(_ doc: [String: Any]) -> [String: Double] {
      Dictionary(uniqueKeysWithValues: (doc["groups"] as! [[String: Any]]).map { (Self.key($0), $0["disparity"] as! Double) })
    }
    let h = disparities(higher), l = disparities(lower), f = disparities(fnr)
    #expect(h.count == l.count && l.count == f.count)
    for (k, d) in l {
      #expect(isClose(d, -h[k]!, relative: 1e-12, absolute: 1e-15))
      #expect(isClose(d, f[k]!, relative: 1e-9, absolute: 1e-12))  // tpr, lower worse = fnr, higher worse
    }
    let cvar = { (doc: [String: Any]) in (doc["summary"] as! [String: Any])["cvar"] as! Double }
    #expect(isClose(cvar(lower), cvar(fnr), relative: 1e-9, absolute: 1e-12))
    // The table names the direction.
    let table = try runCLI(["audit"] + Self.columns + ["--metric", "recall"])
    #expect(table.stdout.contains("one-sided disparity (lower is worse: Δ = reference − rate) against the pooled rate"))
    #expect(table.stdout.contains("CVaR audit of the true positive rate across a × b × c"))
  }

  @Test func selectionRatioAndFourFifths() throws {
    let r = try runCLI(["audit"] + Self.columns + ["--metric", "selection_rate", "--worse", "lower", "--reference", "group:a0,b0,c0", "--format", "csv"])
    #expect(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    let header = lines[0]
    #expect(Array(header.suffix(6)) == ["ratio", "tn", "fp", "fn", "tp", "below_four_fifths"])
    let rate = header.firstIndex(of: "rate")!, ratio = header.firstIndex(of: "ratio")!, flag = header.firstIndex(of: "below_four_fifths")!
    let referenceRow = lines.first { $0[0] == "a0" && $0[1] == "b0" && $0[2] == "c0" }!
    let reference = Double(referenceRow[rate])!
    var flagged = 0
    for row in lines.dropFirst() {
      let x = Double(row[rate])!
      #expect(isClose(Double(row[ratio])!, x / reference))
      #expect(row[flag] == (x / reference < 0.8 ? "1" : "0"))
      if row[flag] == "1" { flagged += 1 }
    }
    #expect(flagged > 0)
    let table = try runCLI(["audit"] + Self.columns + ["--metric", "selection", "--worse", "lower", "--reference", "group:a0,b0,c0"])
    #expect(table.stdout.split(separator: "\n").contains {
      $0.hasPrefix("below four fifths († ratio < 0.8)  ") && $0.hasSuffix("  \(flagged)")
    })
    #expect(table.stdout.contains("†"))
  }

  @Test func countsAreEmptyWithoutLabels() throws {
    let data = "g,p\na,1\na,0\nb,1\n"
    let r = try runCLI(["audit", "--input", "-", "--group-by", "g", "--prediction", "p", "--metric", "selection", "--format", "json"], stdin: data)
    #expect(r.status == 0, "\(r.stderr)")
    let groups = try #require(try Self.json(r.stdout)["groups"] as? [[String: Any]])
    #expect(groups.allSatisfy { $0["tp"] == nil && $0["belowFourFifths"] != nil })
  }

  @Test func badDirectionOptionsAreRefused() throws {
    let twoSided = try runCLI(["audit", "--metric", "tpr", "--disparity", "two-sided", "--worse", "lower"])
    #expect(twoSided.status == 2)
    #expect(twoSided.stderr.contains("--worse lower applies to a one-sided disparity"))
    let hidden = try runCLI(["audit", "--disparity", "one-sided-lower"])
    #expect(hidden.status == 2)
    let unknown = try runCLI(["audit", "--worse", "sideways"])
    #expect(unknown.status == 2)
    let metric = try runCLI(["test", "--metric", "f1"])
    #expect(metric.status == 2)
    #expect(metric.stderr.contains("error, accuracy, fnr, fpr, tpr, tnr, ppv, npv, fdr, for, selection"))
  }

  /// `test` follows the direction: a group with a low recall is significant
  /// with the default (lower is worse) and not with --worse higher.
  @Test func testFollowsTheDirection() throws {
    // Ten groups with recall 32/40 and one with 12/40: only the low group stands out.
    var data = "g,y,p\n"
    for g in 0..<10 { data += String(repeating: "g\(g),1,1\n", count: 32) + String(repeating: "g\(g),1,0\n", count: 8) }
    data += String(repeating: "low,1,1\n", count: 12) + String(repeating: "low,1,0\n", count: 28)
    let base = ["test", "--input", "-", "--group-by", "g", "--label", "y", "--prediction", "p", "--metric", "tpr",
                "--statistic", "max", "--permutations", "199", "--format", "json"]
    let lower = try Self.json(try runCLI(base, stdin: data).stdout)
    let higher = try Self.json(try runCLI(base + ["--worse", "higher"], stdin: data).stdout)
    #expect(lower["worse"] as? String == "lower" && higher["worse"] as? String == "higher")
    #expect(lower["decision"] as? String == "violation")
    #expect(higher["decision"] as? String == "no-violation")
    let c = (lower["groups"] as! [[String: Any]]).first { ($0["key"] as! [String: String])["g"] == "low" }!
    #expect((c["pValue"] as! Double) < 1e-6)
    #expect(c["tp"] as? Int == 12 && c["fn"] as? Int == 28 && c["tn"] as? Int == 0 && c["fp"] as? Int == 0)
    #expect(isClose(c["ratio"] as! Double, (12.0 / 40) / (332.0 / 440), relative: 1e-12))
  }

  /// --sample-weight: fairlearn's weighted rates, weighted shares, the
  /// column named in JSON and table; refused where it does not apply.
  @Test func sampleWeightGivesWeightedRates() throws {
    let fixture = try Fixtures.json("metric_rates.json")
    var expected: [String: [String: Any]] = [:]
    for c in fixture["cases"] as! [[String: Any]] { expected[Self.key(c)] = c }
    let r = try runCLI(["audit"] + Self.columns + ["--metric", "fnr", "--sample-weight", "w", "--weights", "population", "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try Self.json(r.stdout)
    #expect(doc["sampleWeight"] as? String == "w")
    let summary = try #require(doc["summary"] as? [String: Any])
    let total = try #require(summary["eligibleWeight"] as? Double)
    #expect(isClose(try #require(summary["overallRate"] as? Double),
                    number((fixture["pooledWeightedRates"] as! [String: Any])["fnr"])!, relative: 1e-12))
    for g in try #require(doc["groups"] as? [[String: Any]]) {
      let c = try #require(expected[Self.key(g)])
      #expect(isClose(g["rate"] as! Double, number((c["weightedRates"] as! [String: Any])["fnr"])!, relative: 1e-12, absolute: 1e-15))
      #expect(isClose(g["weight"] as! Double, (g["weightSum"] as! Double) / total, relative: 1e-12))
      #expect((g["effectiveN"] as! Double) <= Double(g["n"] as! Int) + 1e-9)
    }
    let plain = try Self.json(try runCLI(["audit"] + Self.columns + ["--metric", "fnr", "--format", "json"]).stdout)
    #expect(plain["sampleWeight"] == nil)
    let table = try runCLI(["audit"] + Self.columns + ["--sample-weight", "w"])
    #expect(table.stdout.contains("row weights 'w': weighted rates; n counts rows; intervals from Kish's effective n (approximate)"))
    let report = FileManager.default.temporaryDirectory.appendingPathComponent("weights-\(UUID().uuidString).html").path
    defer { try? FileManager.default.removeItem(atPath: report) }
    #expect(try runCLI(["audit"] + Self.columns + ["--sample-weight", "w", "--report", report]).status == 0)
    let html = try String(contentsOfFile: report, encoding: .utf8)
    #expect(html.contains("id=\"row-weights\"") && html.contains("Kish"))
    let csv = try runCLI(["audit"] + Self.columns + ["--sample-weight", "w", "--format", "csv"])
    #expect(csv.stdout.hasPrefix("a,b,c,n,sum,rate,") && csv.stdout.split(separator: "\n")[0].hasSuffix(",tp,weight_sum,effective_n"))

    let test = try runCLI(["test"] + Self.columns + ["--sample-weight", "w"])
    #expect(test.status == 2)
    #expect(test.stderr.contains("not valid under row weights"))
    let loss = try runCLI(["audit", "--input", Self.rows, "--group-by", "a", "--metric", "loss:w", "--sample-weight", "w"])
    #expect(loss.status == 2)
    #expect(loss.stderr.contains("binary metrics"))
    let aggregates = try temporaryFile("g,metric,n,sum,sum_sq\na,fnr,3,1,1\n")
    let fromAggregates = try runCLI(["audit", "--aggregates", aggregates, "--group-by", "g", "--metric", "fnr", "--sample-weight", "w"])
    #expect(fromAggregates.status == 2)
    #expect(fromAggregates.stderr.contains("--sample-weight needs the rows"))
    let missing = try runCLI(["audit"] + Self.columns + ["--sample-weight", "weight"])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("no column named 'weight'"))
    let negative = try temporaryFile("g,y,p,w\na,1,1,1\nb,0,1,-2\n")
    let bad = try runCLI(["audit", "--input", negative, "--group-by", "g", "--label", "y", "--prediction", "p", "--sample-weight", "w"])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains(":3:4") && bad.stderr.contains("row weight"))
  }

  /// `monitor` follows the direction: tpr (lower is worse) stops where fnr
  /// (higher is worse) does, with the same CVaR; --worse higher differs. (ε0 = 0.02: under the
  /// default population reference the file in its own order decides at line 5,491.)
  @Test func monitorFollowsTheDirection() throws {
    let compas = Fixtures.repositoryRoot.appendingPathComponent("Sources/CVaRAudit/Resources/compas-two-years.csv").path
    func run(_ extra: [String]) throws -> [String: Any] {
      let r = try runCLI(["monitor", "--input", compas, "--label", "two_year_recid", "--score", "decile_score",
                          "--threshold", "5", "--group-by", "age_cat", "--alpha", "0.34", "--tolerance", "0.02",
                          "--format", "json"] + extra)
      #expect(r.status == 0, "\(r.stderr)")
      return try Self.json(r.stdout)
    }
    let tpr = try run(["--metric", "recall"]), fnr = try run(["--metric", "fnr"])
    // With the confidence sequences; the betting method (the default) does
    // declare this one a violation, at line 1,393: the CVaR of tpr above the
    // reference is 0.11 over the whole file, more than ε0.
    let higher = try run(["--metric", "tpr", "--worse", "higher", "--method", "confidence-sequence"])
    #expect(tpr["decision"] as? String == "violation")
    #expect(tpr["line"] as? Int == fnr["line"] as? Int)
    #expect(isClose(tpr["cvar"] as! Double, fnr["cvar"] as! Double, relative: 1e-12))
    #expect(higher["decision"] as? String == "continue")  // tpr above the reference is not a violation
    let refused = try runCLI(["monitor", "--metric", "tpr", "--disparity", "two-sided", "--worse", "lower"])
    #expect(refused.status == 2)
  }
}
