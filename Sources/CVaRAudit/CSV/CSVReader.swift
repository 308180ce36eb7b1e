#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where one field's bytes are: an offset into the read buffer, or into the
/// scratch buffer for quoted fields with `""` escapes.
@usableFromInline
struct FieldSpan {
  @usableFromInline var offset: Int
  @usableFromInline var length: Int
  @usableFromInline var inScratch: Bool
}

/// A view of the current record of a `CSVReader`: valid until the reader's
/// next call to `nextRecord()`.
public struct CSVRecord {
  @usableFromInline let spans: UnsafePointer<FieldSpan>
  @usableFromInline let buffer: UnsafePointer<UInt8>
  @usableFromInline let scratch: UnsafePointer<UInt8>
  /// The number of fields.
  public let count: Int
  /// The physical line on which the record starts.
  public let line: Int

  /// The bytes of field `i` (quotes removed, `""` unescaped).
  @inlinable
  public func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
    precondition(i >= 0 && i < count, "field index out of range")
    let span = spans[i]
    return UnsafeBufferPointer(start: (span.inScratch ? scratch : buffer) + span.offset, count: span.length)
  }

  /// Field `i` as a `String` (invalid UTF-8 bytes as `\xHH`: `VisibleText`).
  public func string(at i: Int) -> String { VisibleText.of(field(i)) }
}

