import Foundation
import Testing
import FixtureSupport

@Suite struct ReportTests {
  static func chromium() -> String? {
    for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    where FileManager.default.isExecutableFile(atPath: path) {
      return path
    }
    return nil
  }

  /// Runs the executable with `--report FILE` in a fresh folder; returns the
  /// result, the report's text, its path and the folder.
  static func runWithReport(_ arguments: [String]) throws -> (CommandResult, html: String, report: String, folder: URL) {
    let folder = try Self.temporaryFolder()
    let report = folder.appendingPathComponent("report.html").path
    let r = try runCLI(arguments + ["--report", report])
    #expect(r.status == 0, "\(r.stderr)")
    return (r, try String(contentsOfFile: report, encoding: .utf8), report, folder)
  }

  @Test func htmlReportHasThePlots() throws {
    let (_, html, report, folder) = try Self.runWithReport(["audit", "--metric", "fpr", "--alpha", "0.2"])
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(!html.contains("<script"), "no scripts")
    // No network references (the SVG namespace is a name, not a fetch).
    let withoutNamespace = html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
    #expect(!withoutNamespace.contains("http://") && !withoutNamespace.contains("https://"))
    #expect(html.contains("<svg id=\"forest-plot\""))
    #expect(html.contains("<svg id=\"cvar-curve\""))
    #expect(html.contains("<polyline class=\"cvar-curve\""))
    // One marker per group (30 COMPAS cells have a false positive rate), tail groups marked.
    #expect(html.components(separatedBy: "<g class=\"group").count - 1 == 30)
    #expect(html.components(separatedBy: "<g class=\"group tail\"").count - 1 == 6)
    #expect(html.contains("0.2398"))  // the CVaR, as in the table output

    try Self.expectScreenshot(of: report, in: folder)
  }

