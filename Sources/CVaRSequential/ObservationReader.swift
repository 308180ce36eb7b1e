import CVaRAudit

/// One CSV row turned into an observation for a sequential audit.
public enum ObservationRow: Equatable, Sendable {
  /// A loss ℓ ∈ [0, 1] for declared group `group`.
  case observation(group: Int, loss: Double)
  /// A row the metric does not use (e.g. a y = 0 row for the false negative
  /// rate, or an excluded missing attribute).
  case ineligible
  /// A line that does not parse; only returned with `skipMalformed`.
  case malformed(InputError)
}

/// Reads CSV rows one at a time (from a file or a pipe; `CSVReader` reads with
/// read(2) and never waits for the end of the input) and turns each into an
/// observation (group, loss) of `metric` for a fixed, declared set of groups.
///
/// Errors (as `InputError` with file, line and column): an unknown column; a
/// row whose group was not declared; a loss outside [0, 1]; and, unless
/// `skipMalformed`, a line with the wrong number of fields or a value that
/// does not parse (with `skipMalformed` such a line is returned as
/// `.malformed` for the caller to count).
public final class ObservationReader {
  public let reader: CSVReader
  public let metric: Metric
  public let skipMalformed: Bool
  /// The groups' encoded keys; in declaring mode, new groups are added here.
  public private(set) var groups: ByteKeyTable
  /// Whether rows of groups not yet in `groups` add them (a first pass that
  /// declares the groups) instead of being an error.
  public let declaring: Bool
  private let groupDisplay: (([UInt8]) -> String)
  private let groupColumns: [Int]
  private let labelColumn: Int?
  private let predictionColumn: Int?
  private let scoreColumn: Int?
  private let threshold: Double
  private let lossColumn: Int?
  private let excludeMissing: Bool
  private var key: [UInt8] = []

  /// - Parameter groups: the declared groups' encoded keys (`GroupTable.append`
  ///   per attribute), index = group number.
  /// - Throws: `InputError` when a needed column is missing from the header.
  public init(reader: CSVReader, columns: ColumnSelection, metric: Metric, groups: ByteKeyTable,
              skipMalformed: Bool, declaring: Bool = false) throws {
    self.reader = reader
    self.declaring = declaring
    self.metric = metric
    self.groups = groups
    self.skipMalformed = skipMalformed
    let header = reader.header
    let file = reader.displayName
    func position(_ name: String) throws -> Int {
      try GroupAggregator.columnPosition(name, header: header, file: file)
    }
    groupColumns = try columns.groupBy.map(position)
    labelColumn = metric.needsLabel ? try columns.label.map(position) : nil
    var prediction: Int? = nil
    var score: Int? = nil
    var t = 0.0
    if metric.needsPrediction {
      switch columns.prediction {
      case .column(let name)?: prediction = try position(name)
      case .score(let name, let value)?: score = try position(name); t = value
      case nil: break
      }
    }
    predictionColumn = prediction
    scoreColumn = score
    threshold = t
    if case .loss(let name) = metric { lossColumn = try position(name) } else { lossColumn = nil }
    excludeMissing = columns.missingValues == .exclude
    let attributeCount = columns.groupBy.count
    groupDisplay = { bytes in "(" + ObservationReader.decode(bytes[...], attributes: attributeCount).joined(separator: ", ") + ")" }
    self.attributeCount = attributeCount
  }

  private let attributeCount: Int

  /// The attribute values of an encoded key (`GroupTable.append` per value).
  public static func decode(_ bytes: ArraySlice<UInt8>, attributes: Int) -> [String] {
    var values: [String] = []
    var i = bytes.startIndex
    for _ in 0..<attributes {
      let n = Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24
      values.append(VisibleText.of(bytes[(i + 4)..<(i + 4 + n)]))
      i += 4 + n
    }
    return values
  }

  /// The attribute values of group g.
  public func key(_ g: Int) -> [String] { Self.decode(groups.key(g), attributes: attributeCount) }

  /// The physical line of the row last returned.
  public var line: Int { reader.recordLine }

