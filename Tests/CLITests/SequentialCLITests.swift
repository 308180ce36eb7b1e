import FixtureSupport
import Foundation
import Testing

/// Runs a shell command line (for pipes) with the built cvar-audit as $BIN.
func shell(_ command: String, timeout: TimeInterval = 60) throws -> (status: Int32, stdout: String, stderr: String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/sh")
  process.arguments = ["-c", command]
  var environment = ProcessInfo.processInfo.environment
  environment["BIN"] = Fixtures.repositoryRoot.appendingPathComponent(".build/debug/cvar-audit").path
  environment["COMPAS"] = Fixtures.repositoryRoot.appendingPathComponent("Sources/CVaRAudit/Resources/compas-two-years.csv").path
  process.environment = environment
  // Output goes to files, so that a full pipe can never block the child.
  let base = FileManager.default.temporaryDirectory.appendingPathComponent("cvar-seq-\(getpid())-\(UUID().uuidString)")
  let outURL = base.appendingPathExtension("out"), errURL = base.appendingPathExtension("err")
  FileManager.default.createFile(atPath: outURL.path, contents: nil)
  FileManager.default.createFile(atPath: errURL.path, contents: nil)
  defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
  process.standardOutput = try FileHandle(forWritingTo: outURL)
  process.standardError = try FileHandle(forWritingTo: errURL)
  try process.run()
  let deadline = Date().addingTimeInterval(timeout)
  while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
  if process.isRunning {
    process.terminate()
    throw TimeoutError(command: command)
  }
  process.waitUntilExit()
  return (process.terminationStatus, try String(contentsOf: outURL, encoding: .utf8), try String(contentsOf: errURL, encoding: .utf8))
}

struct TimeoutError: Error { var command: String }

func temporaryFile(_ name: String, _ contents: String) throws -> String {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("cvar-seq-\(getpid())-\(name)")
  try contents.write(to: url, atomically: true, encoding: .utf8)
  return url.path
}

private let compasOptions = "--label two_year_recid --score decile_score --threshold 5 --group-by age_cat --metric fpr --alpha 0.34 --tolerance 0.05"

@Suite struct SequentialCLITests {
  /// COMPAS in a fixed shuffled order: monitor decides and names the line.
  @Test func monitorDecidesOnShuffledCompas() throws {
    let r = try shell("""
      (head -1 "$COMPAS"; tail -n +2 "$COMPAS" | awk 'BEGIN{srand(7)} {print rand() "\\t" $0}' | sort -n | cut -f2-) > "${TMPDIR:-/tmp}/cvar-seq-shuffled-$$.csv"
      "$BIN" monitor --input "${TMPDIR:-/tmp}/cvar-seq-shuffled-$$.csv" \(compasOptions) --format json
      status=$?; rm -f "${TMPDIR:-/tmp}/cvar-seq-shuffled-$$.csv"; exit $status
      """)
    #expect(r.status == 0, "\(r.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    #expect(json["decision"] as? String == "violation")
    let interval = try #require(json["cvarInterval"] as? [Double])
    #expect(interval[0] > 0.05 && interval[0] <= interval[1])
    #expect((json["line"] as? Int ?? 0) > 1)
    #expect(json["sampler"] as? String == "iid" && json["delta"] as? Double == 0.05)
    #expect((json["observations"] as? Int ?? 0) > 0)
  }

