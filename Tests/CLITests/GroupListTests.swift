import Foundation
import Testing
import FixtureSupport

/// The text tables at large K: --top, --min-n, --sort, the significant groups
/// first in `test`, groups without a rate, and the tie rule of the tail.
@Suite struct GroupListTests {
  static func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  /// CSV rows g,y,p: for each (label, n, errors), n rows of which `errors` have y ≠ p.
  static func csv(_ groups: [(String, Int, Int)]) -> String {
    var out = "g,y,p\n"
    for (label, n, errors) in groups {
      for i in 0..<n { out += i < errors ? "\(label),1,0\n" : "\(label),0,0\n" }
    }
    return out
  }

  static let rowOptions = ["--input", "-", "--group-by", "g", "--label", "y", "--prediction", "p"]

  /// The data lines of the first table whose header line starts with "group" after `marker`.
  static func tableRows(_ text: String, after marker: String = "") -> [String] {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if !marker.isEmpty, let start = lines.firstIndex(where: { $0.contains(marker) }) { lines = Array(lines[start...]) }
    guard let header = lines.firstIndex(where: { $0.hasPrefix("group ") }) else { return [] }
    var rows: [String] = []
    for line in lines[(header + 2)...] {
      if line.isEmpty || line.hasPrefix("…") || line.hasPrefix("*:") || line.hasPrefix("the tail") || line.contains("no rate") || line.contains("(--min-n)") { break }
      rows.append(line)
    }
    return rows
  }

  static func label(_ row: String) -> String { String(row.split(separator: " ")[0]) }

  /// 60 groups g00…g59 of n = 10 + g rows, g errors each.
  static let sixty = csv((0..<60).map { (String(format: "g%02d", $0), 10 + $0, $0 % 7) })

  @Test func topDefaultsToTwentyAboveFortyGroupsWithAFooter() throws {
    let r = try runCLI(["audit"] + Self.rowOptions, stdin: Self.sixty)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(Self.tableRows(r.stdout).count == 20)
    #expect(r.stdout.contains("… 40 more groups; use --top 0 for all, or --format json/csv"))
    let all = try runCLI(["audit", "--top", "0"] + Self.rowOptions, stdin: Self.sixty)
    #expect(Self.tableRows(all.stdout).count == 60)
    #expect(!all.stdout.contains("more groups"))
    let five = try runCLI(["audit", "--top", "5"] + Self.rowOptions, stdin: Self.sixty)
    #expect(Self.tableRows(five.stdout) == Array(Self.tableRows(all.stdout).prefix(5)))
    #expect(five.stdout.contains("… 55 more groups"))
    // JSON and CSV keep every group whatever --top says.
    let json = try runCLI(["audit", "--top", "5", "--format", "json"] + Self.rowOptions, stdin: Self.sixty)
    #expect((try Self.json(json.stdout)["groups"] as? [Any])?.count == 60)
    let csv = try runCLI(["audit", "--top", "5", "--format", "csv"] + Self.rowOptions, stdin: Self.sixty)
    #expect(csv.stdout.split(separator: "\n").count == 61)
  }

  @Test func fortyGroupsOrFewerAreAllShown() throws {
    let r = try runCLI(["audit", "--metric", "fpr"])  // COMPAS: 30 groups with an FPR
    #expect(Self.tableRows(r.stdout).count == 30)
    #expect(!r.stdout.contains("more groups"))
  }

  @Test func minNHidesSmallGroupsAndCountsThem() throws {
    let r = try runCLI(["audit", "--min-n", "40", "--top", "0"] + Self.rowOptions, stdin: Self.sixty)
    #expect(r.status == 0, "\(r.stderr)")
    let rows = Self.tableRows(r.stdout)
    #expect(rows.count == 30)  // n = 40…69
    #expect(rows.allSatisfy { Int(Self.label($0).dropFirst())! >= 30 })
    #expect(r.stdout.contains("30 groups with fewer than 40 rows hidden (--min-n); use --min-n 1 to show small groups, or --format json/csv"))
  }

