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
  public private(set) var recordLine = 0
  /// Data records returned so far (the header not included).
  public private(set) var recordsRead = 0
  /// Blank lines skipped.
  public private(set) var blankLines = 0

  private let fd: Int32
  private let ownsDescriptor: Bool
  private var buffer: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  private var start = 0
  private var end = 0
  private var atEOF = false
  private var line = 1
  private var scratch: UnsafeMutablePointer<UInt8>
  private var scratchCapacity: Int
  private var scratchCount = 0
  // Per field of the current record: where its bytes are.
  private var fieldStart: [Int] = []
  private var fieldLength: [Int] = []
  private var fieldInScratch: [Bool] = []
  public private(set) var fieldCount = 0

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
    capacity = max(bufferSize, 64)
    buffer = .allocate(capacity: capacity)
    scratchCapacity = 4096
    scratch = .allocate(capacity: scratchCapacity)
    // Every stored property is initialized here, so when reading the header
    // throws, `deinit` runs and releases the descriptor and the buffers
    // (releasing them here as well would free them twice).
    try fill()
    if end - start >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { start = 3 }
    guard try next(isHeader: true) else {
      throw InputError(file: displayName, line: 1, message: "the file is empty: expected a header row")
    }
    header = (0..<fieldCount).map { string(at: $0) }
  }

  deinit {
    if ownsDescriptor { close(fd) }
    buffer.deallocate()
    scratch.deallocate()
  }

  /// Advances to the next data record. Returns false at the end of the input.
  ///
  /// - Throws: `InputError` for an unterminated quoted field, text after a
  ///   closing quote, or a read error.
  public func next() throws -> Bool {
    let found = try next(isHeader: false)
    if found { recordsRead += 1 }
    return found
  }

  /// The bytes of field `i` of the current record (quotes removed, `""` unescaped).
  @inline(__always)
  public func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
    let base = fieldInScratch[i] ? scratch : buffer
    return UnsafeBufferPointer(start: base + fieldStart[i], count: fieldLength[i])
  }

  /// Field `i` of the current record as a `String` (invalid UTF-8 repaired).
  public func string(at i: Int) -> String {
    String(decoding: field(i), as: UTF8.self)
  }

  /// Reads more input after the unconsumed bytes, growing the buffer when one
  /// record fills it. Returns false at end of input.
  private func fill() throws {
    if start > 0 {
      let remaining = end - start
      if remaining > 0 { (buffer).update(from: buffer + start, count: remaining) }
      end = remaining
      start = 0
    }
    if end == capacity {
      let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
      larger.update(from: buffer, count: end)
      buffer.deallocate()
      buffer = larger
      capacity *= 2
    }
    while true {
      let n = read(fd, buffer + end, capacity - end)
      if n < 0 {
        if errno == EINTR { continue }
        let reason = String(cString: strerror(errno))
        throw InputError(file: displayName, line: line, message: "read error: \(reason)")
      }
      if n == 0 { atEOF = true }
      end += n
      return
    }
  }

  private func appendScratch(_ from: Int, _ count: Int) {
    if scratchCount + count > scratchCapacity {
      var newCapacity = scratchCapacity * 2
      while newCapacity < scratchCount + count { newCapacity *= 2 }
      let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
      larger.update(from: scratch, count: scratchCount)
      scratch.deallocate()
      scratch = larger
      scratchCapacity = newCapacity
    }
    (scratch + scratchCount).update(from: buffer + from, count: count)
    scratchCount += count
  }

  @inline(__always)
  private func addField(start s: Int, length: Int, inScratch: Bool) {
    if fieldCount == fieldStart.count {
      fieldStart.append(s); fieldLength.append(length); fieldInScratch.append(inScratch)
    } else {
      fieldStart[fieldCount] = s; fieldLength[fieldCount] = length; fieldInScratch[fieldCount] = inScratch
    }
    fieldCount += 1
  }

  private func next(isHeader: Bool) throws -> Bool {
    while true {
      switch try parseRecord() {
      case .record: return true
      case .endOfInput: return false
      case .needMore:
        let before = end - start
        try fill()
        if end - start == before && !atEOF { continue }
      }
    }
  }

  private enum ParseOutcome { case record, endOfInput, needMore }

  /// Parses one record starting at `start`. On `.needMore` nothing is consumed.
  private func parseRecord() throws -> ParseOutcome {
    var p = start
    // Skip blank lines.
    while true {
      if p == end { if atEOF { start = p; return .endOfInput } else { start = p; return .needMore } }
      if buffer[p] == CSVReader.newline {
        p += 1; line += 1; blankLines += 1; start = p; continue
      }
      if buffer[p] == CSVReader.carriageReturn {
        if p + 1 == end && !atEOF { start = p; return .needMore }
        if p + 1 == end || buffer[p + 1] == CSVReader.newline {
          p = min(p + 2, end); line += 1; blankLines += 1; start = p; continue
        }
      }
      break
    }
    fieldCount = 0
    scratchCount = 0
    var newlinesInRecord = 0
    let delimiter = self.delimiter
    while true {
      if p < end && buffer[p] == CSVReader.quote {
        // Quoted field.
        var segmentStart = p + 1
        var q = p + 1
        var usesScratch = false
        let scratchStart = scratchCount
        var closing = -1
        while closing < 0 {
          while q < end && buffer[q] != CSVReader.quote {
            if buffer[q] == CSVReader.newline { newlinesInRecord += 1 }
            q += 1
          }
          if q == end {
            if atEOF {
              throw InputError(file: displayName, line: line, column: fieldCount + 1,
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
          addField(start: scratchStart, length: scratchCount - scratchStart, inScratch: true)
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
        throw InputError(file: displayName, line: line + newlinesInRecord, column: fieldCount,
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
    recordLine = line
    line += 1 + newlinesInRecord
    start = p
    return .record
  }
}
