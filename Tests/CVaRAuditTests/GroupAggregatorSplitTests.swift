import Foundation
import Testing
import FixtureSupport
import Distributions
@testable import CVaRAudit

/// The two-part read of `GroupAggregator.aggregate(path:...)`: it must give
/// the sequential read's table and errors whatever the cut falls on.
@Suite struct GroupAggregatorSplitTests {
  static let columns = ColumnSelection(groupBy: ["a", "b"], label: "y", prediction: .column("p"))

  /// The sequential read and the read split at any size.
  static func bothReads(_ text: String, columns: ColumnSelection = columns) throws -> (GroupTable, GroupTable) {
    let path = try temporaryFile(text)
    let sequential = try GroupAggregator.aggregate(try CSVReader(path: path), columns: columns)
    let split = try GroupAggregator.aggregate(path: path, columns: columns, splitAbove: 0)
    return (sequential, split)
  }

  static func expectSame(_ a: GroupTable, _ b: GroupTable) {
    #expect(a.keys == b.keys)  // same groups in the same (first-seen) order
    #expect(a.confusion == b.confusion)
    #expect(a.rowsRead == b.rowsRead)
    #expect(a.excluded.byReason == b.excluded.byReason)
    #expect(a.blankLines == b.blankLines)
  }

  /// Both reads' errors (nil: no error).
  static func errors(_ text: String) throws -> (InputError?, InputError?) {
    let path = try temporaryFile(text)
    var first: InputError? = nil, second: InputError? = nil
    do { _ = try GroupAggregator.aggregate(try CSVReader(path: path), columns: columns) } catch let e as InputError { first = e }
    do { _ = try GroupAggregator.aggregate(path: path, columns: columns, splitAbove: 0) } catch let e as InputError { second = e }
    return (first, second)
  }

  /// The cut's offset in `text`, which must be split.
  static func cut(_ text: String) throws -> Int {
    let path = try temporaryFile(text)
    let reader = try CSVReader(path: path)
    return try #require(try GroupAggregator.cutOffset(reader, after: reader.offset, minimumBytes: 0))
  }

  @Test func sameTableAsTheSequentialReadOnSeededFiles() throws {
    for seed in 0..<40 {
      var rng = Xoshiro256StarStar(seed: UInt64(seed))
      let values = ["x", "yy", "", "\"q,1\"", "\"multi\nline\"", "\"say \"\"hi\"\"\"", "a-much-longer-value-than-24-bytes"]
      var text = seed % 2 == 0 ? "a,b,y,p\n" : "\u{FEFF}a,b,y,p\r\n"
      let rows = 1 + Int(rng.next() % 300)
      var blanks = 0
      for _ in 0..<rows {
        if rng.next() % 20 == 0 { text += "\n"; blanks += 1 }  // blank lines
        let end = seed % 3 == 0 ? "\r\n" : "\n"
        text += "\(rng.next() % 5),\(values[Int(rng.next() % UInt64(values.count))]),\(rng.next() % 2),\(rng.next() % 2)\(end)"
      }
      let (sequential, split) = try Self.bothReads(text)
      Self.expectSame(sequential, split)
      #expect(sequential.blankLines == blanks, "seed \(seed): blank lines are counted, not dropped silently")
      var excluding = Self.columns
      excluding.missingValues = .exclude
      let (a, b) = try Self.bothReads(text, columns: excluding)
      Self.expectSame(a, b)
    }
  }

  @Test func cutInsideAMultiLineQuotedField() throws {
    // The quoted field holds most of the file, so the middle falls inside it;
    // read from the cut, its lines are ragged rows (an error the split read
    // must not report).
    let inside = (0..<200).map { "line \($0) said \"\"hi\"\", then more" }.joined(separator: "\n")
    let text = "a,b,y,p\n1,x,0,1\n2,\"\(inside)\",1,1\n3,y,1,0\n1,x,1,1\n"
    let cut = try Self.cut(text)
    let fieldStart = text.utf8.count - inside.utf8.count - 25
    #expect(cut > fieldStart && cut < fieldStart + inside.utf8.count)
    let (sequential, split) = try Self.bothReads(text)
    Self.expectSame(sequential, split)
    #expect(split.groupCount == 3 && split.rowsRead == 4)
  }

