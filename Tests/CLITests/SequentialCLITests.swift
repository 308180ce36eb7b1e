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
    // The default betting method decides by the e-value, not the interval.
    #expect(json["method"] as? String == "betting" && json["reason"] as? String == "eProcess")
    #expect((json["maximumEValue"] as? Double ?? 0) >= 20)
    let interval = try #require(json["cvarInterval"] as? [Double])
    #expect(interval[0] <= interval[1])
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

  /// --method confidence-sequence keeps the earlier decision rule: the
  /// interval's lower end crosses the tolerance.
  @Test func confidenceSequenceMethodDecidesByTheInterval() throws {
    let r = try shell("""
      (head -1 "$COMPAS"; tail -n +2 "$COMPAS" | awk 'BEGIN{srand(7)} {print rand() "\\t" $0}' | sort -n | cut -f2-) > "${TMPDIR:-/tmp}/cvar-seq-cs-$$.csv"
      "$BIN" monitor --input "${TMPDIR:-/tmp}/cvar-seq-cs-$$.csv" \(compasOptions) --method confidence-sequence --format json
      status=$?; rm -f "${TMPDIR:-/tmp}/cvar-seq-cs-$$.csv"; exit $status
      """)
    #expect(r.status == 0, "\(r.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    #expect(json["decision"] as? String == "violation" && json["reason"] as? String == "cvarLowerBound")
    #expect(json["method"] as? String == "confidence-sequence" && json["eValue"] is NSNull)
    let interval = try #require(json["cvarInterval"] as? [Double])
    #expect(interval[0] > 0.05 && interval[0] <= interval[1])
  }

  @Test func badOptions() throws {
    for (args, message) in [
      ("--delta 1.5", "'--delta <delta>': expected a number in [1e-12, 0.999999999999], found 1.5"),
      ("--alpha 0", "'--alpha <alpha>': expected a number in (0, 1], found 0"),
      ("--method confidence-sequence --sampler adaptive --l2-test", "not valid with --sampler adaptive"),
      ("--method bet", "--method"),
      ("--input - --group-by race --metric loss:l", "needs --groups-from"),
      ("--budget 0", "'--budget <n>': expected an integer in [1, 9007199254740992], found 0"),
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

  /// Issue 15, item 3: a file sorted by group (five groups of 4,000 rows,
  /// means 0.1, 0.3, 0.3, 0.3, 0.33 in that order; true CVaR_0.4 = 0.049 <
  /// ε0 = 0.06). The old default (pooled reference) declared a violation; the
  /// population reference does not. With --reference pooled the empty
  /// running intersection is reported.
  @Test func monitorOnAFileSortedByGroup() throws {
    let generate = """
      awk 'BEGIN{print "g,loss"; split("0.1 0.3 0.3 0.3 0.33", m, " "); for (g = 1; g <= 5; g++) for (i = 0; i < 4000; i++) print "g" g "," ((int((i + 1) * m[g] + 1e-9) > int(i * m[g] + 1e-9)) ? 1 : 0)}' > "${TMPDIR:-/tmp}/cvar-seq-sorted-$$.csv"
      """
    let options = "--group-by g --metric loss:loss --alpha 0.4 --tolerance 0.06"
    let r = try shell("""
      \(generate)
      "$BIN" monitor --input "${TMPDIR:-/tmp}/cvar-seq-sorted-$$.csv" \(options) --format json
      status=$?; rm -f "${TMPDIR:-/tmp}/cvar-seq-sorted-$$.csv"; exit $status
      """)
    #expect(r.status == 0, "\(r.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    #expect(json["decision"] as? String != "violation")
    #expect(json["rowsRead"] as? Int == 20_000)
    #expect(json["referenceEmptiedAt"] is NSNull && json["emptiedGroups"] as? Int == 0)
    let interval = try #require(json["cvarInterval"] as? [Double])
    #expect(interval[0] <= 0.049 && 0.049 <= interval[1])
    let pooled = try shell("""
      \(generate)
      "$BIN" monitor --input "${TMPDIR:-/tmp}/cvar-seq-sorted-$$.csv" \(options) --reference pooled
      status=$?; rm -f "${TMPDIR:-/tmp}/cvar-seq-sorted-$$.csv"; exit $status
      """)
    #expect(pooled.status == 0, "\(pooled.stderr)")
    #expect(pooled.stdout.contains("NOT STATIONARY") && pooled.stdout.contains("pooled reference's confidence sequence became empty"), "\(pooled.stdout)")
  }

  /// Issue 15, item 2: the L2 test's rejection is "disparity detected", not a
  /// violation. 64 balanced groups, 13 at loss mean 0.8 and 51 at 0.3, rows
  /// in round-robin order; α = 0.1, ε0 = 0.45, true CVaR 0.398 < ε0.
  @Test func monitorL2RejectionIsNotAViolation() throws {
    let r = try shell("""
      awk 'BEGIN{print "g,loss"; for (i = 0; i < 3000; i++) for (g = 0; g < 64; g++) { m = (g >= 51) ? 0.8 : 0.3; print "g" g "," ((int((i + 1) * m + 1e-9) > int(i * m + 1e-9)) ? 1 : 0) } }' > "${TMPDIR:-/tmp}/cvar-seq-l2-$$.csv"
      "$BIN" monitor --input "${TMPDIR:-/tmp}/cvar-seq-l2-$$.csv" --group-by g --metric loss:loss --alpha 0.1 --tolerance 0.45 --l2-test
      status=$?; rm -f "${TMPDIR:-/tmp}/cvar-seq-l2-$$.csv"; exit $status
      """)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("DISPARITY DETECTED: the sequential L2 test rejected the null of no disparity (not evidence that CVaR > ε0 = 0.45)"), "\(r.stdout)")
    #expect(!r.stdout.contains("VIOLATION"))
  }

  /// Issue 15, item 3: a pooled reference is refused where arrival is not
  /// exchangeable (a sampler that picks the group). On the pool the
  /// old code declared a violation with a 92% "label saving" although the
  /// population CVaR is 0.0195 < ε0 = 0.05.
  @Test func pooledReferenceIsRefusedWithAGroupChoosingSampler() throws {
    for (command, sampler) in [("active", "stratified"), ("active", "two-stage"), ("active", "adaptive"), ("monitor", "two-stage")] {
      let r = try shell("\"$BIN\" \(command) \(compasOptions) --reference pooled --sampler \(sampler)")
      #expect(r.status == 2, "\(command) \(sampler)")
      #expect(r.stderr.contains("--reference pooled needs rows in exchangeable order"), "\(r.stderr)")
    }
    let iid = try shell("\"$BIN\" active \(compasOptions) --reference pooled --sampler iid --format json")
    #expect(iid.status == 0, "\(iid.stderr)")
  }

  private static let compasPopulation = "--label two_year_recid --score decile_score --threshold 5 --group-by age_cat --metric fpr --alpha 0.34 --weights population"

  /// Issue 14: at tolerance 0 with weights = the population shares (the null
  /// is no disparity), active's violation e-value averages the CVaR
  /// contrast's with the block-variance e-process's (two-stage) or the
  /// row-wise L2 contrast's (other samplers), and says so; with a positive
  /// tolerance it does not.
  @Test(arguments: [("--sampler two-stage --rows-per-group 16", "averaged with the two-stage blocks' variance e-process"),
                    ("--sampler stratified", "averaged with the pooled L2 contrast's e-process")])
  func averagedViolationEValueAtToleranceZero(sampler: String, says: String) throws {
    let base = Self.compasPopulation + " " + sampler
    let zero = try shell("\"$BIN\" active \(base) --tolerance 0")
    #expect(zero.status == 0, "\(zero.stderr)")
    #expect(zero.stdout.contains(says), "\(zero.stdout)")
    #expect(zero.stdout.contains("VIOLATION"), "\(zero.stdout)")
    let positive = try shell("\"$BIN\" active \(base) --tolerance 0.05")
    #expect(positive.status == 0, "\(positive.stderr)")
    #expect(!positive.stdout.contains("averaged with"), "\(positive.stdout)")
  }

  /// monitor at the same null averages the row-wise L2 contrast too, and its
  /// saved state holds that e-process and resumes with it.
  @Test func monitorAveragesTheL2ContrastAndResumes() throws {
    let base = Self.compasPopulation + " --tolerance 0"
    let data = try temporaryFile("averaged.csv", "")
    _ = try shell("head -301 \"$COMPAS\" > \(data)")
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("cvar-seq-\(getpid())-averaged.json").path
    defer { try? FileManager.default.removeItem(atPath: state) }
    let first = try shell("\"$BIN\" monitor --input \(data) \(base) --save-state \(state)")
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.contains("averaged with the pooled L2 contrast's e-process"), "\(first.stdout)")
    let resumed = try shell("\"$BIN\" monitor --input \(data) \(base) --resume \(state) --format json")
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
    #expect(json["observations"] as? Int == 308, "\(resumed.stdout)")
  }

  /// Issue 15, item 8: monitor's --sampler is documented as a label only.
  @Test func monitorSamplerIsALabel() throws {
    let r = try shell("\"$BIN\" monitor --help")
    let text = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    #expect(text.contains("For monitor it only labels how the rows were collected"), "\(r.stdout)")
  }
}
