#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation

extension GroupAggregator {
  /// Reads the CSV file at `path` (`-` for standard input) and aggregates it
  /// like `aggregate(_:columns:)`, on two cores when that is safe and pays.
  ///
  /// A regular file of at least `splitAbove` bytes whose table holds counts
  /// only (no loss column) is cut in two at the first line break after the
  /// middle of its data; the two parts are parsed at the same time into two
  /// tables, which are merged in file order, so the result (counts and group
  /// order) is the one a sequential read gives. The cut is a record boundary
  /// unless it falls inside a quoted field that spans lines; the first part's
  /// reader, run to the cut, tells which: when it stops inside a quoted field
  /// the second part is discarded and the first reader reads on (a
  /// sequential read, slower by the wasted second part only). Errors are
  /// those of a sequential read: the first in file order, with its line
  /// number in the whole file. A loss column is summed in floating point,
  /// whose result depends on the order of the additions, so it is always
  /// read sequentially.
  ///
  /// - Parameter splitAbove: the least number of data bytes to split; nil:
  ///   4 MiB when at least two processors are online, never otherwise (at
  ///   6–7.5 MB the split read was 10–13 % faster end to end than the
  ///   sequential one, at 2.2 MB no faster, measured side by side).
  /// - Throws: as `aggregate(_:columns:)`.
  /// - Complexity: O(bytes); memory O(groups).
  public static func aggregate(path: String, delimiter: UInt8 = UInt8(ascii: ","), columns: ColumnSelection,
                               splitAbove: Int? = nil) throws -> GroupTable {
    try aggregate(path: path, delimiter: delimiter, columns: columns, splitAbove: splitAbove,
                  secondPartBuffer: (initial: 1 << 20, maximum: 64 << 20))
  }

  /// `aggregate(path:delimiter:columns:splitAbove:)` with the second part's
  /// buffer sizes: a record of the second part larger than `maximum` bytes
  /// ends its speculation, and the first reader then reads on across the
  /// cut (a quoted field that spans the cut would otherwise make the second
  /// part's reader buffer the rest of the file as one record).
  static func aggregate(path: String, delimiter: UInt8, columns: ColumnSelection, splitAbove: Int?,
                        secondPartBuffer: (initial: Int, maximum: Int)) throws -> GroupTable {
    let reader = try CSVReader(path: path, delimiter: delimiter)
    let layout = try RowLayout(reader: reader, columns: columns)
    let minimum = splitAbove ?? (sysconf(Int32(_SC_NPROCESSORS_ONLN)) >= 2 ? 4 << 20 : Int.max)
    return try aggregate(reader, layout: layout, splitAbove: minimum, secondPartBuffer: secondPartBuffer)
  }

  /// Aggregates the records of `reader` (its header read), in two parts when
  /// `reader` reads a regular file of at least `splitAbove` data bytes: both
  /// parts read `reader`'s open descriptor, never the path again (a pipe
  /// cannot be reopened, and a file replaced meanwhile would mix two files).
  static func aggregate(_ reader: CSVReader, layout: RowLayout, splitAbove minimum: Int,
                        secondPartBuffer: (initial: Int, maximum: Int)) throws -> GroupTable {
    if layout.lossColumn == nil, let cut = try cutOffset(reader, after: reader.offset, minimumBytes: minimum) {
      return try aggregateInTwoParts(reader, layout: layout, cut: cut, secondPartBuffer: secondPartBuffer)
    }
    var table = layout.makeTable()
    var noRows: LossRowBuffer? = nil
    try aggregateRecords(reader, layout: layout, into: &table, rows: &noRows)
    try layout.requireRecords(reader.recordsRead)
    return table
  }

  /// The offset just after the first line break at or after the middle of
  /// the bytes from `dataStart` to the end of the regular file `reader`
  /// reads; nil for standard input, another kind of file, fewer than
  /// `minimumBytes` bytes, or no such line break before the last byte.
  static func cutOffset(_ reader: CSVReader, after dataStart: Int, minimumBytes: Int) throws -> Int? {
    guard minimumBytes < Int.max, let size = reader.regularFileSize else { return nil }
    guard size - dataStart >= max(minimumBytes, 2) else { return nil }
    var position = dataStart + (size - dataStart) / 2
    let chunk = 1 << 16
    let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
    defer { bytes.deallocate() }
    while position < size {
      let n = reader.readBytes(bytes, count: chunk, at: position)
      if n <= 0 { return nil }
      if let i = UnsafeBufferPointer(start: bytes, count: n).firstIndex(of: UInt8(ascii: "\n")) {
        let cut = position + i + 1
        return cut < size ? cut : nil
      }
      position += n
    }
    return nil
  }

  /// What one part's thread works on and hands back (each part touches its
  /// own box only, and the boxes are read after both parts have ended).
  private final class Part: @unchecked Sendable {
    let reader: CSVReader?
    var table: GroupTable?
    var records = 0
    var error: Error?
    init(reader: CSVReader?) { self.reader = reader }
  }

  private static func aggregateInTwoParts(_ reader: CSVReader, layout: RowLayout, cut: Int,
                                          secondPartBuffer: (initial: Int, maximum: Int)) throws -> GroupTable {
    try reader.setLimit(cut)
    let cancel = CancelFlag()
    let first = Part(reader: reader)
    let second = Part(reader: CSVReader(sharing: reader, offsets: cut..<Int.max, bufferSize: secondPartBuffer.initial,
                                        maximumBufferSize: secondPartBuffer.maximum))
    let work: @Sendable (Int) -> Void = { part in
      var noRows: LossRowBuffer? = nil
      if part == 0 {
        var table = layout.makeTable()
        do {
          try aggregateRecords(first.reader!, layout: layout, into: &table, rows: &noRows)
          first.table = table
        } catch {
          first.error = error
          cancel.set()
        }
      } else {
        do {
          let partReader = second.reader!
          var table = layout.makeTable()
          try aggregateRecords(partReader, layout: layout, into: &table, rows: &noRows, cancel: cancel)
          second.table = table
          second.records = partReader.recordsRead
        } catch {
          second.error = error
        }
      }
    }
    DispatchQueue.concurrentPerform(iterations: 2, execute: work)
    // An error of the first part comes first in the file.
    if let error = first.error { throw error }
    var table = first.table!
    var noRows: LossRowBuffer? = nil
    if reader.stoppedInsideQuotedField || second.error is CSVReader.BufferLimitExceeded {
      // The cut is no record boundary, or the second part gave up: read on.
      reader.removeLimit()
      try aggregateRecords(reader, layout: layout, into: &table, rows: &noRows)
      try layout.requireRecords(reader.recordsRead)
      return table
    }
    if var error = second.error as? InputError {
      // The second part numbers its lines from 1 at the cut.
      if let line = error.line { error.line = line - 1 + reader.nextLine }
      throw error
    }
    if let error = second.error { throw error }
    table.merge(second.table!)
    try layout.requireRecords(reader.recordsRead + second.records)
    return table
  }
}

/// A flag one thread sets and another polls (to stop work whose result will
/// not be used).
final class CancelFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false

  struct Cancelled: Error {}

  var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }

  func set() { lock.lock(); value = true; lock.unlock() }
}
