import Foundation
import Testing
import FixtureSupport
@testable import CVaRAudit

/// Limits and file identity of the CSV reader and the two-part read.
@Suite struct InputLimitsTests {
  /// A record longer than `CSVReader.maximumRecordLength` is refused, at the
  /// line where it starts; one just under the limit is read.
  @Test func recordLengthIsCapped() throws {
    let long = String(repeating: "x", count: CSVReader.maximumRecordLength + 10)
    let path = try temporaryFile("g,y\na,1\n" + long + "\nb,0\n")
    let reader = try CSVReader(path: path)
    #expect(try reader.next())
    #expect(throws: InputError(file: path, line: 3, message: "a record longer than 1048576 bytes (1 MiB, the limit) without its end: expected a line break (is this a text CSV file? a quoted field left open?)")) {
      _ = try reader.next()
    }
    let fits = String(repeating: "y", count: CSVReader.maximumRecordLength - 10)
    let ok = try CSVReader(path: try temporaryFile("g\n" + fits + "\nb\n"), bufferSize: 64)
    #expect(try ok.next() && ok.field(0).count == fits.utf8.count)
    #expect(try ok.next() && !ok.next())
  }

  /// Both parts of a split read come from the file the reader opened: a file
  /// renamed over the path meanwhile is not read (the second part used to
  /// reopen the path, mixing two files).
  @Test func splitReadUsesTheOpenFile() throws {
    let columns = ColumnSelection(groupBy: ["g"], label: "y", prediction: .column("p"))
    let original = "g,y,p\n" + (0..<2000).map { "a\($0 % 3),\($0 % 2),\($0 % 5 == 0 ? 1 : 0)" }.joined(separator: "\n") + "\n"
    let replacement = "g,y,p\n" + (0..<2000).map { "z\($0 % 4),1,1" }.joined(separator: "\n") + "\n"
    let path = try temporaryFile(original)
    let other = try temporaryFile(replacement)
    let expected = try GroupAggregator.aggregate(try CSVReader(path: path), columns: columns)
    let reader = try CSVReader(path: path)
    #expect(rename(other, path) == 0)
    let layout = try GroupAggregator.RowLayout(reader: reader, columns: columns)
    #expect(try GroupAggregator.cutOffset(reader, after: reader.offset, minimumBytes: 0) != nil)
    let split = try GroupAggregator.aggregate(reader, layout: layout, splitAbove: 0,
                                              secondPartBuffer: (initial: 1 << 20, maximum: 64 << 20))
    #expect(split.keys == expected.keys && split.confusion == expected.confusion && split.rowsRead == 2000)
  }
}
