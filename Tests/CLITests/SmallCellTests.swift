import Foundation
import Testing
import FixtureSupport

/// The small-cell warning (--small-n, --small-share) and the empirical-Bayes
/// CVaR beside the plug-in, in text and JSON.
@Suite struct SmallCellTests {
  static func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  /// The share is Σ tailWeight over groups with n < --small-n; the warning fires above --small-share.
  @Test(arguments: [(30, 0.5), (10, 0.5), (200, 0.9), (1, 0.5), (30, 1.0)])
  func tailShareAndWarning(size: Int, share: Double) throws {
    let options = ["audit", "--metric", "fnr", "--small-n", "\(size)", "--small-share", "\(share)"]
    let doc = try Self.json(try runCLI(options + ["--format", "json"]).stdout)
    let cells = (doc["summary"] as! [String: Any])["smallCells"] as! [String: Any]
    let groups = doc["groups"] as! [[String: Any]]
    let small = groups.filter { ($0["n"] as! Int) < size }
    let tail = small.map { $0["tailWeight"] as! Double }.reduce(0, +)
    #expect(abs((cells["tailShare"] as! Double) - tail) < 1e-12)
    #expect(cells["smallGroups"] as? Int == small.count)
    #expect(cells["warning"] as? Bool == (tail > share))
    let text = try runCLI(options)
    #expect(text.stdout.contains("warning: ") == (tail > share))
    #expect(text.stdout.contains("tail weight from n < \(size)"))
  }

  /// The shrunken CVaR from the document's prior: posterior means (S + a)/(n + a + b), their
  /// disparities against the reference rate, and their CVaR by sorting (uniform weights).
  @Test(arguments: ["fnr", "error", "fpr"])
  func shrunkenCVaRFromThePrior(metric: String) throws {
    let doc = try Self.json(try runCLI(["audit", "--metric", metric, "--format", "json"]).stdout)
    let summary = doc["summary"] as! [String: Any]
    let cells = summary["smallCells"] as! [String: Any]
    let m = cells["priorMean"] as! Double, s = cells["priorConcentration"] as! Double
    let reference = summary["referenceRate"] as! Double
    let groups = doc["groups"] as! [[String: Any]]
    let d = groups.map { (($0["sum"] as! Double) + m * s) / (Double($0["n"] as! Int) + s) - reference }.sorted(by: >)
    let k = Double(d.count), alpha = doc["alpha"] as! Double
    var remaining = alpha, total = 0.0
    for value in d where remaining > 1e-15 {
      let take = min(1 / k, remaining)
      total += take * value
      remaining -= take
    }
    #expect(abs((cells["shrunkenCvar"] as! Double) - total / alpha) < 1e-9)
    #expect((cells["shrunkenCvar"] as! Double) < (summary["cvar"] as! Double))
    let text = try runCLI(["audit", "--metric", metric]).stdout
    #expect(text.contains("empirical-Bayes (shrunken) CVaR_0.1  \(String(format: "%+.4f", cells["shrunkenCvar"] as! Double))"))
    // The test command carries the same object.
    let test = try Self.json(try runCLI(["test", "--metric", metric, "--permutations", "99", "--format", "json"]).stdout)
    #expect((test["smallCells"] as! [String: Any])["shrunkenCvar"] as? Double == cells["shrunkenCvar"] as? Double)
  }

  @Test func noShrinkageForALossColumn() throws {
    let data = "g,l\na,0.2\na,0.4\nb,0.9\nc,0.1\n"
    let r = try runCLI(["audit", "--input", "-", "--group-by", "g", "--metric", "loss:l", "--format", "json"], stdin: data)
    let loss = (try Self.json(r.stdout)["summary"] as! [String: Any])["smallCells"] as! [String: Any]
    #expect(loss["shrunkenCvar"] == nil && loss["priorMean"] == nil)
    let text = try runCLI(["audit", "--input", "-", "--group-by", "g", "--metric", "loss:l"], stdin: data)
    #expect(text.stdout.contains("—  (binary metrics without row weights"))
  }

  @Test(arguments: [(["--small-n", "0"], "--small-n"), (["--small-share", "1.5"], "--small-share"),
                    (["--small-share", "nan"], "--small-share")])
  func badSmallCellOptionsExitTwo(arguments: [String], message: String) throws {
    for command in ["audit", "test"] {
      let r = try runCLI([command] + arguments)
      #expect(r.status == 2)
      #expect(r.stderr.contains(message), "\(r.stderr)")
    }
  }
}
