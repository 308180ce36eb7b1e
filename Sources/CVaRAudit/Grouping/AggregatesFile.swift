import Foundation

/// Reading aggregates files: per-group sufficient statistics computed where
/// the data lives (a GROUP BY in a database or a cluster; see
/// `AggregatesQuery`), so that an audit never needs the rows.
///
/// **CSV form.** A header row, then one row per group and metric:
///
///     race,sex,metric,n,sum,sum_sq
///     A,F,tn,120,71,71
///     A,F,fp,120,9,9
///     A,F,fn,120,12,12
///     A,F,tp,120,28,28
///
/// - the columns named exactly `metric`, `n`, `sum` and `sum_sq` (anywhere in
///   the header, once each); every other column is a group attribute;
/// - `metric` is a confusion cell `tn`, `fp`, `fn`, `tp` (n = the group's
///   rows, sum = sum_sq = the cell's count), a binary metric `error`, `fnr`,
///   `fpr`, `selection` (n = eligible rows, sum = Σℓ = sum_sq), or
///   `loss:COLUMN` (n, Σℓ, Σℓ² of a loss in [0, 1]); see `AggregateMetric`;
/// - `n` a whole number (written `12` or `12.0`), `sum` and `sum_sq` numbers;
/// - an empty attribute value is a value of its own (SQL NULL, as DuckDB's
///   `COPY ... TO` and Spark's CSV writer write it).
/// Quoting is RFC 4180, as `CSVReader` reads it. This is the form DuckDB's
/// `COPY (query) TO 'f.csv' (HEADER)` and Spark's `df.write.csv(path,
/// header=True)` produce for the generated query, without edits.
///
/// **JSON form.** The same records as JSON objects with the same keys, as
/// JSON Lines (one object per line: DuckDB's `COPY ... TO 'f.json'`, Spark's
/// `df.write.json`, BigQuery's export) or as one JSON array of objects
/// (chosen by the first character: `[`). Attribute values may be strings,
/// numbers, booleans or null (read as text: `1`, `2.5`, `true`; null or an
/// absent key as the empty value); `n`, `sum`, `sum_sq` numbers or numeric
/// strings (BigQuery writes INT64 as strings). The attribute columns are the
/// keys other than the four, in sorted order.
public enum AggregatesFile {
  /// The four statistic columns, in the order they are written.
  public static let statisticColumns = ["metric", "n", "sum", "sum_sq"]

