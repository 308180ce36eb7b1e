#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A streaming reader of delimited text (RFC 4180 CSV).
///
/// Hand-written rather than taken from a package: the CSV packages available
/// here (SwiftCSV, CSV.swift) either load the whole file into memory or build
/// a `String` per field, which costs more than the rest of an audit together.
/// This reader keeps one buffer (1 MiB, grown only for a single record larger
/// than that), hands out fields as byte ranges into it, and so keeps memory
/// independent of the number of rows.
///
/// Rules: the first record is the header; fields are separated by the
/// delimiter; a field that starts with `"` is quoted, may contain the
/// delimiter, newlines and `""` (one quote); records end with LF or CRLF; a
/// UTF-8 byte-order mark at the start is skipped; blank lines are skipped and
/// counted in `blankLines`. Line numbers are physical lines (1 = header).
///
/// Use: `while try reader.next() { reader.field(i) ... }`. Field buffers are
/// valid until the next call to `next()`.
public final class CSVReader {
  /// The name used in messages (`<stdin>` for standard input).
  public let displayName: String
  public let delimiter: UInt8
  /// The header's field names.
  public private(set) var header: [String] = []
  /// The physical line on which the current record starts.
  public var recordLine: Int { state.pointee.recordLine }
  /// Data records returned so far (the header not included).
  public var recordsRead: Int { state.pointee.recordsRead }
  /// Blank lines skipped.
  public var blankLines: Int { state.pointee.blankLines }
  /// The number of fields of the current record.
  public var fieldCount: Int { state.pointee.fieldCount }

  /// Where a field's bytes are: in the read buffer, or (a quoted field with
  /// `""`) in the scratch buffer.
  struct FieldSlot {
    var start: Int
    var length: Int
    var inScratch: Bool
  }

  /// The reader's mutable state. It lives behind a pointer held in a `let`
  /// so that the per-byte loops touch no class `var`: each access to one
  /// would pay Swift's dynamic exclusivity check, which measured at about
  /// 40% of the instructions of an audit.
  struct State {
    var buffer: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var start = 0
    var end = 0
    var atEOF = false
    var line = 1
    var scratch: UnsafeMutablePointer<UInt8>
    var scratchCapacity: Int
    var scratchCount = 0
    var fields: UnsafeMutablePointer<FieldSlot>
    var fieldCapacity: Int
    var fieldCount = 0
    var recordLine = 0
    var recordsRead = 0
    var blankLines = 0
  }

  private let fd: Int32
  private let ownsDescriptor: Bool
  private let state: UnsafeMutablePointer<State>

  private static let quote = UInt8(ascii: "\"")
  private static let newline = UInt8(ascii: "\n")
  private static let carriageReturn = UInt8(ascii: "\r")

  /// Opens `path` (`-` for standard input) and reads the header.
  ///
  /// - Throws: `InputError` when the file cannot be opened or read, or is empty.
  public init(path: String, delimiter: UInt8 = UInt8(ascii: ","), bufferSize: Int = 1 << 20) throws {
    precondition(delimiter != CSVReader.quote && delimiter != CSVReader.newline && delimiter != CSVReader.carriageReturn,
                 "the delimiter cannot be a quote or a line break")
    self.delimiter = delimiter
    if path == "-" {
      displayName = "<stdin>"
      fd = 0
      ownsDescriptor = false
    } else {
      displayName = path
      let opened = open(path, O_RDONLY)
      if opened < 0 {
        let reason = String(cString: strerror(errno))
        throw InputError(file: path, message: "cannot open the file: \(reason)")
      }
      var info = stat()
      if fstat(opened, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
        close(opened)
        throw InputError(file: path, message: "is a directory, expected a CSV file")
      }
      fd = opened
      ownsDescriptor = true
    }
    let capacity = max(bufferSize, 64)
    state = .allocate(capacity: 1)
    state.initialize(to: State(buffer: .allocate(capacity: capacity), capacity: capacity,
                               scratch: .allocate(capacity: 4096), scratchCapacity: 4096,
                               fields: .allocate(capacity: 16), fieldCapacity: 16))
    // Every stored property is set from here on, so a throw runs deinit,
    // which closes the file and frees the buffers.
    try fill()
    let s = state
    if s.pointee.end - s.pointee.start >= 3, s.pointee.buffer[0] == 0xEF, s.pointee.buffer[1] == 0xBB,
       s.pointee.buffer[2] == 0xBF {
      s.pointee.start = 3
    }
    guard try next(isHeader: true) else {
      throw InputError(file: displayName, line: 1, message: "the file is empty: expected a header row")
    }
    header = (0..<fieldCount).map { string(at: $0) }
  }