  /// An endless stdin: monitor stops reading at the decision and exits, and the
  /// generator then ends on the closed pipe.
  @Test func monitorStopsOnEndlessStdin() throws {
    let groups = try temporaryFile("groups.csv", "g,loss\na,0\nb,0\nc,0\n")
    let r = try shell("""
      awk 'BEGIN{srand(3); print "g,loss"; while (1) { u = rand(); g = (u < 0.34) ? "a" : ((u < 0.67) ? "b" : "c"); p = (g == "c") ? 0.8 : 0.2; print g "," ((rand() < p) ? 1 : 0) } }' \
        | "$BIN" monitor --input - --groups-from \(groups) --group-by g --metric loss:loss --alpha 0.34 --tolerance 0.1 --report-every 50
      """, timeout: 60)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("VIOLATION"))
    #expect(r.stdout.contains("observations 50 (line 51)"))
  }

  @Test func malformedLineIsAnErrorWithItsLineNumber() throws {
    let data = try temporaryFile("bad.csv", "g,loss\na,0.1\nb,0.2\na,oops\nb,0.3\n")
    let r = try shell("\"$BIN\" monitor --input \(data) --group-by g --metric loss:loss")
    #expect(r.status == 2)
    #expect(r.stderr.contains(":4:2: column 'loss': expected a numeric loss in [0, 1], found \"oops\""), "\(r.stderr)")
    let skipped = try shell("\"$BIN\" monitor --input \(data) --group-by g --metric loss:loss --skip-malformed --format json")
    #expect(skipped.status == 0, "\(skipped.stderr)")
    #expect(skipped.stdout.contains("\"skippedLines\" : 1") && skipped.stdout.contains("\"firstSkippedLines\" : [\n    4\n  ]"))
    #expect(skipped.stderr.contains("skipped"))
  }

  @Test func lossOutsideUnitIntervalAndUnknownGroup() throws {
    let groups = try temporaryFile("decl.csv", "g,loss\na,0\nb,0\n")
    let outside = try temporaryFile("outside.csv", "g,loss\na,0.1\nb,1.5\n")
    let r = try shell("\"$BIN\" monitor --input \(outside) --groups-from \(groups) --group-by g --metric loss:loss --skip-malformed")
    #expect(r.status == 2)
    #expect(r.stderr.contains(":3:2: column 'loss': expected a loss in [0, 1], found \"1.5\""), "\(r.stderr)")
    let unknown = try temporaryFile("unknown.csv", "g,loss\na,0.1\nz,0.5\n")
    let u = try shell("\"$BIN\" monitor --input \(unknown) --groups-from \(groups) --group-by g --metric loss:loss")
    #expect(u.status == 2)
    #expect(u.stderr.contains(":3: group (z) was not declared"), "\(u.stderr)")
  }

  @Test func stateFromAnotherConfigurationIsRefused() throws {
    let data = try temporaryFile("state-data.csv", "g,loss\na,0.1\nb,0.2\na,0.3\n")
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("cvar-seq-\(getpid())-state.json").path
    let first = try shell("\"$BIN\" monitor --input \(data) --group-by g --metric loss:loss --save-state \(state)")
    #expect(first.status == 0, "\(first.stderr)")
    let same = try shell("\"$BIN\" monitor --input \(data) --group-by g --metric loss:loss --resume \(state) --format json")
    #expect(same.status == 0, "\(same.stderr)")
    #expect(same.stdout.contains("\"observations\" : 6"))
    let other = try shell("\"$BIN\" monitor --input \(data) --group-by g --metric loss:loss --delta 0.01 --resume \(state)")
    #expect(other.status == 2)
    #expect(other.stderr.contains("another configuration") && other.stderr.contains("delta (0.05 vs 0.01)"), "\(other.stderr)")
  }

  @Test func badOptions() throws {
    for (args, message) in [
      ("--delta 1.5", "--delta must lie strictly between 0 and 1"),
      ("--alpha 0", "--alpha must lie in (0, 1]"),
      ("--sampler adaptive --l2-test", "not valid with --sampler adaptive"),
      ("--input - --group-by race --metric loss:l", "needs --groups-from"),
      ("--budget 0", "--budget must be a positive"),
    ] {
      let r = try shell("\"$BIN\" monitor \(args) < /dev/null")
      #expect(r.status == 2, "\(args)")
      #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
    }
  }

  /// active on COMPAS: JSON with the fixed names and the i.i.d. comparison.
  @Test func activeReportsLabelsAgainstIID() throws {
    let r = try shell("\"$BIN\" active \(compasOptions) --sampler stratified --seed 3 --format json")
    #expect(r.status == 0, "\(r.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    for key in ["decision", "observations", "cvarInterval", "sampler", "delta", "labelsUsed", "iidLabelsUsed", "labelSaving"] {
      #expect(json[key] != nil, "\(key)")
    }
    #expect(json["sampler"] as? String == "stratified")
    #expect(json["labelsUsed"] as? Int == json["observations"] as? Int)
    let again = try shell("\"$BIN\" active \(compasOptions) --sampler stratified --seed 3 --format json")
    #expect(again.stdout == r.stdout)
  }
}
