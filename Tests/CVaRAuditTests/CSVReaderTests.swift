import Testing
import FixtureSupport
import Distributions
@testable import CVaRAudit

@Suite struct CSVReaderTests {
  static func records(_ text: String, delimiter: Character = ",", bufferSize: Int = 1 << 20) throws -> (header: [String], rows: [[String]], lines: [Int]) {
    let path = try temporaryFile(text)
    let reader = try CSVReader(path: path, delimiter: delimiter.asciiValue!, bufferSize: bufferSize)
    var rows: [[String]] = []
    var lines: [Int] = []
    while try reader.next() {
      rows.append((0..<reader.fieldCount).map { reader.string(at: $0) })
      lines.append(reader.recordLine)
    }
    return (reader.header, rows, lines)
  }

  @Test func plainAndQuotedFields() throws {
    let text = "a,b,c\n1,\"x,y\",3\n\"he said \"\"hi\"\"\",,\"multi\nline\"\n4,5,6"
    let r = try Self.records(text)
    #expect(r.header == ["a", "b", "c"])
    #expect(r.rows == [["1", "x,y", "3"], ["he said \"hi\"", "", "multi\nline"], ["4", "5", "6"]])
    #expect(r.lines == [2, 3, 5])
  }

  @Test func crlfBomBlankLinesAndDelimiter() throws {
    let text = "\u{FEFF}a;b\r\n1;2\r\n\r\n3;\"4\"\r\n"
    let path = try temporaryFile(text)
    let reader = try CSVReader(path: path, delimiter: UInt8(ascii: ";"))
    #expect(reader.header == ["a", "b"])
    var rows: [[String]] = []
    while try reader.next() { rows.append((0..<reader.fieldCount).map { reader.string(at: $0) }) }
    #expect(rows == [["1", "2"], ["3", "4"]])
    #expect(reader.blankLines == 1)
    #expect(reader.recordLine == 4)
  }

  @Test func tinyBufferGivesTheSameRecords() throws {
    // Records that straddle buffer refills, including quotes split across reads.
    var text = "g,y,p\n"
    for i in 0..<500 { text += "\"grp \"\"\(i % 7)\"\"\",\(i % 2),\(i % 3 == 0 ? 1 : 0)\n" }
    let big = try Self.records(text)
    let small = try Self.records(text, bufferSize: 64)
    #expect(big.rows == small.rows)
    #expect(big.rows.count == 500)
    #expect(big.rows[3] == ["grp \"3\"", "1", "1"])
  }

  @Test func emptyFieldsAndTrailingDelimiter() throws {
    let r = try Self.records("a,b\n,\n1,")
    #expect(r.rows == [["", ""], ["1", ""]])
  }

  @Test func errors() throws {
    #expect(throws: InputError.self) { _ = try CSVReader(path: "/nonexistent/file.csv") }
    let empty = try temporaryFile("")
    do {
      _ = try CSVReader(path: empty)
      Issue.record("an empty file must be refused")
    } catch let error as InputError {
      #expect(error.description.contains("empty"))
    }
    do {
      _ = try Self.records("a,b\n1,\"open\n")
      Issue.record("an unterminated quote must be refused")
    } catch let error as InputError {
      #expect(error.line == 2 && error.message.contains("unterminated"))
    }
    do {
      _ = try Self.records("a,b\n1,\"x\"y\n")
      Issue.record("text after a closing quote must be refused")
    } catch let error as InputError {
      #expect(error.line == 2 && error.column == 2)
    }
  }

  @Test func numbersParseLikeStrtod() {
    func parse(_ s: String) -> Double? {
      Array(s.utf8).withUnsafeBufferPointer { FieldParsing.double($0) }
    }
    #expect(parse("5") == 5)
    #expect(parse(" -0.25 ") == -0.25)
    #expect(parse("1e-3") == 0.001)
    #expect(parse("0.1") == 0.1)
    #expect(parse("123456789.123456789") == 123456789.123456789)
    #expect(parse(".5") == 0.5)
    #expect(parse("5.") == 5)
    #expect(parse("") == nil)
    #expect(parse("abc") == nil)
    #expect(parse("1.2.3") == nil)
    #expect(parse("-") == nil)
    #expect(parse(".") == nil)
    #expect(parse("nan")!.isNaN)
    #expect(parse("-inf") == -.infinity)
    var rng = SplitMix64(seed: 9)
    for _ in 0..<2000 {
      let x = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)
      let text = "\(x)"
      #expect(parse(text) == Double(text), "\(text)")
      let short = String(format: "%.6f", Double(rng.next() % 1_000_000) / 997)
      #expect(parse(short) == Double(short), "\(short)")
    }
  }

  @Test func binaryValues() {
    func parse(_ s: String) -> UInt8? { Array(s.utf8).withUnsafeBufferPointer { FieldParsing.binary($0) } }
    #expect(parse("0") == 0 && parse("1") == 1 && parse("1.0") == 1 && parse("True") == 1 && parse("false") == 0)
    #expect(parse("2") == nil && parse("") == nil && parse("0.5") == nil && parse("yes") == nil)
  }
}

import Foundation
