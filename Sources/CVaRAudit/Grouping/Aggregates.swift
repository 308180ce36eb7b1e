/// What one record of an aggregates file measures: a cell of the 2×2
/// confusion table, or a metric's loss.
///
/// Every kind is the (n, Σℓ, Σℓ²) of a per-row loss ℓ ∈ [0, 1] over a group's
/// eligible rows, so records of shards add:
/// - `tn`, `fp`, `fn`, `tp`: ℓ = 1[(y, ŷ) is that cell] over all the group's
///   rows, so n is the group's row count and Σℓ = Σℓ² the cell's count. The
///   four cells give every binary metric and the permutation tests' joint
///   counts exactly.
/// - `error`, `fnr`, `fpr`, `selection`: that metric's loss over its eligible
///   rows (e.g. n = rows with y = 1 for `fnr`).
/// - `loss:COLUMN`: a bounded loss column.
public enum AggregateMetric: Hashable, Sendable, CustomStringConvertible {
  /// The confusion cell (y, ŷ).
  case cell(label: Int, prediction: Int)
  case metric(Metric)

  /// The four cells in the order TN, FP, FN, TP (index 2y + ŷ).
  public static let cells: [AggregateMetric] = [
    .cell(label: 0, prediction: 0), .cell(label: 0, prediction: 1),
    .cell(label: 1, prediction: 0), .cell(label: 1, prediction: 1),
  ]

  public var description: String {
    switch self {
    case .cell(let y, let yHat): ["tn", "fp", "fn", "tp"][2 * y + yHat]
    case .metric(let metric): metric.description
    }
  }

  /// Parses `tn`, `fp`, `fn`, `tp` or a metric name (`Metric(name:)`).
  public init?(name: String) {
    switch name {
    case "tn": self = .cell(label: 0, prediction: 0)
    case "fp": self = .cell(label: 0, prediction: 1)
    case "fn": self = .cell(label: 1, prediction: 0)
    case "tp": self = .cell(label: 1, prediction: 1)
    default:
      guard let metric = Metric(name: name) else { return nil }
      self = .metric(metric)
    }
  }

  /// Whether ℓ is binary (Σℓ = Σℓ² is then a whole count).
  public var isBinary: Bool {
    if case .metric(let metric) = self { return metric.isBinary }
    return true
  }

  public var isCell: Bool {
    if case .cell = self { return true }
    return false
  }

  /// Sort position: cells first, then metrics by name.
  var order: (Int, String) { isCell ? (0, description) : (1, description) }
}

/// Partial per-group sufficient statistics, one record per group and
/// metric: the content of an aggregates file (see `AggregatesFile` for the
/// format). Aggregates of shards of one data set add (`merge`), and a
/// `GroupTable` for an audit follows from them (`groupTable`).
public struct Aggregates: Sendable, Equatable {
  public struct Record: Sendable, Equatable {
    /// One value per attribute column.
    public var key: [String]
    public var metric: AggregateMetric
    public var statistics: SufficientStatistics
    /// Where the record was read (a line of a CSV or JSON Lines file, or the
    /// 1-based position in a JSON array: see `AggregatesFile`); 0 when made in memory.
    public var line: Int

    public init(key: [String], metric: AggregateMetric, statistics: SufficientStatistics, line: Int = 0) {
      self.key = key
      self.metric = metric
      self.statistics = statistics
      self.line = line
    }
  }

  /// The name used in messages (a file path).
  public var source: String
  /// The attribute columns, in file order.
  public var attributes: [String]
  public var records: [Record]

  public init(source: String, attributes: [String], records: [Record]) {
    self.source = source
    self.attributes = attributes
    self.records = records
  }

  /// The metrics present, cells first then by name.
  public var metrics: [AggregateMetric] {
    Array(Set(records.map(\.metric))).sorted { $0.order < $1.order }
  }

  // MARK: Validation