  @Test func sortByNAndByLowerBound() throws {
    let byN = try runCLI(["audit", "--sort", "n", "--top", "0"] + Self.rowOptions, stdin: Self.sixty)
    #expect(byN.status == 0, "\(byN.stderr)")
    #expect(Self.tableRows(byN.stdout).map(Self.label) == (0..<60).reversed().map { String(format: "g%02d", $0) })
    let doc = try Self.json(try runCLI(["audit", "--format", "json"] + Self.rowOptions, stdin: Self.sixty).stdout)
    let lower = Dictionary(uniqueKeysWithValues: (doc["groups"] as! [[String: Any]]).map {
      (($0["key"] as! [String: String])["g"]!, ($0["disparityInterval"] as! [Double])[0])
    })
    let byBound = try runCLI(["audit", "--sort", "lower-bound", "--top", "0"] + Self.rowOptions, stdin: Self.sixty)
    let bounds = Self.tableRows(byBound.stdout).map { lower[Self.label($0)]! }
    #expect(bounds.count == 60)
    #expect(zip(bounds, bounds.dropFirst()).allSatisfy { $0 >= $1 })
  }

  @Test(arguments: [
    (["audit", "--top", "-1"], "--top"),
    (["audit", "--top", "1.5"], "--top"),
    (["test", "--min-n", "0"], "--min-n"),
    (["audit", "--sort", "rate"], "--sort"),
    (["audit", "--sort", "p"], "--sort p"),
  ])
  func badListOptionsExitTwo(arguments: [String], message: String) throws {
    let r = try runCLI(arguments)
    #expect(r.status == 2)
    #expect(r.stderr.contains(message), "\(r.stderr)")
  }

  /// Three large groups twice as bad as the rest, and 50 groups of one row with
  /// an error each: by disparity the one-row groups come first; the
  /// significant groups are listed before them anyway.
  static let significantBehindSmallGroups = csv(
    (0..<3).map { ("bad\($0)", 200, 100) } + (0..<40).map { ("ok\($0)", 200, 20) } + (0..<50).map { ("one\($0)", 1, 1) })

  @Test func testListsTheSignificantGroupsFirst() throws {
    let r = try runCLI(["test", "--permutations", "99"] + Self.rowOptions, stdin: Self.significantBehindSmallGroups)
    #expect(r.status == 0, "\(r.stderr)")
    let significant = Self.tableRows(r.stdout, after: "significantly worse groups")
    #expect(significant.map(Self.label).sorted() == ["bad0", "bad1", "bad2"])
    #expect(significant.allSatisfy { $0.hasSuffix("*") })
    #expect(r.stdout.contains("3 with Holm ≤ δ (family-wise, *)"))
    let others = Self.tableRows(r.stdout, after: "other groups (BH > δ)")
    #expect(others.count == 20)
    #expect(others.allSatisfy { Self.label($0).hasPrefix("one") })
    #expect(r.stdout.contains("… 70 more groups"))
    // --sort p: the smallest p first in each section.
    let byP = try runCLI(["test", "--permutations", "99", "--sort", "p", "--top", "0", "--format", "table"] + Self.rowOptions,
                         stdin: Self.significantBehindSmallGroups)
    let doc = try Self.json(try runCLI(["test", "--permutations", "99", "--format", "json"] + Self.rowOptions,
                                       stdin: Self.significantBehindSmallGroups).stdout)
    let p = Dictionary(uniqueKeysWithValues: (doc["groups"] as! [[String: Any]]).map {
      (($0["key"] as! [String: String])["g"]!, $0["pValue"] as! Double)
    })
    let ps = Self.tableRows(byP.stdout, after: "other groups").map { p[Self.label($0)]! }
    #expect(ps.count == 90)
    #expect(zip(ps, ps.dropFirst()).allSatisfy { $0 <= $1 })
    // --min-n thins the other groups, never the significant ones.
    let big = try runCLI(["test", "--permutations", "99", "--min-n", "300"] + Self.rowOptions, stdin: Self.significantBehindSmallGroups)
    #expect(Self.tableRows(big.stdout, after: "significantly worse").count == 3)
    #expect(big.stdout.contains("90 groups with fewer than 300 rows hidden (--min-n)"))
  }

  /// FNR needs positives: twelve groups of negatives only have no rate.
  static let withoutRate = "g,y,p\n" + (0..<12).map { "none\($0),0,0\nnone\($0),0,1\n" }.joined()
    + (0..<4).map { "pos\($0),1,\($0 % 2)\npos\($0),1,1\npos\($0),0,0\n" }.joined()

