#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where predictions come from.
public enum PredictionSource: Hashable, Sendable {
  /// A column of 0/1 predictions.
  case column(String)
  /// A score column: predict 1 when score ≥ threshold.
  case score(column: String, threshold: Double)
}

/// What to do with a row whose attribute value is empty.
public enum MissingValuePolicy: String, CaseIterable, Sendable {
  /// The empty value is a value of its own (shown as `(missing)`).
  case keep
  /// The row is left out and counted in `excludedRows` as `missingAttribute`.
  case exclude
}

/// Which columns of a CSV file an audit reads.
public struct ColumnSelection: Sendable {
  public var groupBy: [String]
  public var label: String?
  public var prediction: PredictionSource?
  public var lossColumn: String?
  /// A column of row weights w ≥ 0 (survey weights) for weighted rates;
  /// read only with labels or predictions (kept per confusion cell).
  public var weightColumn: String?
  public var missingValues: MissingValuePolicy

  public init(groupBy: [String], label: String? = nil, prediction: PredictionSource? = nil,
              lossColumn: String? = nil, missingValues: MissingValuePolicy = .keep) {
    self.groupBy = groupBy
    self.label = label
    self.prediction = prediction
    self.lossColumn = lossColumn
    self.missingValues = missingValues
  }
}

/// Streams a CSV file into a `GroupTable`.
public enum GroupAggregator {
  /// Reads every record of `reader` and aggregates it.
  ///
  /// - Throws: `InputError` naming the file, line and column for an unknown
  ///   column, a ragged row, or a value that does not parse; and when the file
  ///   has a header only.
  /// - Complexity: O(bytes); memory O(groups).
  public static func aggregate(_ reader: CSVReader, columns: ColumnSelection) throws -> GroupTable {
    var rows: LossRowBuffer? = nil
    return try aggregate(reader, columns: columns, rows: &rows)
  }

  /// Reads and aggregates like `aggregate(_:columns:)`, and also keeps each
  /// aggregated row's group index and loss (for a permutation test of a loss
  /// column, which must shuffle the rows). Memory grows with the rows.
  ///
  /// - Precondition: `columns.lossColumn != nil`.
  /// - Complexity: O(bytes); memory O(groups + rows).
  public static func aggregateKeepingLossRows(_ reader: CSVReader, columns: ColumnSelection) throws
    -> (table: GroupTable, groups: [Int32], losses: [Double]) {
    precondition(columns.lossColumn != nil, "a loss column is needed")
    var rows: LossRowBuffer? = LossRowBuffer()
    let table = try aggregate(reader, columns: columns, rows: &rows)
    return (table, rows!.groups, rows!.losses)
  }

  /// Per-row group indices and losses.
  struct LossRowBuffer {
    var groups: [Int32] = []
    var losses: [Double] = []
  }

  static func aggregate(_ reader: CSVReader, columns: ColumnSelection, rows: inout LossRowBuffer?) throws -> GroupTable {
    let layout = try RowLayout(reader: reader, columns: columns)
    var table = layout.makeTable()
    try aggregateRecords(reader, layout: layout, into: &table, rows: &rows)
    try layout.requireRecords(reader.recordsRead)
    return table
  }

  /// The position of the column `name` in `header`.
  ///
  /// - Throws: `InputError` (line 1 of `file`) when no column or more than
  ///   one has that name: which of two was meant is not for the reader to
  ///   guess, so both positions are named.
  /// - Complexity: O(columns).
  public static func columnPosition(_ name: String, header: [String], file: String) throws -> Int {
    let found = header.indices.filter { header[$0] == name }
    guard let i = found.first else {
      let available = header.map { "'\($0)'" }.joined(separator: ", ")
      throw InputError(file: file, line: 1, message: "no column named '\(name)'; the columns are: \(available)")
    }
    guard found.count == 1 else {
      throw InputError(file: file, line: 1, message: "the column name '\(name)' appears more than once in the header (columns "
        + found.map { String($0 + 1) }.joined(separator: " and ") + "): rename one")
    }
    return i
  }

  /// Which field holds what, resolved once from the header.
  struct RowLayout {
    let file: String
    let header: [String]
    let attributes: [String]
    let groupColumns: [Int]
    let labelColumn: Int?
    let predictionColumn: Int?
    let scoreColumn: Int?
    let threshold: Double
    let lossColumn: Int?
    let weightColumn: Int?
    let exclude: Bool

    var hasConfusion: Bool { predictionColumn != nil || scoreColumn != nil }