  /// Checks each record on its own and that no group has two records of
  /// one kind; a part of a query's output (one of the files an engine writes
  /// in parallel) passes it even when a group's cells are spread over parts.
  ///
  /// Per record: n a whole number ≥ 0; for a binary kind Σℓ a whole number
  /// in [0, n] and Σℓ² = Σℓ; for a loss 0 ≤ Σℓ ≤ n and (Σℓ)²/n ≤ Σℓ² ≤ Σℓ
  /// (true of any ℓ ∈ [0, 1], by Cauchy–Schwarz and ℓ² ≤ ℓ), up to a rounding
  /// tolerance of 10⁻⁹·max(1, n); n = 0 only with zero sums.
  ///
  /// - Returns: for each group, the line of each of its kinds.
  /// - Throws: `InputError` naming the file, the line and the group.
  /// - Complexity: O(records · key length).
  @discardableResult
  public func validateRecords() throws -> [[String]: [AggregateMetric: Int]] {
    for record in records { try validate(record) }
    var seen: [[String]: [AggregateMetric: Int]] = [:]
    for record in records {
      if let earlier = seen[record.key]?[record.metric] {
        throw InputError(file: source, line: Aggregates.line(record.line),
                         message: "duplicate record for group \(Aggregates.show(record.key)) and metric '\(record.metric)'" + (earlier > 0 ? " (first on line \(earlier))" : ""))
      }
      seen[record.key, default: [:]][record.metric] = record.line
    }
    return seen
  }

  /// Checks every record and the records of each group together: what
  /// `validateRecords()` checks, and that each group has either no confusion
  /// cell or all four, with the group's row count as n in each and counts
  /// adding up to it.
  ///
  /// - Throws: `InputError` naming the file, the line and the group.
  /// - Complexity: O(records · key length).
  public func validate() throws {
    let seen = try validateRecords()
    for record in records where record.metric.isCell {
      let missing = AggregateMetric.cells.filter { seen[record.key]![$0] == nil }
      if !missing.isEmpty {
        throw InputError(file: source, line: Aggregates.line(record.line),
                         message: "group \(Aggregates.show(record.key)) has confusion cells but lacks \(missing.map { "'\($0)'" }.joined(separator: ", ")): give all four of tn, fp, fn, tp")
      }
    }
    // The four cells of a group: same n, counts adding up to n.
    var cells: [[String]: [Record]] = [:]
    for record in records where record.metric.isCell { cells[record.key, default: []].append(record) }
    for (key, group) in cells {
      let first = group.min { $0.line < $1.line }!
      let n = first.statistics.count
      if let other = group.first(where: { $0.statistics.count != n }) {
        throw InputError(file: source, line: Aggregates.line(other.line),
                         message: "group \(Aggregates.show(key)): n of '\(other.metric)' is \(other.statistics.count) but n of '\(first.metric)' is \(n); every confusion cell's n is the group's row count")
      }
      let total = group.reduce(0.0) { $0 + $1.statistics.sum }
      if total != Double(n) {
        throw InputError(file: source, line: Aggregates.line(first.line),
                         message: "group \(Aggregates.show(key)): tn + fp + fn + tp = \(Aggregates.format(total)) but n = \(n); a label or prediction that is NULL or not 0/1 makes the cells miss rows")
      }
    }
  }

  func validate(_ record: Record) throws {
    let s = record.statistics
    func fail(_ message: String) -> InputError {
      InputError(file: source, line: Aggregates.line(record.line),
                 message: "group \(Aggregates.show(record.key)), metric '\(record.metric)': \(message)")
    }
    guard s.count >= 0 else { throw fail("n = \(s.count) is negative") }
    guard s.sum.isFinite, s.sumOfSquares.isFinite else { throw fail("sum and sum_sq must be finite") }
    let n = Double(s.count)
    if record.metric.isBinary {
      guard s.sum >= 0, s.sum == s.sum.rounded() else {
        throw fail("sum = \(Aggregates.format(s.sum)) must be a whole count ≥ 0 for a binary metric")
      }
      guard s.sum <= n else { throw fail("sum = \(Aggregates.format(s.sum)) exceeds n = \(s.count)") }
      guard s.sumOfSquares == s.sum else {
        throw fail("sum_sq = \(Aggregates.format(s.sumOfSquares)) must equal sum = \(Aggregates.format(s.sum)) for a binary metric")
      }
      return
    }
    let tolerance = 1e-9 * max(1, n)
    if s.count == 0 {
      guard s.sum == 0, s.sumOfSquares == 0 else { throw fail("n = 0 but the sums are not 0") }
      return
    }
    guard s.sum >= -tolerance, s.sum <= n + tolerance else {
      throw fail("sum = \(Aggregates.format(s.sum)) outside [0, n = \(s.count)]: the loss must lie in [0, 1]")
    }
    guard s.sumOfSquares <= s.sum + tolerance, s.sumOfSquares >= s.sum * s.sum / n - tolerance else {
      throw fail("sum_sq = \(Aggregates.format(s.sumOfSquares)) is inconsistent with sum = \(Aggregates.format(s.sum)) and n = \(s.count): a loss in [0, 1] has sum²/n ≤ sum_sq ≤ sum")
    }
  }

