import FixtureSupport
import Foundation
import Testing

/// Bad and unusual inputs of the library layer: state files, pipes, devices,
/// duplicate names; each refused with exit 2 and a message, never a hang.
@Suite struct InputHardeningTests {
  static let stateOptions = "--group-by g --metric loss:loss"

  /// A state file cut short (arrays shorter than the declared groups) used
  /// to trap; an edited bound was accepted. Both are refused, field named.
  @Test func damagedStateFilesAreRefused() throws {
    let data = try temporaryFile("hard-state.csv", "g,loss\na,0.1\nb,0.2\na,0.3\nc,0.9\n")
    let state = try temporaryFile("hard-state.json", "")
    let saved = try shell("\"$BIN\" monitor --input \(data) \(Self.stateOptions) --save-state \(state)")
    #expect(saved.status == 0, "\(saved.stderr)")
    var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: state))) as? [String: Any])
    var tester = try #require(json["tester"] as? [String: Any])
    tester["groups"] = (tester["groups"] as! [Any]).prefix(1).map { $0 }
    json["tester"] = tester
    try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: state))
    let short = try shell("\"$BIN\" monitor --input \(data) \(Self.stateOptions) --resume \(state)")
    #expect(short.status == 2 && short.stdout.isEmpty)
    #expect(short.stderr.contains("'tester.groups'") && short.stderr.contains("declares 3 groups"), "\(short.stderr)")

    _ = try shell("\"$BIN\" monitor --input \(data) \(Self.stateOptions) --save-state \(state)")
    let text = try String(contentsOfFile: state, encoding: .utf8)
    try text.replacingOccurrences(of: "\"count\":2", with: "\"count\":-2").write(toFile: state, atomically: true, encoding: .utf8)
    let edited = try shell("\"$BIN\" monitor --input \(data) \(Self.stateOptions) --resume \(state)")
    #expect(edited.status == 2 && edited.stderr.contains("invalid state file: the field 'tester.groups[0].count'"), "\(edited.stderr)")
  }

  /// A write that fails (here: a file size limit of 512 bytes) leaves the
  /// old state file as it was; it used to be truncated.
  @Test func failedStateWriteKeepsTheOldFile() throws {
    let state = try temporaryFile("hard-keep.json", "the old state\n")
    let r = try shell("""
      ulimit -f 1; trap '' XFSZ
      "$BIN" monitor --input "$COMPAS" --label two_year_recid --score decile_score --threshold 5 \
        --group-by race,sex --metric fpr --save-state \(state) > /dev/null
      """)
    // A failed write is exit 1 (README, Bad input), the path being fine.
    #expect(r.status == 1 && r.stderr.contains("cannot write the file"), "\(r.stderr)")
    #expect(try String(contentsOfFile: state, encoding: .utf8) == "the old state\n")
    let directory = (state as NSString).deletingLastPathComponent
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".cvar-seq-\(getpid())-hard-keep.json.tmp") }
    #expect(leftovers.isEmpty)
  }

  /// monitor reads --input twice without --groups-from: a named pipe used to
  /// hang on the second open, a process substitution said "the file is empty".
  @Test func pipesAsTwiceReadInputAreRefused() throws {
    let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("cvar-hard-\(getpid())-fifo").path
    let r = try shell("""
      rm -f \(fifo); mkfifo \(fifo)
      (printf 'g,loss\\na,0.1\\n' > \(fifo) &) 
      "$BIN" monitor --input \(fifo) \(Self.stateOptions); status=$?
      cat \(fifo) > /dev/null; rm -f \(fifo); exit $status
      """, timeout: 20)
    #expect(r.status == 2 && r.stderr.contains("not a regular file") && r.stderr.contains("--groups-from"), "\(r.stderr)")
    let substitution = try shell("bash -c '\"$BIN\" monitor --input <(printf \"g,loss\\na,0.1\\n\") \(Self.stateOptions)'", timeout: 20)
    #expect(substitution.status == 2 && substitution.stderr.contains("--groups-from") && !substitution.stderr.contains("empty"),
            "\(substitution.stderr)")
  }

  /// A named pipe is read once by audit (no split, no reopening).
  @Test func namedPipeInputIsAudited() throws {
    let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("cvar-hard-\(getpid())-fifo2").path
    let r = try shell("""
      rm -f \(fifo); mkfifo \(fifo)
      (printf 'g,y,p\\na,1,0\\nb,0,1\\na,1,1\\n' > \(fifo) &)
      "$BIN" audit --input \(fifo) --group-by g --label y --prediction p --format json; status=$?
      rm -f \(fifo); exit $status
      """, timeout: 20)
    #expect(r.status == 0 && r.stdout.contains("\"groupBy\""), "\(r.stderr)")
  }

  /// /dev/zero (no line break ever) used to grow memory without bound.
  @Test func endlessRecordIsRefusedAtTheLimit() throws {
    let r = try shell("\"$BIN\" audit --input /dev/zero --group-by g --label y --prediction p", timeout: 20)
    #expect(r.status == 2 && r.stdout.isEmpty)
    #expect(r.stderr.contains("/dev/zero:1: a record longer than 1048576 bytes (1 MiB, the limit)"), "\(r.stderr)")
    let data = try temporaryFile("hard-zero.csv", "g,loss\na,0.1\n")
    let resume = try shell("\"$BIN\" monitor \(Self.stateOptions) --input \(data) --resume /dev/zero", timeout: 20)
    #expect(resume.status == 2 && resume.stderr.contains("not a regular file"), "\(resume.stderr)")
  }

  /// Duplicate header names used to read the first column silently.
  @Test func duplicateColumnNamesAreRefused() throws {
    let csv = try temporaryFile("hard-dup.csv", "g,y,g,p\na,1,b,0\nb,0,a,1\n")
    let r = try runCLI(["audit", "--input", csv, "--group-by", "g", "--label", "y", "--prediction", "p"])
    #expect(r.status == 2 && r.stderr.contains("'g' appears more than once in the header (columns 1 and 3)"), "\(r.stderr)")
    let monitor = try runCLI(["monitor", "--input", csv, "--group-by", "g", "--label", "y", "--prediction", "p", "--metric", "fpr"])
    #expect(monitor.status == 2 && monitor.stderr.contains("columns 1 and 3"), "\(monitor.stderr)")
    let jsonl = try temporaryFile("hard-dup.jsonl",
      "{\"g\":\"a\",\"metric\":\"fpr\",\"n\":3,\"sum\":1,\"sum_sq\":1}\n{\"g\":\"b\",\"metric\":\"fpr\",\"n\":3,\"sum\":1,\"sum_sq\":1,\"n\":4}\n")
    let j = try runCLI(["audit", "--aggregates", jsonl, "--group-by", "g", "--metric", "fpr"])
    #expect(j.status == 2 && j.stderr.contains("hard-dup.jsonl:2: column 'n': the key appears twice in one object"), "\(j.stderr)")
  }

  /// The README says bound and tolerance work from aggregates: for a loss
  /// column the bound test was refused. From the sums it gives the rows' p-value.
  @Test func boundCalibrationFromLossAggregates() throws {
    var rows = "g,loss\n"
    for i in 0..<30 { rows += "a,\(Double(i % 5) / 10)\n" }
    for i in 0..<40 { rows += "b,\(Double(i % 7) / 10 + 0.2)\n" }
    let csv = try temporaryFile("hard-bound.csv", rows)
    // n, Σℓ, Σℓ² per group, as the generated SQL computes them.
    func sums(_ values: [Double]) -> String {
      "\(values.count),\(values.reduce(0, +)),\(values.reduce(0) { $0 + $1 * $1 })"
    }
    let a = (0..<30).map { Double($0 % 5) / 10 }, b = (0..<40).map { Double($0 % 7) / 10 + 0.2 }
    let aggregates = try temporaryFile("hard-bound-agg.csv", "g,metric,n,sum,sum_sq\na,loss:loss,\(sums(a))\nb,loss:loss,\(sums(b))\n")
    let common = ["test", "--group-by", "g", "--metric", "loss:loss", "--calibration", "bound", "--format", "json"]
    let fromRows = try runCLI(common + ["--input", csv])
    let fromSums = try runCLI(common + ["--aggregates", aggregates])
    #expect(fromRows.status == 0 && fromSums.status == 0, "\(fromSums.stderr)")
    func pValue(_ text: String) throws -> Double {
      let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
      return try #require(json["pValue"] as? Double)
    }
    #expect(abs(try pValue(fromRows.stdout) - pValue(fromSums.stdout)) < 1e-12)
    let permutation = try runCLI(["test", "--group-by", "g", "--metric", "loss:loss", "--aggregates", aggregates])
    #expect(permutation.status == 2 && permutation.stderr.contains("needs the rows"))
  }

  /// merge used to write an n above 2^53 that --aggregates then refused.
  @Test func mergeRefusesCountsItCannotWriteExactly() throws {
    let part = "g,metric,n,sum,sum_sq\na,fpr,6000000000000000,10,10\n"
    let first = try temporaryFile("hard-merge-1.csv", part), second = try temporaryFile("hard-merge-2.csv", part)
    let r = try runCLI(["merge", first, second])
    #expect(r.status == 2 && r.stdout.isEmpty)
    #expect(r.stderr.contains("hard-merge-2.csv:2: the merged n of group a, metric fpr, exceeds 2^53"), "\(r.stderr)")
  }

  /// Two values that differ only in invalid UTF-8 bytes used to show as one
  /// name (U+FFFD) and, in aggregates, merge: they stay two groups, escaped.
  @Test func invalidUTF8ValuesStayDistinctAndVisible() throws {
    var bytes = Data("g,y,p\n".utf8)
    let rows: [([UInt8], String)] = [([0x61, 0xFF], "1,0"), ([0x61, 0xFE], "0,1"), ([0x61, 0xFF], "1,1"), ([0x62], "0,0")]
    for (value, y) in rows {
      bytes.append(contentsOf: value)
      bytes.append(contentsOf: Array(",\(y)\n".utf8))
    }
    let csv = FileManager.default.temporaryDirectory.appendingPathComponent("cvar-hard-\(getpid())-utf8.csv").path
    try bytes.write(to: URL(fileURLWithPath: csv))
    let table = try runCLI(["audit", "--input", csv, "--group-by", "g", "--label", "y", "--prediction", "p"])
    #expect(table.status == 0 && table.stdout.contains("a\\xFF") && table.stdout.contains("a\\xFE"), "\(table.stdout)")
    #expect(!table.stdout.contains("\u{FFFD}"))
    let json = try runCLI(["audit", "--input", csv, "--group-by", "g", "--label", "y", "--prediction", "p", "--format", "json"])
    #expect(json.stdout.contains("\"a\\\\xFF\"") && json.stdout.contains("\"a\\\\xFE\""), "\(json.stdout)")
    // The aggregates CSV form keeps them apart too.
    var aggregates = Data("g,metric,n,sum,sum_sq\n".utf8)
    for value in [[0x61, 0xFF], [0x61, 0xFE]] as [[UInt8]] {
      aggregates.append(contentsOf: value)
      aggregates.append(contentsOf: Array(",fpr,4,1,1\n".utf8))
    }
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("cvar-hard-\(getpid())-utf8-agg.csv").path
    try aggregates.write(to: URL(fileURLWithPath: file))
    let merged = try runCLI(["merge", file])
    #expect(merged.status == 0 && merged.stdout.contains("a\\xFF,fpr,4") && merged.stdout.contains("a\\xFE,fpr,4"), "\(merged.stdout) \(merged.stderr)")
  }
}