    init(reader: CSVReader, columns: ColumnSelection) throws {
      precondition(!columns.groupBy.isEmpty, "at least one group-by column")
      let header = reader.header
      let file = reader.displayName
      func position(_ name: String) throws -> Int {
        try GroupAggregator.columnPosition(name, header: header, file: file)
      }
      self.file = file
      self.header = header
      attributes = columns.groupBy
      groupColumns = try columns.groupBy.map(position)
      labelColumn = try columns.label.map(position)
      var predictionColumn: Int? = nil
      var scoreColumn: Int? = nil
      var threshold = 0.0
      switch columns.prediction {
      case .column(let name)?: predictionColumn = try position(name)
      case .score(let name, let t)?: scoreColumn = try position(name); threshold = t
      case nil: break
      }
      self.predictionColumn = predictionColumn
      self.scoreColumn = scoreColumn
      self.threshold = threshold
      lossColumn = try columns.lossColumn.map(position)
      weightColumn = try columns.weightColumn.map(position)
      precondition(weightColumn == nil || predictionColumn != nil || scoreColumn != nil,
                   "row weights are kept per confusion cell: a prediction is needed")
      exclude = columns.missingValues == .exclude
    }

    func makeTable() -> GroupTable {
      GroupTable(attributes: attributes, hasConfusion: hasConfusion, hasLabels: labelColumn != nil,
                 hasLoss: lossColumn != nil, sampleWeights: weightColumn != nil)
    }

    /// Refuses a file with a header only.
    func requireRecords(_ records: Int) throws {
      if records == 0 {
        throw InputError(file: file, line: 2, message: "no data rows: the file has a header only")
      }
    }
  }

  /// Aggregates the records `reader` returns into `table` (which `layout`
  /// made), until the end of the reader's input. With `cancel`, stops with
  /// `Cancelled` soon after it is set.
  static func aggregateRecords(_ reader: CSVReader, layout: RowLayout, into table: inout GroupTable,
                               rows: inout LossRowBuffer?, cancel: CancelFlag? = nil) throws {
    let header = layout.header
    let file = layout.file
    let groupColumns = layout.groupColumns
    let labelColumn = layout.labelColumn
    let predictionColumn = layout.predictionColumn
    let scoreColumn = layout.scoreColumn
    let threshold = layout.threshold
    let lossColumn = layout.lossColumn
    let weightColumn = layout.weightColumn
    let hasConfusion = layout.hasConfusion
    let expectedFields = header.count
    let exclude = layout.exclude
    // Keys of up to 24 bytes are packed into words and looked up in a cache
    // of the table's index; only a new or longer key is built in the
    // table's length-prefixed encoding.
    let packable = groupColumns.count <= PackedGroupKey.attributeCapacity
    var packedIndex = PackedGroupKeyIndex()
    var lastPacked = PackedGroupKey()
    var lastPackedGroup = -1
    // The current row's encoded key and the previous row's, in raw buffers
    // (growing arrays here cost more per row than the parsing).
    var keyCapacity = 256
    var key = UnsafeMutablePointer<UInt8>.allocate(capacity: keyCapacity)
    var lastKey = UnsafeMutablePointer<UInt8>.allocate(capacity: keyCapacity)
    defer { key.deallocate(); lastKey.deallocate() }
    var keyLength = 0
    var lastKeyLength = -1
    var lastGroup = -1

    func failure(_ record: CSVRecord, _ column: Int, _ message: String) -> InputError {
      InputError(file: file, line: record.line, column: column + 1, columnName: header[column], message: message)
    }
    func shown(_ field: UnsafeBufferPointer<UInt8>) -> String {
      let text = VisibleText.of(field.prefix(40))
      return "\"" + text + (field.count > 40 ? "…" : "") + "\""
    }
    /// Builds the length-prefixed key of `GroupTable.append` in `key`.
    func encodeKey(_ record: CSVRecord) {
      keyLength = 0
      for c in groupColumns {
        let field = record.field(c)
        if keyLength + 4 + field.count > keyCapacity {
          while keyLength + 4 + field.count > keyCapacity { keyCapacity *= 2 }
          // Both buffers always have the same capacity (they are swapped).
          let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: keyCapacity)
          larger.update(from: key, count: keyLength)
          key.deallocate()
          key = larger
          lastKey.deallocate()
          lastKey = .allocate(capacity: keyCapacity)
          lastKeyLength = -1
        }
        let n = UInt32(field.count)
        key[keyLength] = UInt8(truncatingIfNeeded: n)
        key[keyLength + 1] = UInt8(truncatingIfNeeded: n >> 8)
        key[keyLength + 2] = UInt8(truncatingIfNeeded: n >> 16)
        key[keyLength + 3] = UInt8(truncatingIfNeeded: n >> 24)
        if let base = field.baseAddress { (key + keyLength + 4).update(from: base, count: field.count) }
        keyLength += 4 + field.count
      }
    }