/// A streaming reader of delimited text (RFC 4180 CSV).
///
/// Hand-written rather than taken from a package: the CSV packages available
/// here (SwiftCSV, CSV.swift) either load the whole file into memory or build
/// a `String` per field, which costs more than the rest of an audit together.
/// This reader keeps one buffer (1 MiB by default, grown only for a single
/// record larger than that, and a record is at most `maximumRecordLength`),
/// hands out fields as byte ranges into it, and so keeps memory bounded and
/// independent of the number of rows. The parsing loop works on local copies
/// of the reader's state, and the state itself lives behind a pointer: class
/// properties touched per byte or per record pay Swift's dynamic exclusivity
/// checks, which measured at a third, then a tenth, of the run time.
///
/// A reader can also stop at a byte offset (`setLimit`) or read a byte range
/// (`init(sharing:offsets:...)`): what the two-part parallel
/// read of `GroupAggregator.aggregate(path:...)` uses.
///
/// Rules: the first record is the header; fields are separated by the
/// delimiter; a field that starts with `"` is quoted, may contain the
/// delimiter, newlines and `""` (one quote); records end with LF or CRLF; a
/// UTF-8 byte-order mark at the start is skipped; blank lines are skipped and
/// counted in `blankLines`. Line numbers are physical lines (1 = header).
///
/// Use: `while let record = try reader.nextRecord() { record.field(i) ... }`,
/// or `while try reader.next() { reader.field(i) ... }`.
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

  /// The mutable state, behind a pointer: stored properties of a class pay a
  /// dynamic exclusivity check on every access (measured at a tenth of an
  /// audit's run time when they were touched per record); a pointer's
  /// pointee does not.
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
    var spans: UnsafeMutablePointer<FieldSpan>
    var spanCapacity: Int
    var recordLine = 0
    var recordsRead = 0
    var blankLines = 0
    var fieldCount = 0
    /// The file offset of `buffer[0]`.
    var bufferOffset = 0
    /// The file offset at which this reader's input ends (`Int.max`: the end of the file).
    var limit = Int.max
    /// Whether `limit` is a cut (`setLimit`) rather than the end of the file.
    var limitIsCut = false
    /// Set when the input ended at a cut inside a quoted field.
    var stoppedInsideQuotedField = false
    /// The largest buffer this reader may grow to (`Int.max`: no bound).
    var maximumCapacity = Int.max
    /// Whether reads are positional (`pread` at `bufferOffset + end`): a
    /// reader of a byte range sharing another reader's descriptor.
    var positional = false
  }

  /// The longest record read, in bytes with its line break: 1 MiB. A longer
  /// one is refused (`InputError`) rather than buffered whole, which bounds
  /// memory on input without line breaks (`/dev/zero`, a binary file).
  public static let maximumRecordLength = 1 << 20

  private let fd: Int32
  private let ownsDescriptor: Bool
  private let state: UnsafeMutablePointer<State>

  private var buffer: UnsafeMutablePointer<UInt8> {
    get { state.pointee.buffer } set { state.pointee.buffer = newValue }
  }
  private var capacity: Int { get { state.pointee.capacity } set { state.pointee.capacity = newValue } }
  private var start: Int { get { state.pointee.start } set { state.pointee.start = newValue } }
  private var end: Int { get { state.pointee.end } set { state.pointee.end = newValue } }
  private var atEOF: Bool { get { state.pointee.atEOF } set { state.pointee.atEOF = newValue } }
  private var line: Int { get { state.pointee.line } set { state.pointee.line = newValue } }
  private var scratch: UnsafeMutablePointer<UInt8> {
    get { state.pointee.scratch } set { state.pointee.scratch = newValue }
  }
  private var scratchCapacity: Int {
    get { state.pointee.scratchCapacity } set { state.pointee.scratchCapacity = newValue }
  }
  private var scratchCount: Int { get { state.pointee.scratchCount } set { state.pointee.scratchCount = newValue } }
  private var spans: UnsafeMutablePointer<FieldSpan> {
    get { state.pointee.spans } set { state.pointee.spans = newValue }
  }
  private var spanCapacity: Int { get { state.pointee.spanCapacity } set { state.pointee.spanCapacity = newValue } }

  private static let quote = UInt8(ascii: "\"")
  private static let newline = UInt8(ascii: "\n")
  private static let carriageReturn = UInt8(ascii: "\r")

  /// Opens `path` (`-` for standard input) and reads the header.
  ///
  /// - Throws: `InputError` when the file cannot be opened or read, or is empty.
  public init(path: String, delimiter: UInt8 = UInt8(ascii: ","), bufferSize: Int = 1 << 20) throws {
    (displayName, fd, ownsDescriptor) = try CSVReader.openFile(path)
    self.delimiter = delimiter
    state = CSVReader.allocateState(bufferSize: bufferSize, delimiter: delimiter)
    // Every stored property is set from here on, so a throw runs deinit,
    // which closes the file and frees the buffers.
    try fill()
    if end - start >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { start = 3 }
    guard let record = try readRecord() else {
      throw InputError(file: displayName, line: 1, message: "the file is empty: expected a header row")
    }
    header = (0..<record.count).map { record.string(at: $0) }
  }

  /// A reader of the records in the byte range `offsets` of the regular
  /// file `other` reads, which must start at a record boundary. It reads
  /// `other`'s open descriptor with `pread` (so the same file, even if the
  /// path is replaced meanwhile, and without moving `other`'s position);
  /// `other` must outlive it. The header is `other`'s (nothing is read as a
  /// header). Line numbers count from 1 at `offsets.lowerBound`. A record that
  /// would need a buffer larger than `maximumBufferSize`, or longer than
  /// `maximumRecordLength`, throws `CSVReader.BufferLimitExceeded`.
  init(sharing other: CSVReader, offsets: Range<Int>, bufferSize: Int = 1 << 20, maximumBufferSize: Int) {
    displayName = other.displayName
    fd = other.fd
    ownsDescriptor = false
    delimiter = other.delimiter
    state = CSVReader.allocateState(bufferSize: bufferSize, delimiter: delimiter)
    header = other.header
    state.pointee.maximumCapacity = maximumBufferSize
    state.pointee.bufferOffset = offsets.lowerBound
    state.pointee.limit = offsets.upperBound
    state.pointee.positional = true
  }

  /// The size of the file if it is a regular file (nil for standard input,
  /// a pipe, a device).
  var regularFileSize: Int? {
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return Int(info.st_size)
  }

  /// `pread` on this reader's descriptor.
  func readBytes(_ bytes: UnsafeMutableRawPointer, count: Int, at offset: Int) -> Int {
    pread(fd, bytes, count, off_t(offset))
  }

  /// Thrown by a reader of a byte range whose record outgrows its buffer bound.
  struct BufferLimitExceeded: Error {}

  private static func openFile(_ path: String) throws -> (String, Int32, Bool) {
    if path == "-" { return ("<stdin>", 0, false) }
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
    return (path, opened, true)
  }

  private static func allocateState(bufferSize: Int, delimiter: UInt8) -> UnsafeMutablePointer<State> {
    precondition(delimiter != CSVReader.quote && delimiter != CSVReader.newline && delimiter != CSVReader.carriageReturn,
                 "the delimiter cannot be a quote or a line break")
    let capacity = max(bufferSize, 64)
    let state = UnsafeMutablePointer<State>.allocate(capacity: 1)
    state.initialize(to: State(buffer: .allocate(capacity: capacity), capacity: capacity,
                               scratch: .allocate(capacity: 4096), scratchCapacity: 4096,
                               spans: .allocate(capacity: 64), spanCapacity: 64))
    return state
  }

  deinit {
    if ownsDescriptor { close(fd) }
    buffer.deallocate()
    scratch.deallocate()
    spans.deallocate()
    state.deinitialize(count: 1)
    state.deallocate()
  }

  /// The file offset of the first byte not yet consumed.
  var offset: Int { state.pointee.bufferOffset + start }

  /// The physical line number of the next record (one past the lines consumed).
  var nextLine: Int { line }

  /// Whether the input ended at the limit inside a quoted field (then the
  /// unfinished record is not consumed: `removeLimit()` lets it finish).
  var stoppedInsideQuotedField: Bool { state.pointee.stoppedInsideQuotedField }

  /// Ends this reader's input at file offset `limit` (at or after `offset`),
  /// as if the file ended there. For a regular file only.
  func setLimit(_ limit: Int) throws {
    precondition(limit >= offset, "the limit is behind the reader")
    state.pointee.limit = limit
    state.pointee.limitIsCut = true
    let bufferEnd = state.pointee.bufferOffset + end
    if bufferEnd > limit {
      end = limit - state.pointee.bufferOffset
      if lseek(fd, off_t(limit), SEEK_SET) < 0 {
        let reason = String(cString: strerror(errno))
        throw InputError(file: displayName, message: "cannot seek in the file: \(reason)")
      }
    }
    atEOF = state.pointee.bufferOffset + end == limit
  }

  /// Reads on to the end of the file after `setLimit(_:)`.
  func removeLimit() {
    state.pointee.limit = .max
    state.pointee.limitIsCut = false
    state.pointee.stoppedInsideQuotedField = false
    atEOF = false
  }

  /// The next data record, or nil at the end of the input. The record is
  /// valid until the next call.
  ///
  /// - Throws: `InputError` for an unterminated quoted field, text after a
  ///   closing quote, or a read error.
  /// - Complexity: O(bytes of the record), amortized.
  public func nextRecord() throws -> CSVRecord? {
    guard let record = try readRecord() else { return nil }
    state.pointee.recordsRead += 1
    return record
  }

  /// Advances to the next data record. Returns false at the end of the input.
  public func next() throws -> Bool {
    try nextRecord() != nil
  }

  /// The bytes of field `i` of the current record.
  public func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
    current.field(i)
  }

  /// Field `i` of the current record as a `String` (invalid UTF-8 bytes as `\xHH`: `VisibleText`).
  public func string(at i: Int) -> String {
    current.string(at: i)
  }

  private var current: CSVRecord {
    let s = state.pointee
    return CSVRecord(spans: s.spans, buffer: s.buffer, scratch: s.scratch, count: s.fieldCount, line: s.recordLine)
  }

  /// Reads more input after the unconsumed bytes, growing the buffer when one
  /// record fills it.
  private func fill() throws {
    if start > 0 {
      let remaining = end - start
      if remaining > 0 { buffer.update(from: buffer + start, count: remaining) }
      state.pointee.bufferOffset += start
      end = remaining
      start = 0
    }
    if end == capacity {
      // The unconsumed bytes are one unfinished record.
      if end >= CSVReader.maximumRecordLength {
        if state.pointee.positional { throw BufferLimitExceeded() }
        throw InputError(file: displayName, line: line, message: "a record longer than \(CSVReader.maximumRecordLength) bytes (1 MiB, the limit) without its end: expected a line break (is this a text CSV file? a quoted field left open?)")
      }
      if capacity * 2 > state.pointee.maximumCapacity { throw BufferLimitExceeded() }
      let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
      larger.update(from: buffer, count: end)
      buffer.deallocate()
      buffer = larger
      capacity *= 2
    }
    let wanted = min(capacity - end, state.pointee.limit - (state.pointee.bufferOffset + end))
    if wanted == 0 { atEOF = true; return }
    while true {
      let n = state.pointee.positional
        ? pread(fd, buffer + end, wanted, off_t(state.pointee.bufferOffset + end)) : read(fd, buffer + end, wanted)
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

  private func growSpans() -> UnsafeMutablePointer<FieldSpan> {
    let larger = UnsafeMutablePointer<FieldSpan>.allocate(capacity: spanCapacity * 2)
    larger.update(from: spans, count: spanCapacity)
    spans.deallocate()
    spans = larger
    spanCapacity *= 2
    return larger
  }

  private func readRecord() throws -> CSVRecord? {
    while true {
      switch try parseRecord() {
      case .record: return current
      case .endOfInput: return nil
      case .needMore: try fill()
      }
    }
  }

  private enum ParseOutcome { case record, endOfInput, needMore }

  /// Parses one record starting at `start`. On `.needMore` nothing of the
  /// record is consumed (blank lines before it may be).
  private func parseRecord() throws -> ParseOutcome {
    let buffer = self.buffer
    let end = self.end
    let atEOF = self.atEOF
    let delimiter = self.delimiter
    let quote = CSVReader.quote, newline = CSVReader.newline, carriageReturn = CSVReader.carriageReturn
    var p = start
    // Skip blank lines.
    while true {
      if p == end { start = p; return atEOF ? .endOfInput : .needMore }
      if buffer[p] == newline {
        p += 1; line += 1; state.pointee.blankLines += 1; start = p; continue
      }
      if buffer[p] == carriageReturn {
        if p + 1 == end && !atEOF { start = p; return .needMore }
        if p + 1 == end || buffer[p + 1] == newline {
          p = min(p + 2, end); line += 1; state.pointee.blankLines += 1; start = p; continue
        }
      }
      break
    }
    var spans = self.spans
    var spanCapacity = self.spanCapacity
    var count = 0
    scratchCount = 0
    var newlinesInRecord = 0
    @inline(__always) func add(_ offset: Int, _ length: Int, _ inScratch: Bool) {
      if count == spanCapacity {
        spans = growSpans()
        spanCapacity = self.spanCapacity
      }
      spans[count] = FieldSpan(offset: offset, length: length, inScratch: inScratch)
      count += 1
    }
    while true {
      if p < end && buffer[p] == quote {
        // Quoted field.
        var segmentStart = p + 1
        var q = p + 1
        var usesScratch = false
        let scratchStart = scratchCount
        var closing = -1
        while closing < 0 {
          while q < end && buffer[q] != quote {
            if buffer[q] == newline { newlinesInRecord += 1 }
            q += 1
          }
          if q == end {
            if atEOF {
              if state.pointee.limitIsCut {
                // Cut at an offset that is not a record boundary: leave the
                // record unconsumed (see `removeLimit()`).
                state.pointee.stoppedInsideQuotedField = true
                return .endOfInput
              }
              throw InputError(file: displayName, line: line, column: count + 1,
                               message: "unterminated quoted field: expected a closing '\"' before the end of the file")
            }
            return .needMore
          }
          // buffer[q] is a quote: an escaped quote or the closing one.
          if q + 1 == end && !atEOF { return .needMore }
          if q + 1 < end && buffer[q + 1] == quote {
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
          add(scratchStart, scratchCount - scratchStart, true)
        } else {
          add(segmentStart, closing - segmentStart, false)
        }
        p = closing + 1
        if p == end {
          if !atEOF { return .needMore }
          break  // last record without a final newline
        }
        let c = buffer[p]
        if c == delimiter {
          p += 1
          if p == end && atEOF { add(p, 0, false); break }
          continue
        }
        if c == newline { p += 1; break }
        if c == carriageReturn {
          if p + 1 == end && !atEOF { return .needMore }
          if p + 1 == end || buffer[p + 1] == newline { p = min(p + 2, end); break }
        }
        throw InputError(file: displayName, line: line + newlinesInRecord, column: count,
                         message: "unexpected character after a closing quote: expected the delimiter or the end of the line")
      } else {
        // Unquoted field: up to the delimiter or the end of the line.
        var q = p
        while q < end {
          let c = buffer[q]
          if c == delimiter || c == newline { break }
          q += 1
        }
        if q == end && !atEOF { return .needMore }
        var length = q - p
        if length > 0 && buffer[q - 1] == carriageReturn && (q == end || buffer[q] == newline) {
          length -= 1
        }
        add(p, length, false)
        if q == end { p = q; break }
        if buffer[q] == delimiter {
          p = q + 1
          if p == end && atEOF { add(p, 0, false); break }
          continue
        }
        p = q + 1
        break
      }
    }
    state.pointee.fieldCount = count
    state.pointee.recordLine = line
    line += 1 + newlinesInRecord
    start = p
    return .record
  }
}