  @Test func secondPartGivesUpOnARecordLargerThanItsBuffer() throws {
    let path = try temporaryFile("")
    func both(_ text: String) throws -> (GroupTable, GroupTable) {
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      let sequential = try GroupAggregator.aggregate(try CSVReader(path: path), columns: Self.columns)
      let split = try GroupAggregator.aggregate(path: path, delimiter: UInt8(ascii: ","), columns: Self.columns,
                                                splitAbove: 0, secondPartBuffer: (initial: 64, maximum: 128))
      return (sequential, split)
    }
    // A valid cut, then a 400-byte record: the second part gives up and the
    // first reader reads on.
    var lines = ["a,b,y,p"] + (0..<60).map { "\($0 % 4),x,1,0" }
    lines.append("9,\"" + String(repeating: "long ", count: 80) + "\",0,1")
    lines += (0..<5).map { "\($0 % 4),y,0,0" }
    let valid = lines.joined(separator: "\n") + "\n"
    #expect(try Self.cut(valid) < valid.utf8.count - 400)  // the long record is after the cut
    let (a, b) = try both(valid)
    Self.expectSame(a, b)
    #expect(b.groupCount == 9 && b.rowsRead == 66)
    // A cut inside a quoted field whose lines look like rows and whose
    // closing quote starts a line: read from the cut, that quote opens a
    // field that runs to the end of the file, which the second part would
    // buffer whole; it gives up, and the first part's reader finishes the field.
    let inside = (0..<80).map { "m\($0 % 3),t,1,0" }.joined(separator: "\n") + "\n"
    let text = "a,b,y,p\n1,x,0,1\n2,\"\(inside)\",1,1\n" + String(repeating: "3,y,1,0\n", count: 30)
    let cut = try Self.cut(text)
    #expect(cut > 20 && cut < 20 + inside.utf8.count)
    #expect(text.utf8.count - cut > 128)
    let (c, d) = try both(text)
    Self.expectSame(c, d)
    #expect(d.rowsRead == 32)
  }

  @Test func errorInTheSecondPartReportsItsLineInTheFile() throws {
    var lines = ["a,b,y,p"]
    for i in 0..<400 { lines.append("\(i % 3),\(i % 2 == 0 ? "\"two\nlines\"" : "z"),1,0") }
    lines[300] = "1,z,maybe,0"  // a bad label three quarters in
    let text = lines.joined(separator: "\n") + "\n"
    #expect(try Self.cut(text) < text.utf8.count * 3 / 4)
    let (sequential, split) = try Self.errors(text)
    let error = try #require(sequential)
    #expect(split == error)
    // Row 300 starts on physical line 1 + 299 rows, 150 of which span two lines.
    #expect(error.line == 2 + 299 + 150 && error.columnName == "y")
  }

  @Test func theFirstErrorInTheFileIsReported() throws {
    var lines = ["a,b,y,p"]
    for i in 0..<400 { lines.append("\(i % 3),z,1,0") }
    lines[50] = "1,z,1,7"   // first part
    lines[350] = "1,z,2,0"  // second part
    let text = lines.joined(separator: "\n") + "\n"
    let (sequential, split) = try Self.errors(text)
    #expect(sequential?.line == 51 && split == sequential)
    // An unterminated quote at the end of the second part.
    let (a, b) = try Self.errors(text + "1,\"open,1,0\n")
    #expect(a?.line == 51 && b == a)
    // Only an unterminated quote at the end: reported by the second part.
    let clean = (0..<400).map { "\($0 % 3),z,1,0" }
    let (c, d) = try Self.errors((["a,b,y,p"] + clean).joined(separator: "\n") + "\n1,\"open\n")
    #expect(c?.message.contains("unterminated") == true && c?.line == 402 && d == c)
  }

  @Test func lossColumnsAndStandardInputAreReadSequentially() throws {
    let text = "g,l\n" + (0..<100).map { "\($0 % 7),0.\($0)" }.joined(separator: "\n") + "\n"
    let path = try temporaryFile(text)
    let columns = ColumnSelection(groupBy: ["g"], lossColumn: "l")
    let sequential = try GroupAggregator.aggregate(try CSVReader(path: path), columns: columns)
    let split = try GroupAggregator.aggregate(path: path, columns: columns, splitAbove: 0)
    #expect(split.loss == sequential.loss)  // bit for bit: the same order of additions
    #expect(try GroupAggregator.cutOffset(CSVReader(path: path), after: 4, minimumBytes: text.utf8.count) == nil)
  }
}
