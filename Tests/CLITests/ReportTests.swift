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
    #expect(html.components(separatedBy: "<g class=\"group tail\"").count - 1 == 6)
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
    let rows = Self.tableRows(html, id: "group-tests")
    #expect(rows.count == groups.count + 1)
    let flagged = groups.filter { ($0["holm"] as? Double ?? 1) <= 0.05 }.count
    #expect(flagged > 0)
    #expect(rows.filter { $0.hasPrefix("<tr class=\"flagged\">") }.count == flagged)
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
}
