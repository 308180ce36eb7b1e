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

  @Test func htmlReportHasThePlots() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cvar-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let report = folder.appendingPathComponent("report.html").path
    let r = try runCLI(["audit", "--metric", "fpr", "--alpha", "0.2", "--report", report])
    #expect(r.status == 0, "\(r.stderr)")
    let html = try String(contentsOfFile: report, encoding: .utf8)
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

    guard let browser = Self.chromium() else {
      // `make test` installs Chromium; CI must not skip the rendering check.
      #expect(ProcessInfo.processInfo.environment["CI"] == nil, "Chromium is missing on CI")
      return
    }
    let screenshot = folder.appendingPathComponent("report.png").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: browser)
    process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1100,1800",
                         "--screenshot=\(screenshot)", "file://\(report)"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
    #expect(png.count > 20_000, "a rendered page, not a blank one (\(png.count) bytes)")
    #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
  }
}