  static func line(_ line: Int) -> Int? { line > 0 ? line : nil }

  static func show(_ key: [String]) -> String { "(" + key.joined(separator: ", ") + ")" }

  /// A number as written in messages and files: whole numbers without a
  /// fraction, others with the shortest text that reads back exactly.
  static func format(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 9.007199254740992e15 { return String(Int64(x)) }
    return "\(x)"
  }

  // MARK: Merging

  /// 2^53: the largest n an aggregates file holds (and is read back) exactly.
  public static let largestCount = 1 << 53

  /// Adds the records of shards of one data set: records with the same group
  /// and metric add, the others are kept. The result is sorted by group, then
  /// cells (tn, fp, fn, tp), then metrics by name.
  ///
  /// - Throws: `InputError` when the files' attribute columns differ (as sets)
  ///   or the metrics of two non-empty files differ, or when the sum fails
  ///   `validate()` (e.g. a group's confusion cells are still incomplete:
  ///   a part of the query's output is missing), or when a merged n exceeds
  ///   `largestCount` (it could not be read back).
  /// - Complexity: O(records · key length + G log G).
  public static func merge(_ parts: [Aggregates], source: String = "merged") throws -> Aggregates {
    precondition(!parts.isEmpty, "at least one part to merge")
    let attributes = parts[0].attributes
    var metrics: (names: [AggregateMetric], from: String)? = nil
    var sums: [[String]: [AggregateMetric: SufficientStatistics]] = [:]
    for part in parts {
      guard Set(part.attributes) == Set(attributes), part.attributes.count == attributes.count else {
        throw InputError(file: part.source, line: 1,
                         message: "the attribute columns (\(part.attributes.joined(separator: ", "))) differ from those of \(parts[0].source) (\(attributes.joined(separator: ", "))): shards of one query have the same group columns")
      }
      let order = attributes.map { part.attributes.firstIndex(of: $0)! }
      if !part.records.isEmpty {
        let names = part.metrics
        if let metrics, metrics.names != names {
          throw InputError(file: part.source,
                           message: "the metrics (\(names.map(\.description).joined(separator: ", "))) differ from those of \(metrics.from) (\(metrics.names.map(\.description).joined(separator: ", "))): shards of one query have the same metrics")
        }
        metrics = (names, part.source)
      }
      for record in part.records {
        let key = order.map { record.key[$0] }
        let merged = sums[key, default: [:]][record.metric, default: SufficientStatistics()] + record.statistics
        // What an aggregates file holds exactly, and so what --aggregates
        // reads back (`AggregatesFile.wholeNumber`): refuse now, not then.
        guard merged.count <= Self.largestCount else {
          throw InputError(file: part.source, line: record.line,
                           message: "the merged n of group \(key.joined(separator: " × ")), metric \(record.metric), exceeds 2^53 = 9007199254740992, the largest count an aggregates file holds exactly")
        }
        sums[key, default: [:]][record.metric] = merged
      }
    }
    var records: [Record] = []
    for key in sums.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
      for (metric, statistics) in sums[key]!.sorted(by: { $0.key.order < $1.key.order }) {
        records.append(Record(key: key, metric: metric, statistics: statistics))
      }
    }
    let merged = Aggregates(source: source, attributes: attributes, records: records)
    try merged.validate()
    return merged
  }

  // MARK: Writing

  /// The CSV form (see `AggregatesFile`): a header of the attribute columns,
  /// `metric`, `n`, `sum`, `sum_sq`, then one line per record. Numbers are
  /// written so that they read back exactly.
  ///
  /// - Complexity: O(records · key length).
  public func csv() -> String {
    var text = (attributes + AggregatesFile.statisticColumns).map(Aggregates.csvField).joined(separator: ",") + "\n"
    for record in records {
      let s = record.statistics
      let fields = record.key.map(Aggregates.csvField) + [
        Aggregates.csvField(record.metric.description), String(s.count),
        Aggregates.format(s.sum), Aggregates.format(s.sumOfSquares),
      ]
      text += fields.joined(separator: ",") + "\n"
    }
    return text
  }

  /// A CSV field, quoted when it needs to be (RFC 4180). An empty value is
  /// written as `""` so that it reads back as an empty attribute value.
  static func csvField(_ s: String) -> String {
    if s.isEmpty { return "\"\"" }
    // By byte, not by Character: "\r\n" is one Character, equal to neither "\r" nor "\n".
    if s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) || s.first == " " || s.last == " " {
      var quoted = "\""
      for c in s { quoted += c == "\"" ? "\"\"" : String(c) }
      return quoted + "\""
    }
    return s
  }
}

