import Testing
import FixtureSupport
import Foundation

/// `cvar-audit test` through the built binary (make test builds it first).
@Suite struct TestCommandTests {
  struct Outcome {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static var binary: URL { Fixtures.repositoryRoot.appendingPathComponent(".build/debug/cvar-audit") }

  func run(_ arguments: [String]) throws -> Outcome {
    let process = Process()
    process.executableURL = Self.binary
    process.arguments = ["test"] + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
  }

  func temporaryCSV(_ text: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("cvar-test-\(UUID().uuidString).csv")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
  }

  func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  @Test func jsonHasTheFixedNames() throws {
    let outcome = try run(["--permutations", "999", "--seed", "7", "--format", "json"])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let d = try json(outcome.stdout)
    #expect(d["statistic"] as? String == "l2")
    #expect(d["calibration"] as? String == "permutation")
    #expect((d["permutations"] as? NSNumber)?.intValue == 999)
    #expect((d["seed"] as? NSNumber)?.intValue == 7)
    #expect((d["delta"] as? NSNumber)?.doubleValue == 0.05)
    let p = try #require((d["pValue"] as? NSNumber)?.doubleValue)
    #expect(p > 0 && p <= 1)
    #expect(d["decision"] as? String == (p <= 0.05 ? "violation" : "no-violation"))
    #expect(d["value"] is NSNumber)
    // COMPAS has groups of size 1: reported, not a crash.
    #expect(((d["groupsWithoutVariance"] as? [Any])?.count ?? 0) == 3)
    // Same seed, same output.
    #expect(try run(["--permutations", "999", "--seed", "7", "--format", "json"]).stdout == outcome.stdout)
  }

  @Test func everyCalibrationRuns() throws {
    for arguments in [["--calibration", "bound"], ["--calibration", "tolerance", "--tolerance", "0.02"],
                      ["--statistic", "max", "--permutations", "99"], ["--statistic", "cvar", "--permutations", "99"]] {
      let outcome = try run(arguments + ["--format", "json"])
      #expect(outcome.status == 0, "\(arguments): \(outcome.stderr)")
      let d = try json(outcome.stdout)
      #expect(d["calibration"] as? String == (arguments[0] == "--calibration" ? arguments[1] : "permutation"))
    }
  }

  @Test func severalMetricsAddAJointTest() throws {
    let outcome = try run(["--metric", "fpr,fnr", "--permutations", "199", "--format", "json"])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let d = try json(outcome.stdout)
    #expect(d["metrics"] as? [String] == ["fpr", "fnr"])
    #expect((d["perMetric"] as? [Any])?.count == 2)
    #expect(d["pValue"] is NSNumber && d["decision"] is String)
  }

  @Test func lossColumnIsPermutedByRows() throws {
    var text = "g,loss\n"
    for i in 0..<60 { text += "\(["a", "b", "c"][i % 3]),\(i % 3 == 0 ? 0.9 : Double(i % 7) / 10)\n" }
    let path = try temporaryCSV(text)
    let outcome = try run(["--input", path, "--group-by", "g", "--metric", "loss:loss", "--permutations", "499", "--format", "json"])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let d = try json(outcome.stdout)
    #expect(d["decision"] as? String == "violation")
    let groups = try #require(d["groups"] as? [[String: Any]])
    #expect(groups.count == 3)
  }

  @Test(arguments: [
    (["--delta", "1"], "--delta"),
    (["--delta", "0"], "--delta"),
    (["--permutations", "0"], "--permutations"),
    (["--permutations", "-5"], "--permutations"),
    (["--calibration", "tolerance"], "--tolerance"),
    (["--calibration", "tolerance", "--tolerance", "nan"], "--tolerance"),
    (["--calibration", "bound", "--statistic", "cvar"], "only for --statistic l2"),
    (["--metric", "fpr,nope"], "unknown metric"),
    (["--metric", "fpr,fnr", "--calibration", "bound"], "permutation only"),
    (["--alpha", "0"], "--alpha"),
  ])
  func badInputExitsTwo(arguments: [String], message: String) throws {
    let outcome = try run(arguments)
    #expect(outcome.status == 2)
    #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
    #expect(outcome.stdout.isEmpty)
  }

  @Test func fewerThanTwoGroupsIsAnError() throws {
    let path = try temporaryCSV("g,y,p\na,1,0\na,0,0\na,1,1\n")
    let outcome = try run(["--input", path, "--group-by", "g", "--label", "y", "--prediction", "p"])
    #expect(outcome.status == 2)
    #expect(outcome.stderr.contains("at least two groups"), "\(outcome.stderr)")
  }

  @Test func onlyGroupsOfSizeOneIsAnErrorForL2() throws {
    let path = try temporaryCSV("g,y,p\na,1,0\nb,0,0\nc,1,1\n")
    let outcome = try run(["--input", path, "--group-by", "g", "--label", "y", "--prediction", "p"])
    #expect(outcome.status == 2)
    #expect(outcome.stderr.contains("n_g ≥ 2"), "\(outcome.stderr)")
    // The max statistic is defined there.
    #expect(try run(["--input", path, "--group-by", "g", "--label", "y", "--prediction", "p", "--statistic", "max"]).status == 0)
  }
}
