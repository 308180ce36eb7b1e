import Foundation
import Testing
import FixtureSupport

/// The plain-language verdict of `audit` and `test`: first in the text,
/// the same lines in JSON, and counts that follow from the documents' numbers.
@Suite struct VerdictTests {
  static func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  static let keys = ["estimated", "tested", "decision", "significance", "note"]

  /// The verdict lines of a text output: the indented lines under "verdict".
  static func verdictLines(_ text: String) -> [String] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let start = lines.firstIndex(of: "verdict") else { return [] }
    var items: [String] = []
    for line in lines[(start + 1)...].prefix(while: { $0.hasPrefix("  ") }) {
      if line.hasPrefix("    ") { items[items.count - 1] += " " + line.dropFirst(4) } else { items.append(String(line.dropFirst(2))) }
    }
    return items
  }

  @Test(arguments: ["error", "fnr", "fpr"])
  func auditVerdictFollowsTheNumbers(metric: String) throws {
    let text = try runCLI(["audit", "--metric", metric])
    #expect(text.status == 0, "\(text.stderr)")
    let doc = try Self.json(try runCLI(["audit", "--metric", metric, "--format", "json"]).stdout)
    let verdict = try #require(doc["verdict"] as? [String: Any])
    // Before the table, and the same lines as the JSON.
    #expect(text.stdout.range(of: "verdict\n")!.lowerBound < text.stdout.range(of: "group ")!.lowerBound)
    #expect(Self.verdictLines(text.stdout) == Self.keys.map { verdict[$0] as! String })
    let groups = doc["groups"] as! [[String: Any]]
    let above = groups.filter { ($0["disparityInterval"] as! [Double])[0] > 0 }.count
    #expect(verdict["significantGroups"] as? Int == above)
    let interval = (doc["summary"] as! [String: Any])["cvarInterval"] as! [Double]
    #expect((verdict["decision"] as! String).contains(interval[0] > 0 ? "lies above 0" : "includes 0"))
    #expect((verdict["estimated"] as! String).contains("α: tail share"))
  }

  /// Forty groups of 30 rows, half at rate 0.2 and half at 0.5: the audit's simultaneous CVaR
  /// interval includes 0 (41 intervals at δ/41 on 30 rows are wide) while the test rejects.
  static let manyModestGroups = "g,y,p\n" + (0..<40).map { g in
    (0..<30).map { i in "g\(g),\(i < (g % 2 == 0 ? 6 : 15) ? 1 : 0),0\n" }.joined()
  }.joined()
  static let rows = ["--input", "-", "--group-by", "g", "--label", "y", "--prediction", "p"]

  @Test func intervalIncludingZeroWhileTheTestRejects() throws {
    let audit = try Self.json(try runCLI(["audit", "--format", "json"] + Self.rows, stdin: Self.manyModestGroups).stdout)
    #expect(((audit["summary"] as! [String: Any])["cvarInterval"] as! [Double])[0] < 0)
    #expect(((audit["verdict"] as! [String: Any])["decision"] as! String).contains("includes 0"))
    let r = try runCLI(["test", "--permutations", "999", "--format", "json"] + Self.rows, stdin: Self.manyModestGroups)
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try Self.json(r.stdout)
    let verdict = try #require(doc["verdict"] as? [String: Any])
    #expect(doc["decision"] as? String == "violation")
    #expect((verdict["decision"] as! String).contains("violation, p = "))
    #expect((verdict["note"] as! String).hasPrefix("Why the CVaR interval can include 0 while `test` rejects: different nulls."))
    #expect((verdict["decision"] as! String).contains("(δ: test level)"))
    let groups = doc["groups"] as! [[String: Any]]
    let holm = groups.filter { ($0["holm"] as? Double).map { $0 <= 0.05 } ?? false }.count
    let bh = groups.filter { ($0["benjaminiHochberg"] as? Double).map { $0 <= 0.05 } ?? false }.count
    #expect(verdict["significantGroups"] as? Int == holm)
    #expect((verdict["significance"] as! String).contains("\(holm) of \(groups.count) with Holm ≤ δ (family-wise error), \(bh) with Benjamini–Hochberg ≤ δ"))
    let text = try runCLI(["test", "--permutations", "999"] + Self.rows, stdin: Self.manyModestGroups)
    #expect(Self.verdictLines(text.stdout) == Self.keys.map { verdict[$0] as! String })
  }

  /// Equal rates in every group: no violation, no significant group.
  @Test func noViolationWhenRatesAreEqual() throws {
    var data = "g,y,p\n"
    for g in 0..<6 { for i in 0..<50 { data += "g\(g),\(i % 5 == 0 ? 1 : 0),0\n" } }
    let r = try runCLI(["test", "--input", "-", "--group-by", "g", "--label", "y", "--prediction", "p", "--permutations", "199",
                        "--format", "json"], stdin: data)
    #expect(r.status == 0, "\(r.stderr)")
    let verdict = try #require(try Self.json(r.stdout)["verdict"] as? [String: Any])
    #expect((verdict["decision"] as! String).contains("no violation shown, p = "))
    #expect(verdict["significantGroups"] as? Int == 0)
  }

  /// α is the tail share and δ the test level, in help texts and table headers.
  @Test func alphaAndDeltaAreNamed() throws {
    for command in ["audit", "test"] {
      let help = try runCLI([command, "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
      #expect(help.contains("α (tail share)"), "\(command) --help")
      #expect(help.contains("δ (test level)"), "\(command) --help")
    }
    #expect(try runCLI(["audit"]).stdout.contains("\nα (tail share) = 0.1, weights uniform"))
    let test = try runCLI(["test", "--permutations", "99"]).stdout
    #expect(test.contains("\nα (tail share) = 0.1, δ (test level) = 0.05, weights uniform"))
    #expect(test.contains("\ndecision at δ (test level) = 0.05  "))
  }

  /// The HTML report's verdict box counts the same significant groups and shows the empirical-Bayes CVaR.
  @Test func reportVerdictAgreesWithTheText() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("verdict-\(UUID().uuidString).html").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let r = try runCLI(["audit", "--metric", "fnr", "--report", path])
    #expect(r.status == 0, "\(r.stderr)")
    let html = try String(contentsOfFile: path, encoding: .utf8)
    let doc = try Self.json(try runCLI(["audit", "--metric", "fnr", "--format", "json"]).stdout)
    let verdict = doc["verdict"] as! [String: Any]
    let cells = (doc["summary"] as! [String: Any])["smallCells"] as! [String: Any]
    #expect(html.contains("<td>groups significantly worse</td><td>\(verdict["significantGroups"] as! Int) of 33 (simultaneous"))
    #expect(html.contains("<td>empirical-Bayes CVaR<sub>0.1</sub></td><td>\(String(format: "%+.4f", cells["shrunkenCvar"] as! Double)); 100.0% of the tail weight"))
  }
}