extension Aggregates {
  /// The group table an audit of `metrics` over the groups of `groupBy` needs.
  ///
  /// `groupBy` may name all the attribute columns or some of them (in any
  /// order): records of the finer groups then add into the coarser ones,
  /// which is exactly the row-level aggregation by those columns. Binary
  /// metrics come from the confusion cells when the file has them, otherwise
  /// from records of the metric itself; a loss from records `loss:COLUMN`.
  /// Groups are ordered by key (the order of shards does not matter). With
  /// `missing == .exclude`, groups with an empty attribute value of `groupBy`
  /// are left out and their rows (n of a cell, or of the first metric)
  /// counted as excluded.
  ///
  /// - Throws: `InputError` for invalid records (`validate()`), a `groupBy`
  ///   column that the file lacks, a metric the file has no records for, or a
  ///   file mixing confusion cells with per-metric records of binary metrics.
  /// - Complexity: O(records · key length + G log G).
  public func groupTable(groupBy: [String], metrics requested: [Metric], missing: MissingValuePolicy = .keep) throws -> GroupTable {
    precondition(!groupBy.isEmpty, "at least one group-by column")
    try validate()
    let positions = try groupBy.map { name -> Int in
      guard let i = attributes.firstIndex(of: name) else {
        throw InputError(file: source, line: 1,
                         message: "no attribute column named '\(name)'; the file's attribute columns are: \(attributes.map { "'\($0)'" }.joined(separator: ", "))")
      }
      return i
    }
    let present = Set(records.map(\.metric))
    let hasCells = present.contains(where: \.isCell)
    let plainBinary = present.filter { !$0.isCell && $0.isBinary }
    if hasCells, let mixed = plainBinary.first {
      throw InputError(file: source,
                       message: "the file has both confusion cells (tn, fp, fn, tp) and records of '\(mixed)': give one or the other for binary metrics")
    }
    let available = present.map(\.description).sorted().joined(separator: ", ")
    var direct: [Metric] = []
    var lossMetric: AggregateMetric? = nil
    for metric in requested {
      if metric.isBinary {
        if hasCells { continue }
        guard present.contains(.metric(metric)) else {
          throw InputError(file: source,
                           message: "no records for the metric '\(metric)' (the file has: \(available)); the tn, fp, fn, tp cells give every binary metric")
        }
        if !direct.contains(metric) { direct.append(metric) }
      } else {
        guard present.contains(.metric(metric)) else {
          throw InputError(file: source, message: "no records for the metric '\(metric)' (the file has: \(available))")
        }
        precondition(lossMetric == nil || lossMetric == .metric(metric), "one loss column at a time")
        lossMetric = .metric(metric)
      }
    }
    let needsCells = hasCells && requested.contains(where: \.isBinary)
    var table = GroupTable(attributes: groupBy, hasConfusion: needsCells, hasLabels: true,
                           hasLoss: lossMetric != nil, directMetrics: direct)
    let used = records.filter { r in
      switch r.metric {
      case .cell: needsCells
      case .metric(let m): m.isBinary ? direct.contains(m) : r.metric == lossMetric
      }
    }
    // The metric whose n counts a group's rows: a cell (all rows), else the first one read.
    let counting: AggregateMetric? = needsCells ? AggregateMetric.cells[0]
      : (direct.first.map { .metric($0) } ?? lossMetric)
    var excluded = ExcludedRows()
    var rows = 0
    var kept: [(key: [String], record: Record)] = []
    for record in used {
      let key = positions.map { record.key[$0] }
      let counts = record.metric == counting
      if missing == .exclude && key.contains(where: \.isEmpty) {
        if counts { excluded.add(.missingAttribute, record.statistics.count) }
        continue
      }
      if counts { rows += record.statistics.count }
      kept.append((key, record))
    }
    for key in Set(kept.map(\.key)).sorted(by: { $0.lexicographicallyPrecedes($1) }) { _ = table.group(for: key) }
    for (key, record) in kept {
      let g = table.existingGroup(for: key)!
      switch record.metric {
      case .cell(let y, let yHat):
        table.addConfusion(group: g, label: y, prediction: yHat, count: Int(record.statistics.sum))
      case .metric(let m):
        if m.isBinary { table.addDirect(m, group: g, record.statistics) } else { table.addLoss(group: g, record.statistics) }
      }
    }
    table.rowsRead = rows + excluded.total
    table.excluded = excluded
    return table
  }
}