    rows: while let record = try reader.nextRecord() {
      table.rowsRead += 1
      if let cancel, table.rowsRead & 0xFFFF == 0, cancel.isSet { throw CancelFlag.Cancelled() }
      if record.count != expectedFields {
        throw InputError(file: file, line: record.line,
                         message: "expected \(expectedFields) fields as in the header, found \(record.count)")
      }
      var packed = PackedGroupKey()
      var packedLength = 0
      var fits = packable
      for (i, c) in groupColumns.enumerated() {
        let field = record.field(c)
        if field.isEmpty {
          if exclude {
            table.excluded.add(.missingAttribute)
            continue rows
          }
          continue
        }
        guard fits else { continue }
        if packedLength + field.count > PackedGroupKey.byteCapacity { fits = false; continue }
        withUnsafeMutableBytes(of: &packed) { words in
          (words.baseAddress! + packedLength).copyMemory(from: field.baseAddress!, byteCount: field.count)
        }
        packedLength += field.count
        packed.setLength(field.count, of: i)
      }
      var y: UInt8 = 0
      if let c = labelColumn {
        guard let value = FieldParsing.binary(record.field(c)) else {
          throw failure(record, c, "expected a label 0 or 1 (or true/false), found \(shown(record.field(c)))")
        }
        y = value
      }
      var yHat: UInt8 = 0
      if let c = predictionColumn {
        guard let value = FieldParsing.binary(record.field(c)) else {
          throw failure(record, c, "expected a prediction 0 or 1 (or true/false), found \(shown(record.field(c)))")
        }
        yHat = value
      } else if let c = scoreColumn {
        guard let score = FieldParsing.double(record.field(c)) else {
          throw failure(record, c, "expected a numeric score, found \(shown(record.field(c)))")
        }
        guard score.isFinite else {
          throw failure(record, c, "expected a finite score, found \(shown(record.field(c)))")
        }
        yHat = score >= threshold ? 1 : 0
      }
      var lossValue = 0.0
      if let c = lossColumn {
        guard let value = FieldParsing.double(record.field(c)) else {
          throw failure(record, c, "expected a numeric loss in [0, 1], found \(shown(record.field(c)))")
        }
        guard value >= 0 && value <= 1 else {
          throw failure(record, c, "expected a loss in [0, 1], found \(shown(record.field(c)))")
        }
        lossValue = value
      }
      let g: Int
      if fits {
        if packed == lastPacked && lastPackedGroup >= 0 {
          g = lastPackedGroup
        } else if let known = packedIndex.group(of: packed) {
          g = known
        } else {
          encodeKey(record)
          g = table.group(encodedKey: UnsafeBufferPointer(start: key, count: keyLength))
          packedIndex.insert(packed, group: g)
        }
        lastPacked = packed
        lastPackedGroup = g
      } else {
        encodeKey(record)
        if keyLength == lastKeyLength && memcmp(key, lastKey, keyLength) == 0 {
          g = lastGroup
        } else {
          g = table.group(encodedKey: UnsafeBufferPointer(start: key, count: keyLength))
          // The current key becomes the last one: swap the buffers, copy nothing.
          swap(&key, &lastKey)
          lastKeyLength = keyLength
          lastGroup = g
        }
      }
      if let c = weightColumn {
        guard let w = FieldParsing.double(record.field(c)), w.isFinite, w >= 0 else {
          throw failure(record, c, "expected a row weight: a finite number ≥ 0, found \(shown(record.field(c)))")
        }
        table.addConfusion(group: g, label: y, prediction: yHat, weight: w)
      } else if hasConfusion { table.addConfusion(group: g, label: y, prediction: yHat) }
      if lossColumn != nil {
        table.addLoss(group: g, lossValue)
        if rows != nil { rows!.groups.append(Int32(g)); rows!.losses.append(lossValue) }
      }
      if table.isSizesOnly { table.addRow(group: g) }
    }
    // The reader's count from its start (blank lines before the header
    // included); each table of a split read has its own reader.
    table.blankLines = reader.blankLines
  }
}