  /// Reads an aggregates file in either form: JSON when the path ends in
  /// `.json`, `.jsonl` or `.ndjson`, CSV otherwise.
  ///
  /// - Throws: `InputError` naming the file, line and column for a missing
  ///   column, a value that does not parse, an unknown metric; the records
  ///   are checked by `Aggregates.validateRecords()` (a group's cells may be
  ///   spread over the parts of an engine's output: `Aggregates.merge` and
  ///   `Aggregates.groupTable` check the groups whole).
  /// - Complexity: O(bytes); memory O(records).
  public static func read(path: String, delimiter: UInt8 = UInt8(ascii: ",")) throws -> Aggregates {
    let lower = path.lowercased()
    let aggregates: Aggregates
    if lower.hasSuffix(".json") || lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") {
      aggregates = try readJSON(path: path)
    } else {
      do {
        aggregates = try readCSV(CSVReader(path: path, delimiter: delimiter))
      } catch var error as InputError where error.message.contains("after a closing quote") {
        error.message += " (Spark's CSV writer escapes a quote inside a quoted field with a backslash unless written with escape='\"')"
        throw error
      }
    }
    try aggregates.validateRecords()
    return aggregates
  }

  /// Reads the CSV form (not validated as a whole: see `Aggregates.validate()`).
  public static func readCSV(_ reader: CSVReader) throws -> Aggregates {
    let file = reader.displayName
    let header = reader.header
    var positions: [Int] = []
    for name in statisticColumns {
      let found = header.indices.filter { header[$0] == name }
      guard found.count == 1 else {
        throw InputError(file: file, line: 1, message: found.isEmpty
          ? "no column named '\(name)': an aggregates file has the group columns, then metric, n, sum, sum_sq (the columns are: \(header.map { "'\($0)'" }.joined(separator: ", ")))"
          : "the column '\(name)' appears \(found.count) times")
      }
      positions.append(found[0])
    }
    let attributeColumns = header.indices.filter { !positions.contains($0) }
    for c in attributeColumns {
      _ = try GroupAggregator.columnPosition(header[c], header: header, file: file)
    }
    guard !attributeColumns.isEmpty else {
      throw InputError(file: file, line: 1, message: "no group attribute column: the header has only metric, n, sum, sum_sq")
    }
    var records: [Aggregates.Record] = []
    while try reader.next() {
      let line = reader.recordLine
      guard reader.fieldCount == header.count else {
        throw InputError(file: file, line: line, message: "expected \(header.count) fields as in the header, found \(reader.fieldCount)")
      }
      func text(_ c: Int) -> String { reader.string(at: c) }
      func fail(_ c: Int, _ message: String) -> InputError {
        InputError(file: file, line: line, column: c + 1, columnName: header[c], message: message)
      }
      let metricText = text(positions[0])
      guard let metric = AggregateMetric(name: metricText) else {
        throw fail(positions[0], "unknown metric \"\(metricText)\": expected tn, fp, fn, tp, \(Metric.binaryMetrics.map(\.description).joined(separator: ", ")) or loss:COLUMN")
      }
      let values = try positions[1...].map { c -> Double in
        guard let value = FieldParsing.double(reader.field(c)), value.isFinite else {
          if reader.field(c).isEmpty {
            throw fail(c, "empty (SQL NULL): the generated query leaves the sums empty when a loss in the group is NULL or outside [0, 1], or a prediction is NULL or not 0/1")
          }
          throw fail(c, "expected a finite number, found \"\(text(c).prefix(40))\"")
        }
        return value
      }
      guard let n = wholeNumber(values[0]) else {
        throw fail(positions[1], "expected a whole number of rows, found \"\(text(positions[1]).prefix(40))\"")
      }
      records.append(Aggregates.Record(key: attributeColumns.map(text), metric: metric,
                                       statistics: SufficientStatistics(count: n, sum: values[1], sumOfSquares: values[2]),
                                       line: line))
    }
    return Aggregates(source: file, attributes: attributeColumns.map { header[$0] }, records: records)
  }

  static func wholeNumber(_ x: Double) -> Int? {
    guard x == x.rounded(), abs(x) <= Double(Aggregates.largestCount) else { return nil }
    return Int(x)
  }

  /// One JSON scalar, as an engine writes it.
  enum Scalar: Decodable {
    case null, bool(Bool), integer(Int64), number(Double), string(String)

    init(from decoder: Decoder) throws {
      let c = try decoder.singleValueContainer()
      if c.decodeNil() { self = .null }
      else if let b = try? c.decode(Bool.self) { self = .bool(b) }
      else if let i = try? c.decode(Int64.self) { self = .integer(i) }
      else if let d = try? c.decode(Double.self) { self = .number(d) }
      else if let s = try? c.decode(String.self) { self = .string(s) }
      else {
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a string, number, boolean or null (no nested objects or arrays)")
      }
    }

    var text: String {
      switch self {
      case .null: ""
      case .bool(let b): b ? "true" : "false"
      case .integer(let i): String(i)
      case .number(let d): "\(d)"
      case .string(let s): s
      }
    }

    var number: Double? {
      switch self {
      case .integer(let i): Double(i)
      case .number(let d): d
      case .string(let s): Double(s.trimmingCharacters(in: .whitespaces))
      default: nil
      }
    }
  }

  /// Reads the JSON form (JSON Lines or one array).
  public static func readJSON(path: String) throws -> Aggregates {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw InputError(file: path, message: "cannot read the file: \(error.localizedDescription)")
    }
    let decoder = JSONDecoder()
    var objects: [(line: Int, object: [String: Scalar])] = []
    let firstByte = data.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
    if firstByte == UInt8(ascii: "[") {
      do {
        let array = try decoder.decode([[String: Scalar]].self, from: data)
        objects = array.enumerated().map { ($0.offset + 1, $0.element) }
      } catch {
        throw InputError(file: path, message: "not a JSON array of objects with scalar values: \(describe(error))")
      }
    } else {
      var lineNumber = 0
      for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
        lineNumber += 1
        if line.allSatisfy({ [0x20, 0x09, 0x0D].contains($0) }) { continue }
        do {
          objects.append((lineNumber, try decoder.decode([String: Scalar].self, from: Data(line))))
        } catch {
          throw InputError(file: path, line: lineNumber, message: "expected one JSON object with scalar values per line: \(describe(error))")
        }
      }
    }
    // The decoder keeps one value of a key given twice in an object; which
    // one was meant is not for the reader to guess.
    if let (key, line) = duplicateKey(in: data) {
      throw InputError(file: path, line: line, columnName: key, message: "the key appears twice in one object")
    }
    guard !objects.isEmpty else { throw InputError(file: path, message: "no records: the file is empty") }
    var keys = Set<String>()
    for (_, object) in objects { keys.formUnion(object.keys) }
    let attributes = keys.subtracting(statisticColumns).sorted()
    guard !attributes.isEmpty else {
      throw InputError(file: path, message: "no group attribute key: the objects have only metric, n, sum, sum_sq")
    }
    var records: [Aggregates.Record] = []
    for (line, object) in objects {
      func fail(_ name: String, _ message: String) -> InputError {
        InputError(file: path, line: line, columnName: name, message: message)
      }
      guard case .string(let metricText)? = object["metric"] else {
        throw fail("metric", object["metric"] == nil ? "missing" : "expected a string")
      }
      guard let metric = AggregateMetric(name: metricText) else {
        throw fail("metric", "unknown metric \"\(metricText)\": expected tn, fp, fn, tp, \(Metric.binaryMetrics.map(\.description).joined(separator: ", ")) or loss:COLUMN")
      }
      let values = try statisticColumns.dropFirst().map { name -> Double in
        guard let value = object[name] else { throw fail(name, "missing") }
        guard let x = value.number, x.isFinite else { throw fail(name, "expected a finite number, found \(value.text.prefix(40))") }
        return x
      }
      guard let n = wholeNumber(values[0]) else { throw fail("n", "expected a whole number of rows, found \(values[0])") }
      records.append(Aggregates.Record(key: attributes.map { object[$0]?.text ?? "" }, metric: metric,
                                       statistics: SufficientStatistics(count: n, sum: values[1], sumOfSquares: values[2]),
                                       line: line))
    }
    return Aggregates(source: path, attributes: attributes, records: records)
  }

  /// The first key that appears twice in one JSON object of `data`, and its
  /// line; nil when there is none. `data` is valid JSON (already decoded).
  ///
  /// Hand-written: Foundation's decoders drop duplicates silently and there
  /// is no option to report them.
  /// - Complexity: O(bytes).
  static func duplicateKey(in data: Data) -> (String, Int)? {
    let bytes = [UInt8](data)
    var objects: [Set<[UInt8]>?] = []   // one entry per open container; nil for an array
    var line = 1
    var i = 0
    while i < bytes.count {
      switch bytes[i] {
      case 0x0A: line += 1
      case UInt8(ascii: "{"): objects.append([])
      case UInt8(ascii: "["): objects.append(nil)
      case UInt8(ascii: "}"), UInt8(ascii: "]"): if !objects.isEmpty { objects.removeLast() }
      case UInt8(ascii: "\""):
        var j = i + 1
        while j < bytes.count && bytes[j] != UInt8(ascii: "\"") { j += bytes[j] == UInt8(ascii: "\\") ? 2 : 1 }
        let token = Array(bytes[i..<min(j + 1, bytes.count)])
        var k = j + 1
        while k < bytes.count && [0x20, 0x09, 0x0D, 0x0A].contains(bytes[k]) { k += 1 }
        if k < bytes.count && bytes[k] == UInt8(ascii: ":"), let last = objects.last, var keys = last {
          if keys.contains(token) {
            let key = (try? JSONDecoder().decode(String.self, from: Data(token))) ?? String(decoding: token, as: UTF8.self)
            return (key, line)
          }
          keys.insert(token)
          objects[objects.count - 1] = keys
        }
        i = j
      default: break
      }
      i += 1
    }
    return nil
  }

  static func describe(_ error: Error) -> String {
    if let error = error as? DecodingError {
      switch error {
      case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
        let path = context.codingPath.map { $0.intValue.map { "[\($0 + 1)]" } ?? ".\($0.stringValue)" }.joined()
        return (path.isEmpty ? "" : "at \(path): ") + context.debugDescription
      @unknown default: break
      }
    }
    return "\(error)"
  }
}