  static func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cvar-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
  }

  /// Renders the report in headless Chromium and checks that a real page came out.
  static func expectScreenshot(of report: String, in folder: URL, height: Int = 1800) throws {
    guard let browser = Self.chromium() else {
      // `make test` installs Chromium; CI must not skip the rendering check.
      #expect(ProcessInfo.processInfo.environment["CI"] == nil, "Chromium is missing on CI")
      return
    }
    let screenshot = folder.appendingPathComponent("report.png").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: browser)
    process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1100,\(height)",
                         "--screenshot=\(screenshot)", "file://\(report)"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
    #expect(png.count > 20_000, "a rendered page, not a blank one (\(png.count) bytes)")
    #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
  }

  /// The rows of the table with this id (a `<table ... id="ID">` up to `</table>`).
  static func tableRows(_ html: String, id: String) -> [String] {
    guard let start = html.range(of: "id=\"\(id)\">"),
          let end = html.range(of: "</table>", range: start.upperBound..<html.endIndex) else { return [] }
    return html[start.upperBound..<end.lowerBound].components(separatedBy: "\n").filter { $0.hasPrefix("<tr") }
  }

  @Test func testReportHasTheTestResult() throws {
    let (r, html, report, folder) = try Self.runWithReport(
      ["test", "--metric", "fpr", "--alpha", "0.2", "--permutations", "999", "--seed", "3", "--format", "json"])
    let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    #expect(!html.contains("<script"), "no scripts")
    // The audit part: the same plots as `audit --report`.
    #expect(html.contains("<svg id=\"forest-plot\""))
    #expect(html.contains("<svg id=\"cvar-curve\""))
    #expect(html.components(separatedBy: "<g class=\"group tail").count - 1 == 6)
    // The test result, with the numbers of the JSON output of the same call.
    let result = Self.tableRows(html, id: "test-result").joined(separator: "\n")
    let pValue = try #require(json["pValue"] as? Double)
    #expect(result.contains("<td>p-value</td><td>\(String(format: "%.4f", pValue))</td>"), "\(result)")
    #expect(result.contains("<td>statistic</td><td>\(json["statistic"] as? String ?? "?")</td>"))
    #expect(result.contains("<td>permutations</td><td>999</td>"))
    #expect(result.contains("<td>seed</td><td>3</td>"))
    let decision = try #require(json["decision"] as? String)
    #expect(decision == "violation")
    #expect(result.contains("<tr class=\"flagged\"><td>decision at δ = 0.05</td><td>violation</td>"))
    let value = try #require(json["value"] as? Double)
    #expect(result.contains("<td>value</td><td>\(String(format: "%.6g", value))</td>"))
    // Tail groups and per-group tests: one row each (plus the header), flagged where Holm ≤ δ.
    let tail = try #require(json["tailGroups"] as? [[String: Any]])
    #expect(Self.tableRows(html, id: "tail-groups").count == tail.count + 1)
    let groups = try #require(json["groups"] as? [[String: Any]])
    // Every significant group first, then the largest disparities, 20 rows in all (of 30 groups).
    let rows = Self.tableRows(html, id: "group-tests")
    let flagged = groups.filter { ($0["holm"] as? Double ?? 1) <= 0.05 }.count
    #expect(rows.count == min(groups.count, max(20, flagged)) + 1)
    #expect(flagged > 0)
    #expect(rows.filter { $0.hasPrefix("<tr class=\"flagged\">") }.count == flagged)
    #expect(rows.dropFirst().prefix(flagged).allSatisfy { $0.hasPrefix("<tr class=\"flagged\">") })
    // The verdict box: the decision, the CVaR with its interval, the significant groups (as in the JSON).
    let verdict = try #require(Self.element(html, id: "verdict"))
    #expect(verdict.contains("Violation at δ = 0.05"), "\(verdict)")
    #expect(verdict.contains("p = \(String(format: "%.4f", pValue))"), "\(verdict)")
    #expect(verdict.contains("+0.2398, 95% simultaneous interval ["), "\(verdict)")
    let bh = groups.filter { ($0["benjaminiHochberg"] as? Double ?? 1) <= 0.05 }.count
    #expect(verdict.contains("\(flagged) of \(groups.count) with Holm ≤ δ (family-wise), \(bh) with BH ≤ δ"), "\(verdict)")
    // Significant groups carry a blue ring in the forest plot, in the legend too.
    #expect(html.components(separatedBy: " significant\">").count - 1 == flagged)
    #expect(html.contains("significant (Holm ≤ δ)"))
    try Self.expectScreenshot(of: report, in: folder, height: 2600)
  }

  @Test func jointTestReportListsEveryMetric() throws {
    let (_, html, _, _) = try Self.runWithReport(["test", "--metric", "fpr,fnr", "--permutations", "199"])
    for id in ["test-result-fpr", "test-result-fnr", "tail-groups-fnr", "group-tests-fpr", "joint-test"] {
      #expect(html.contains("id=\"\(id)\""), "\(id)")
    }
    #expect(Self.tableRows(html, id: "joint-test").contains("<tr><td>permutations</td><td>199</td></tr>"))
  }

  @Test func unwritableReportIsAnErrorWithThePath() throws {
    let path = "/nonexistent-folder-\(UUID().uuidString)/report.html"
    for command in [["audit"], ["test", "--permutations", "9"]] {
      let r = try runCLI(command + ["--report", path])
      #expect(r.status == 2)
      #expect(r.stderr.contains("--report \(path): the directory"), "\(r.stderr)")
      #expect(r.stdout.isEmpty)
    }
  }

  /// A directory, or a file that is also the input (under another name too),
  /// is refused before the input is read, and the input is left as it was.
  @Test func reportNamingADirectoryOrTheInputIsRefused() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("rows.csv").path
    let rows = "g,y,p\na,1,1\na,0,1\nb,0,0\nb,1,0\n"
    try rows.write(toFile: input, atomically: true, encoding: .utf8)
    let link = directory.appendingPathComponent("link.csv").path
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: input)
    let columns = ["--input", input, "--group-by", "g", "--label", "y", "--prediction", "p"]
    let folder = try runCLI(["audit"] + columns + ["--report", directory.path])
    #expect(folder.status == 2)
    #expect(folder.stderr.contains("--report \(directory.path) is a directory"), "\(folder.stderr)")
    #expect(!folder.stderr.contains("NSCocoaErrorDomain"))
    for target in [input, link, directory.path + "/./rows.csv"] {
      for command in [["audit"], ["test", "--permutations", "9"]] {
        let r = try runCLI(command + columns + ["--report", target])
        #expect(r.status == 2, "\(command) \(target)")
        #expect(r.stderr.contains("is also an input (--input \(input))"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
      }
    }
    #expect(try String(contentsOfFile: input, encoding: .utf8) == rows)
  }

  /// The element with this id, up to the end of its line block (`</div>\n` for the verdict, `</footer>`).
  static func element(_ html: String, id: String) -> String? {
    guard let start = html.range(of: "id=\"\(id)\"") else { return nil }
    let rest = html[start.upperBound...]
    let terminator = id == "verdict" ? "</div>\n<h2>" : id == "provenance" ? "</footer>" : "</svg>"
    guard let end = rest.range(of: terminator) else { return nil }
    return String(rest[..<end.lowerBound])
  }

  /// The audit report: a verdict box, the top groups in the text output's
  /// columns and order, one colour per meaning with a legend, and round axis ticks.
  @Test func auditReportHasVerdictGroupTableAndLegend() throws {
    let (r, html, _, _) = try Self.runWithReport(["audit", "--metric", "fpr", "--alpha", "0.2"])
    let verdict = try #require(Self.element(html, id: "verdict"))
    #expect(verdict.contains("the CVaR&#39;s 95% interval lies above 0"), "\(verdict)")
    #expect(verdict.contains("+0.2398, 95% simultaneous interval [+0.0579, +0.6108]"), "\(verdict)")
    #expect(verdict.contains("6</td>"), "six tail groups: \(verdict)")
    // The group table: 20 of the 30 groups, in the text output's order, with a note.
    let rows = Self.tableRows(html, id: "groups")
    #expect(rows.count == 21)
    #expect(html.contains("The 20 groups with the largest disparity, of 30"))
    let text = r.stdout.split(separator: "\n").filter { $0.contains(" | ") }.prefix(20)
    for (line, row) in zip(text, rows.dropFirst()) {
      let name = line.components(separatedBy: "  ").first!
      #expect(row.hasPrefix("<tr class=\"tail\"><td>\(name)</td>") || row.hasPrefix("<tr><td>\(name)</td>"), "\(line) / \(row)")
    }
    #expect(rows.filter { $0.hasPrefix("<tr class=\"tail\">") }.count == 6)
    // One colour per meaning: vermillion for the tail, blue for significance; the old red is gone.
    #expect(!html.contains("#c0392b"))
    #expect(html.contains("tr.tail td:last-child { color: #D55E00"))
    #expect(html.contains("tr.flagged td { color: #0072B2"))
    #expect(html.contains("id=\"legend\"") && html.contains("in the CVaR tail"))
    #expect(!html.contains("significant (Holm"), "no test, no significance in the legend")
    // Round ticks: equally spaced multiples of 1, 2 or 5 × 10^k.
    for id in ["forest-plot", "cvar-curve"] {
      let svg = try #require(Self.element(html, id: id))
      let ticks = svg.components(separatedBy: "<text class=\"tick\"").dropFirst().compactMap { piece -> Double? in
        guard let open = piece.firstIndex(of: ">"), let close = piece.firstIndex(of: "<") else { return nil }
        return Double(piece[piece.index(after: open)..<close])
      }
      #expect(ticks.count >= 3, "\(id)")
      let values = id == "cvar-curve" ? Array(ticks.dropFirst(6)) : ticks  // the α axis first (0, 0.2, …, 1)
      let step = values[1] - values[0]
      let mantissa = step / pow(10, log10(step).rounded(.down))
      #expect([1.0, 2, 5].contains { abs(mantissa - $0) < 1e-9 }, "\(id): \(values)")
      for (a, b) in zip(values, values.dropFirst()) { #expect(abs(b - a - step) < 1e-9, "\(id): \(values)") }
      for v in values { #expect(abs(v / step - (v / step).rounded()) < 1e-9, "\(id): \(v)") }
    }
  }

  /// Six long attributes (as in the census file): each label line fits in the
  /// label column (wrapped at " | "), instead of running off the left edge.
  @Test func longLabelsOfSixAttributesFit() throws {
    let values = [["Self-employed-not-incorporated", "Federal-government"], ["Some-college-no-degree", "Doctorate"],
                  ["Married-civilian-spouse-present", "Never-married"], ["Machine-operator-inspector", "Professional-specialty"],
                  ["Asian-Pac-Islander", "White"], ["Outlying-US(Guam-USVI-etc)", "United-States"]]
    var lines = ["a,b,c,d,e,f,y,p"]
    for i in 0..<640 {
      let key = values.indices.map { values[$0][(i >> $0) & 1] }
      lines.append(key.joined(separator: ",") + ",\(i % 3 == 0 ? 1 : 0),\(i % 5 == 0 ? 1 : 0)")
    }
    let path = try temporaryFile(lines.joined(separator: "\n") + "\n")
    let (_, html, report, folder) = try Self.runWithReport(
      ["audit", "--input", path, "--group-by", "a,b,c,d,e,f", "--label", "y", "--prediction", "p"])
    let svg = try #require(Self.element(html, id: "forest-plot"))
    let groups = svg.components(separatedBy: "<g class=\"group").dropFirst()
    #expect(groups.count == 64)
    for group in groups {
      // <text x="LABELWIDTH-8" ...><tspan ...>line</tspan>...
      let x = try #require(Double(group.components(separatedBy: "<text x=\"")[1].prefix { $0 != "\"" }))
      let spans = group.components(separatedBy: "<tspan").dropFirst().map { span -> String in
        let start = span.index(after: span.firstIndex(of: ">")!)
        return String(span[start..<span.range(of: "</tspan>")!.lowerBound])
      }
      #expect(spans.count >= 2, "six long values wrap: \(spans)")
      // 6.8 px per character at 11 px is above Helvetica's widest average; the text ends at x.
      for line in spans { #expect(Double(line.count) * 6.8 <= x, "\(line) in \(x) px") }
      #expect(spans.joined(separator: " ").replacingOccurrences(of: "| ", with: "").contains("(n="))
    }
    try Self.expectScreenshot(of: report, in: folder, height: 2400)
  }

  /// The footer: command line, version, date (SOURCE_DATE_EPOCH pins it, so
  /// the same call gives the same bytes) and the input's SHA-256 (checked
  /// against sha256sum, and against hashlib for the embedded data).
  @Test func footerHasCommandVersionDateAndInputHash() throws {
    let path = try temporaryFile("g,y,p\na,1,1\na,0,1\nb,0,0\nb,1,0\nc,1,1\nc,0,0\n")
    let folder = try Self.temporaryFolder()
    func run(_ name: String, _ epoch: String = "1764770400", input: [String]) throws -> (CommandResult, String) {
      let report = folder.appendingPathComponent(name).path
      let r = try runCLI(["audit"] + input + ["--report", report], environment: ["SOURCE_DATE_EPOCH": epoch])
      return (r, (try? String(contentsOfFile: report, encoding: .utf8)) ?? "")
    }
    let columns = ["--input", path, "--group-by", "g", "--label", "y", "--prediction", "p"]
    let (first, html) = try run("one.html", input: columns)
    #expect(first.status == 0, "\(first.stderr)")
    let footer = try #require(Self.element(html, id: "provenance"))
    #expect(footer.contains("Made by cvar-audit 0.1.0 on 2025-12-03 14:00:00 UTC (SOURCE_DATE_EPOCH)"), "\(footer)")
    #expect(footer.contains("<code>cvar-audit audit --input \(path) --group-by g --label y --prediction p --report \(folder.path)/one.html</code>"), "\(footer)")
    let sum = Process()
    sum.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    sum.arguments = [path]
    let pipe = Pipe()
    sum.standardOutput = pipe
    try sum.run()
    let digest = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
    sum.waitUntilExit()
    #expect(footer.contains("SHA-256 <code>\(digest)</code>"), "\(footer)")
    // Same call, same date: the same bytes but for the report's own name in the command line.
    let (_, again) = try run("two.html", input: columns)
    #expect(again.replacingOccurrences(of: "two.html", with: "one.html") == html)
    // The embedded data: the hash of hashlib (Tests/Fixtures/sha256.json).
    let (_, embedded) = try run("embedded.html", input: [])
    let compas = try #require(try Fixtures.json("sha256.json")["compas"] as? String)
    #expect(embedded.contains("SHA-256 <code>\(compas)</code>"))
    // A bad SOURCE_DATE_EPOCH stops with exit 2 and says what it takes.
    let (bad, _) = try run("bad.html", "yesterday", input: columns)
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01"), "\(bad.stderr)")
    // Standard input is not hashed, and says so.
    let report = folder.appendingPathComponent("stdin.html").path
    let piped = try runCLI(["audit", "--input", "-", "--group-by", "g", "--label", "y", "--prediction", "p", "--report", report],
                           stdin: "g,y,p\na,1,1\nb,0,0\n")
    #expect(piped.status == 0, "\(piped.stderr)")
    #expect(try String(contentsOfFile: report, encoding: .utf8).contains("not computed (standard input is read once)"))
  }
}