  deinit {
    if ownsDescriptor { close(fd) }
    state.pointee.buffer.deallocate()
    state.pointee.scratch.deallocate()
    state.pointee.fields.deallocate()
    state.deinitialize(count: 1)
    state.deallocate()
  }

  /// Advances to the next data record. Returns false at the end of the input.
  ///
  /// - Throws: `InputError` for an unterminated quoted field, text after a
  ///   closing quote, or a read error.
  public func next() throws -> Bool {
    let found = try next(isHeader: false)
    if found { state.pointee.recordsRead += 1 }
    return found
  }

  /// The bytes of field `i` of the current record (quotes removed, `""` unescaped).
  @inline(__always)
  public func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
    let s = state
    precondition(i >= 0 && i < s.pointee.fieldCount, "field index out of range")
    let slot = s.pointee.fields[i]
    let base = slot.inScratch ? s.pointee.scratch : s.pointee.buffer
    return UnsafeBufferPointer(start: base + slot.start, count: slot.length)
  }

  /// Field `i` of the current record as a `String` (invalid UTF-8 repaired).
  public func string(at i: Int) -> String {
    String(decoding: field(i), as: UTF8.self)
  }

  /// Reads more input after the unconsumed bytes, growing the buffer when one
  /// record fills it. Returns false at end of input.
  private func fill() throws {
    let s = state
    if s.pointee.start > 0 {
      let remaining = s.pointee.end - s.pointee.start
      if remaining > 0 { s.pointee.buffer.update(from: s.pointee.buffer + s.pointee.start, count: remaining) }
      s.pointee.end = remaining
      s.pointee.start = 0
    }
    if s.pointee.end == s.pointee.capacity {
      let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: s.pointee.capacity * 2)
      larger.update(from: s.pointee.buffer, count: s.pointee.end)
      s.pointee.buffer.deallocate()
      s.pointee.buffer = larger
      s.pointee.capacity *= 2
    }
    while true {
      let n = read(fd, s.pointee.buffer + s.pointee.end, s.pointee.capacity - s.pointee.end)
      if n < 0 {
        if errno == EINTR { continue }
        let reason = String(cString: strerror(errno))
        throw InputError(file: displayName, line: s.pointee.line, message: "read error: \(reason)")
      }
      if n == 0 { s.pointee.atEOF = true }
      s.pointee.end += n
      return
    }
  }

  private func appendScratch(_ from: Int, _ count: Int) {
    let s = state
    if s.pointee.scratchCount + count > s.pointee.scratchCapacity {
      var newCapacity = s.pointee.scratchCapacity * 2
      while newCapacity < s.pointee.scratchCount + count { newCapacity *= 2 }
      let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
      larger.update(from: s.pointee.scratch, count: s.pointee.scratchCount)
      s.pointee.scratch.deallocate()
      s.pointee.scratch = larger
      s.pointee.scratchCapacity = newCapacity
    }
    (s.pointee.scratch + s.pointee.scratchCount).update(from: s.pointee.buffer + from, count: count)
    s.pointee.scratchCount += count
  }

  @inline(__always)
  private func addField(start: Int, length: Int, inScratch: Bool) {
    let s = state
    if s.pointee.fieldCount == s.pointee.fieldCapacity {
      let larger = UnsafeMutablePointer<FieldSlot>.allocate(capacity: s.pointee.fieldCapacity * 2)
      larger.initialize(from: s.pointee.fields, count: s.pointee.fieldCount)
      s.pointee.fields.deallocate()
      s.pointee.fields = larger
      s.pointee.fieldCapacity *= 2
    }
    (s.pointee.fields + s.pointee.fieldCount).initialize(to: FieldSlot(start: start, length: length, inScratch: inScratch))
    s.pointee.fieldCount += 1
  }

  private func next(isHeader: Bool) throws -> Bool {
    while true {
      switch try parseRecord() {
      case .record: return true
      case .endOfInput: return false
      case .needMore:
        let before = state.pointee.end - state.pointee.start
        try fill()
        if state.pointee.end - state.pointee.start == before && !state.pointee.atEOF { continue }
      }
    }
  }

  private enum ParseOutcome { case record, endOfInput, needMore }

  /// Parses one record starting at `start`. On `.needMore` nothing is consumed.
  private func parseRecord() throws -> ParseOutcome {
    let s = state
    // The buffer, its end and the EOF flag do not change during one parse.
    let buffer = s.pointee.buffer
    let end = s.pointee.end
    let atEOF = s.pointee.atEOF
    var p = s.pointee.start
    // Skip blank lines.
    while true {
      if p == end { if atEOF { s.pointee.start = p; return .endOfInput } else { s.pointee.start = p; return .needMore } }
      if buffer[p] == CSVReader.newline {
        p += 1; s.pointee.line += 1; s.pointee.blankLines += 1; s.pointee.start = p; continue
      }
      if buffer[p] == CSVReader.carriageReturn {
        if p + 1 == end && !atEOF { s.pointee.start = p; return .needMore }
        if p + 1 == end || buffer[p + 1] == CSVReader.newline {
          p = min(p + 2, end); s.pointee.line += 1; s.pointee.blankLines += 1; s.pointee.start = p; continue
        }
      }
      break
    }
    let line = s.pointee.line
    s.pointee.fieldCount = 0
    s.pointee.scratchCount = 0
    var newlinesInRecord = 0
    let delimiter = self.delimiter
    while true {
      if p < end && buffer[p] == CSVReader.quote {
        // Quoted field.
        var segmentStart = p + 1
        var q = p + 1
        var usesScratch = false
        let scratchStart = s.pointee.scratchCount
        var closing = -1
        while closing < 0 {
          while q < end && buffer[q] != CSVReader.quote {
            if buffer[q] == CSVReader.newline { newlinesInRecord += 1 }
            q += 1
          }
          if q == end {
            if atEOF {
              throw InputError(file: displayName, line: line, column: s.pointee.fieldCount + 1,
                               message: "unterminated quoted field: expected a closing '\"' before the end of the file")
            }
            return .needMore
          }
          // buffer[q] is a quote: an escaped quote or the closing one.
          if q + 1 == end && !atEOF { return .needMore }
          if q + 1 < end && buffer[q + 1] == CSVReader.quote {
            appendScratch(segmentStart, q + 1 - segmentStart)
            usesScratch = true
            q += 2
            segmentStart = q
          } else {
            closing = q
          }
        }
        if usesScratch {
          appendScratch(segmentStart, closing - segmentStart)
          addField(start: scratchStart, length: s.pointee.scratchCount - scratchStart, inScratch: true)
        } else {
          addField(start: segmentStart, length: closing - segmentStart, inScratch: false)
        }
        p = closing + 1
        if p == end {
          if !atEOF { return .needMore }
          break  // last record without a final newline
        }
        let c = buffer[p]
        if c == delimiter { p += 1; if p == end && atEOF { addField(start: p, length: 0, inScratch: false); break }; continue }
        if c == CSVReader.newline { p += 1; break }
        if c == CSVReader.carriageReturn {
          if p + 1 == end && !atEOF { return .needMore }
          if p + 1 == end || buffer[p + 1] == CSVReader.newline { p = min(p + 2, end); break }
        }
        throw InputError(file: displayName, line: line + newlinesInRecord, column: s.pointee.fieldCount,
                         message: "unexpected character after a closing quote: expected the delimiter or the end of the line")
      } else {
        // Unquoted field: up to the delimiter or the end of the line.
        var q = p
        while q < end {
          let c = buffer[q]
          if c == delimiter || c == CSVReader.newline { break }
          q += 1
        }
        if q == end && !atEOF { return .needMore }
        var length = q - p
        if q < end && buffer[q] == CSVReader.newline && length > 0 && buffer[q - 1] == CSVReader.carriageReturn {
          length -= 1
        } else if q == end && length > 0 && buffer[q - 1] == CSVReader.carriageReturn {
          length -= 1
        }
        addField(start: p, length: length, inScratch: false)
        if q == end { p = q; break }
        if buffer[q] == delimiter {
          p = q + 1
          if p == end && atEOF { addField(start: p, length: 0, inScratch: false); break }
          continue
        }
        p = q + 1
        break
      }
    }
    s.pointee.recordLine = line
    s.pointee.line = line + 1 + newlinesInRecord
    s.pointee.start = p
    return .record
  }
}