  /// The next row, or nil at the end of the input.
  ///
  /// - Throws: `InputError` (see the type's comment).
  /// - Complexity: O(bytes of the row).
  public func next() throws -> ObservationRow? {
    guard try reader.next() else { return nil }
    do {
      return try decode()
    } catch let error as RowFailure {
      if skipMalformed && !error.fatal { return .malformed(error.error) }
      throw error.error
    }
  }

  private struct RowFailure: Error {
    var error: InputError
    var fatal: Bool
  }

  private func decode() throws -> ObservationRow {
    let file = reader.displayName
    let header = reader.header
    func failure(_ column: Int, _ message: String, fatal: Bool = false) -> RowFailure {
      RowFailure(error: InputError(file: file, line: reader.recordLine, column: column + 1,
                                   columnName: header[column], message: message), fatal: fatal)
    }
    func shown(_ field: UnsafeBufferPointer<UInt8>) -> String {
      let text = VisibleText.of(field.prefix(40))
      return "\"" + text + (field.count > 40 ? "…" : "") + "\""
    }
    if reader.fieldCount != header.count {
      throw RowFailure(error: InputError(file: file, line: reader.recordLine,
                                         message: "expected \(header.count) fields as in the header, found \(reader.fieldCount)"),
                       fatal: false)
    }
    key.removeAll(keepingCapacity: true)
    for c in groupColumns {
      let field = reader.field(c)
      if field.isEmpty && excludeMissing { return .ineligible }
      GroupTable.append(field, to: &key)
    }
    var y: UInt8 = 0
    if let c = labelColumn {
      guard let value = FieldParsing.binary(reader.field(c)) else {
        throw failure(c, "expected a label 0 or 1 (or true/false), found \(shown(reader.field(c)))")
      }
      y = value
    }
    var yHat: UInt8 = 0
    if let c = predictionColumn {
      guard let value = FieldParsing.binary(reader.field(c)) else {
        throw failure(c, "expected a prediction 0 or 1 (or true/false), found \(shown(reader.field(c)))")
      }
      yHat = value
    } else if let c = scoreColumn {
      guard let score = FieldParsing.double(reader.field(c)), score.isFinite else {
        throw failure(c, "expected a finite numeric score, found \(shown(reader.field(c)))")
      }
      yHat = score >= threshold ? 1 : 0
    }
    let loss: Double
    switch metric {
    case .errorRate: loss = y != yHat ? 1 : 0
    case .falseNegativeRate:
      guard y == 1 else { return .ineligible }
      loss = yHat == 0 ? 1 : 0
    case .falsePositiveRate:
      guard y == 0 else { return .ineligible }
      loss = yHat == 1 ? 1 : 0
    case .selectionRate: loss = Double(yHat)
    case .truePositiveRate, .trueNegativeRate, .positivePredictiveValue, .negativePredictiveValue,
         .falseDiscoveryRate, .falseOmissionRate, .accuracy:
      guard let indicator = metric.indicator(label: y, prediction: yHat) else { return .ineligible }
      loss = indicator
    case .loss:
      let c = lossColumn!
      guard let value = FieldParsing.double(reader.field(c)), !value.isNaN else {
        throw failure(c, "expected a numeric loss in [0, 1], found \(shown(reader.field(c)))")
      }
      guard value >= 0 && value <= 1 else {
        throw failure(c, "expected a loss in [0, 1], found \(shown(reader.field(c)))", fatal: true)
      }
      loss = value
    }
    if declaring {
      return .observation(group: key.withUnsafeBufferPointer { groups.index(of: $0) }, loss: loss)
    }
    guard let g = key.withUnsafeBufferPointer({ groups.existingIndex(of: $0) }) else {
      throw RowFailure(error: InputError(
        file: file, line: reader.recordLine,
        message: "group \(groupDisplay(key)) was not declared: the groups of a sequential audit are fixed up front (see --groups-from)"),
                       fatal: true)
    }
    return .observation(group: g, loss: loss)
  }
}