  @Test func groupsWithoutARateAreCountedWithFiveExamples() throws {
    let r = try runCLI(["audit", "--metric", "fnr"] + Self.rowOptions, stdin: Self.withoutRate)
    #expect(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    let first = try #require(lines.firstIndex { $0.contains("no rate") })
    // Wrapped at 100 characters, continued with two spaces.
    #expect(lines[first...].allSatisfy { $0.count <= 100 })
    let line = ([lines[first]] + lines[(first + 1)...].prefix { $0.hasPrefix("  ") }.map { String($0.dropFirst(2)) })
      .joined(separator: " ")
    #expect(line.hasPrefix("12 groups with rows but no rate for this metric: e.g. none"))
    #expect(line.hasSuffix("; … (all in --format json/csv)"))
    #expect(line.components(separatedBy: "; ").count == 6)
    let t = try runCLI(["test", "--metric", "fnr", "--permutations", "99"] + Self.rowOptions, stdin: Self.withoutRate)
    #expect(t.stdout.contains("12 groups with rows but no rate for this metric: e.g. "))
    // CSV: every group, those without a rate with n = 0 and the other fields empty.
    let csv = try runCLI(["audit", "--metric", "fnr", "--format", "csv"] + Self.rowOptions, stdin: Self.withoutRate)
    let rows = csv.stdout.split(separator: "\n").map(String.init)
    #expect(rows.count == 1 + 4 + 12)
    let columns = rows[0].split(separator: ",").count
    let empty = rows.filter { $0.hasPrefix("none") }
    #expect(empty.count == 12)
    for row in empty {
      let fields = row.split(separator: ",", omittingEmptySubsequences: false)
      #expect(fields.count == columns)
      #expect(fields[1] == "0" && fields[2...].allSatisfy(\.isEmpty), "\(row)")
    }
  }

  /// Nine groups tied at rate 1 (n = 3, 1, 4, 1, 5, 9, 2, 6, 5) and nine at 0; α = 0.25 of 18
  /// uniform groups is 4.5 groups: the tail is the first four tied groups of the listing (n from
  /// largest, then label) and half of the fifth.
  @Test func tiedGroupsEnterTheTailInTheDisplayedOrder() throws {
    let sizes = [3, 1, 4, 1, 5, 9, 2, 6, 5]
    let data = Self.csv(sizes.enumerated().map { ("t\($0.offset + 1)", $0.element, $0.element) }
      + (1...9).map { ("u\($0)", 10, 0) })
    let r = try runCLI(["audit", "--alpha", "0.25"] + Self.rowOptions, stdin: data)
    #expect(r.status == 0, "\(r.stderr)")
    let rows = Self.tableRows(r.stdout)
    #expect(rows.prefix(9).map(Self.label) == ["t6", "t8", "t5", "t9", "t3", "t1", "t7", "t2", "t4"])
    #expect(rows.prefix(4).allSatisfy { $0.hasSuffix("  *") })
    #expect(rows[4].hasSuffix("* (part)"))
    #expect(rows.dropFirst(5).allSatisfy { !$0.contains("*") })
    // The footnote is wrapped at 100 columns.
    #expect(r.stdout.replacingOccurrences(of: "\n  ", with: " ")
      .contains("ties in disparity are broken by n (larger first), then by the group's values; the tail follows this order"))
    let doc = try Self.json(try runCLI(["audit", "--alpha", "0.25", "--format", "json"] + Self.rowOptions, stdin: data).stdout)
    let groups = doc["groups"] as! [[String: Any]]
    #expect(groups.prefix(9).map { ($0["key"] as! [String: String])["g"]! } == ["t6", "t8", "t5", "t9", "t3", "t1", "t7", "t2", "t4"])
    #expect(groups.map { $0["inTail"] as! Bool } == [true, true, true, true, true] + Array(repeating: false, count: 13))
    // The test's tail lists the same groups in the same order.
    let t = try runCLI(["test", "--alpha", "0.25", "--permutations", "99"] + Self.rowOptions, stdin: data)
    #expect(Self.tableRows(t.stdout, after: "tail groups").map(Self.label) == ["t6", "t8", "t5", "t9", "t3"])
  }

  /// Without --top, the significant table shows every Holm-significant group even above 20 of them.
  @Test func everyHolmSignificantGroupIsShownByDefault() throws {
    let data = Self.csv((0..<25).map { ("bad\($0)", 200, 100) } + (0..<40).map { ("ok\($0)", 200, 20) })
    let r = try runCLI(["test", "--permutations", "99"] + Self.rowOptions, stdin: data)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("25 with Holm ≤ δ (family-wise, *)"))
    #expect(Self.tableRows(r.stdout, after: "significantly worse groups").count == 25)
    let five = try runCLI(["test", "--permutations", "99", "--top", "5"] + Self.rowOptions, stdin: data)
    #expect(Self.tableRows(five.stdout, after: "significantly worse groups").count == 5)
    #expect(five.stdout.contains("… 20 more significant groups; use --top 0 for all, or --format json"))
  }
}
