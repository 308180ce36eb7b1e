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
    precondition(!columns.groupBy.isEmpty, "at least one group-by column")
    let header = reader.header
    let file = reader.displayName
    func position(_ name: String) throws -> Int {
      guard let i = header.firstIndex(of: name) else {
        let available = header.map { "'\($0)'" }.joined(separator: ", ")
        throw InputError(file: file, line: 1, message: "no column named '\(name)'; the columns are: \(available)")
      }
      return i
    }
    let groupColumns = try columns.groupBy.map(position)
    let labelColumn = try columns.label.map(position)
    var predictionColumn: Int? = nil
    var scoreColumn: Int? = nil
    var threshold = 0.0
    switch columns.prediction {
    case .column(let name)?: predictionColumn = try position(name)
    case .score(let name, let t)?: scoreColumn = try position(name); threshold = t
    case nil: break
    }
    let lossColumn = try columns.lossColumn.map(position)
    let hasConfusion = predictionColumn != nil || scoreColumn != nil
    var table = GroupTable(attributes: columns.groupBy, hasConfusion: hasConfusion,
                           hasLabels: labelColumn != nil, hasLoss: lossColumn != nil)
    let expectedFields = header.count
    let exclude = columns.missingValues == .exclude
    var key: [UInt8] = []
    key.reserveCapacity(256)
    // The previous row's key and group: sorted or clustered input skips the hash.
    var lastKey: [UInt8] = []
    lastKey.reserveCapacity(256)
    var lastGroup = -1

    func failure(_ record: CSVRecord, _ column: Int, _ message: String) -> InputError {
      InputError(file: file, line: record.line, column: column + 1, columnName: header[column], message: message)
    }
    func shown(_ field: UnsafeBufferPointer<UInt8>) -> String {
      let text = String(decoding: field.prefix(40), as: UTF8.self)
      return "\"" + text + (field.count > 40 ? "…" : "") + "\""
    }

    rows: while let record = try reader.nextRecord() {
      table.rowsRead += 1
      if record.count != expectedFields {
        throw InputError(file: file, line: record.line,
                         message: "expected \(expectedFields) fields as in the header, found \(record.count)")
      }
      key.removeAll(keepingCapacity: true)
      for c in groupColumns {
        let field = record.field(c)
        if field.isEmpty && exclude {
          table.excluded.add(.missingAttribute)
          continue rows
        }
        GroupTable.append(field, to: &key)
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
      if lastGroup >= 0 && key == lastKey {
        g = lastGroup
      } else {
        g = key.withUnsafeBufferPointer { table.group(encodedKey: $0) }
        // Copy into the kept buffer (assigning would share storage with `key`
        // and force a fresh allocation on the next row).
        lastKey.removeAll(keepingCapacity: true)
        lastKey.append(contentsOf: key)
        lastGroup = g
      }
      if hasConfusion { table.addConfusion(group: g, label: y, prediction: yHat) }
      if lossColumn != nil { table.addLoss(group: g, lossValue) }
      if table.isSizesOnly { table.addRow(group: g) }
    }
    if reader.recordsRead == 0 {
      throw InputError(file: file, line: 2, message: "no data rows: the file has a header only")
    }
    return table
  }
}
