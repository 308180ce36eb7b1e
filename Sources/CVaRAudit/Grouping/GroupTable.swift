/// Per-group sufficient statistics for every metric, keyed by the groups'
/// attribute values: the one thing an audit keeps of the rows.
///
/// For binary labels and predictions each group keeps its 2×2 confusion
/// counts (from which error, false negative, false positive and selection
/// rates follow); with a loss column, its (n, Σℓ, Σℓ²). Memory grows with the
/// number of groups, never with the number of rows. Tables from shards of the
/// same data merge by adding.
public struct GroupTable: Sendable {
  /// The attribute (group-by) column names.
  public let attributes: [String]
  /// Whether confusion counts are kept (labels and predictions were read).
  public let hasConfusion: Bool
  /// Whether labels were read (without them only the selection rate exists).
  public let hasLabels: Bool
  /// Whether a loss column was read.
  public let hasLoss: Bool
  /// Whether a row-weight column was read (`ColumnSelection.weightColumn`).
  public let hasSampleWeights: Bool
  /// Per group and confusion cell, Σw then Σw² of the row weights: index
  /// 8g + 2y + ŷ and 8g + 4 + 2y + ŷ (empty without weights).
  public private(set) var weightedConfusion: [Double] = []
  /// Each group's attribute values, in first-seen order.
  public private(set) var keys: [[String]] = []
  /// Confusion counts, four per group: index 4g + 2y + ŷ.
  public private(set) var confusion: [Int] = []
  /// Loss statistics per group (empty without a loss column).
  public private(set) var loss: [SufficientStatistics] = []
  /// Binary metrics held directly as per-group (n, S, Q), without confusion
  /// counts: what an aggregates file with plain per-metric rows gives
  /// (see `AggregatesFile`). Empty for tables read from rows.
  public let directMetrics: [Metric]
  /// Per-group statistics of each of `directMetrics`, in that order.
  public private(set) var direct: [[SufficientStatistics]]
  /// Rows per group, kept only by a sizes-only table (no confusion counts and
  /// no loss column: group sizes for planning).
  public private(set) var sizes: [Int] = []
  /// Data rows read (excluded rows included).
  public var rowsRead: Int = 0
  /// Rows left out, by reason.
  public var excluded = ExcludedRows()
  /// Blank lines skipped in the input (not rows: they hold no fields, and
  /// pandas' `read_csv` skips them too), reported so that nothing in the
  /// input goes unaccounted for.
  public var blankLines: Int = 0

  private var index = ByteKeyTable()

  /// - Parameter directMetrics: binary metrics whose per-group statistics are
  ///   given directly (`addDirect`) instead of following from confusion counts.
  /// - Parameter sampleWeights: whether row weights are kept per confusion cell
  ///   (`addConfusion(group:label:prediction:weight:)`); needs `hasConfusion`.
  public init(attributes: [String], hasConfusion: Bool, hasLabels: Bool = true, hasLoss: Bool,
              directMetrics: [Metric] = [], sampleWeights: Bool = false) {
    precondition(!sampleWeights || hasConfusion, "row weights are kept per confusion cell")
    precondition(!attributes.isEmpty, "at least one attribute defines the groups")
    precondition(directMetrics.allSatisfy(\.isBinary) && Set(directMetrics).count == directMetrics.count,
                 "direct metrics are distinct binary metrics (a loss column has its own storage)")
    self.attributes = attributes
    self.hasConfusion = hasConfusion
    self.hasLabels = hasConfusion && hasLabels
    self.hasLoss = hasLoss
    self.hasSampleWeights = sampleWeights
    self.directMetrics = directMetrics
    self.direct = directMetrics.map { _ in [] }
  }

  /// The number of groups (intersectional cells with at least one row).
  public var groupCount: Int { keys.count }

  /// The group of an encoded key (see `encode`), added when new.
  ///
  /// - Complexity: expected O(key length).
  public mutating func group(encodedKey: UnsafeBufferPointer<UInt8>) -> Int {
    let g = index.index(of: encodedKey)
    if g == keys.count {
      keys.append(GroupTable.decode(encodedKey, count: attributes.count))
      if hasConfusion { confusion.append(contentsOf: [0, 0, 0, 0]) }
      if hasSampleWeights { weightedConfusion.append(contentsOf: repeatElement(0, count: 8)) }
      if hasLoss { loss.append(SufficientStatistics()) }
      for m in direct.indices { direct[m].append(SufficientStatistics()) }
      if isSizesOnly { sizes.append(0) }
    }
    return g
  }

  /// The group with these attribute values, added when new.
  public mutating func group(for key: [String]) -> Int {
    precondition(key.count == attributes.count, "one value per attribute")
    var bytes: [UInt8] = []
    for value in key { GroupTable.append(Array(value.utf8)[...], to: &bytes) }
    return bytes.withUnsafeBufferPointer { group(encodedKey: $0) }
  }

  /// The group with these attribute values, if it has rows.
  public func existingGroup(for key: [String]) -> Int? {
    guard key.count == attributes.count else { return nil }
    var bytes: [UInt8] = []
    for value in key { GroupTable.append(Array(value.utf8)[...], to: &bytes) }
    return bytes.withUnsafeBufferPointer { index.existingIndex(of: $0) }
  }

  /// Appends one attribute value to an encoded key: a 4-byte length, then the bytes.
  @inlinable
  public static func append<C: Collection<UInt8>>(_ value: C, to key: inout [UInt8]) {
    let n = UInt32(value.count)
    key.append(UInt8(truncatingIfNeeded: n)); key.append(UInt8(truncatingIfNeeded: n >> 8))
    key.append(UInt8(truncatingIfNeeded: n >> 16)); key.append(UInt8(truncatingIfNeeded: n >> 24))
    key.append(contentsOf: value)
  }

  static func decode(_ key: UnsafeBufferPointer<UInt8>, count: Int) -> [String] {
    var values: [String] = []
    var i = 0
    for _ in 0..<count {
      let n = Int(key[i]) | Int(key[i + 1]) << 8 | Int(key[i + 2]) << 16 | Int(key[i + 3]) << 24
      values.append(VisibleText.of(UnsafeBufferPointer(rebasing: key[(i + 4)..<(i + 4 + n)])))
      i += 4 + n
    }
    return values
  }

  /// Counts one row with label y and prediction ŷ (each 0 or 1) in group g.
  public mutating func addConfusion(group g: Int, label y: UInt8, prediction yHat: UInt8) {
    confusion[4 &* g &+ 2 &* Int(y) &+ Int(yHat)] &+= 1
  }

  /// Counts one row with label y, prediction ŷ and row weight w ≥ 0 in group g.
  ///
  /// - Precondition: `hasSampleWeights`.
  public mutating func addConfusion(group g: Int, label y: UInt8, prediction yHat: UInt8, weight w: Double) {
    let cell = 2 &* Int(y) &+ Int(yHat)
    confusion[4 &* g &+ cell] &+= 1
    weightedConfusion[8 &* g &+ cell] += w
    weightedConfusion[8 &* g &+ 4 &+ cell] += w * w
  }

  /// Adds `count` rows of label y and prediction ŷ to group g.
  public mutating func addConfusion(group g: Int, label y: Int, prediction yHat: Int, count: Int) {
    precondition((0...1).contains(y) && (0...1).contains(yHat) && count >= 0)
    confusion[4 * g + 2 * y + yHat] += count
  }

  /// Adds one loss value ℓ ∈ [0, 1] to group g.
  public mutating func addLoss(group g: Int, _ value: Double) {
    loss[g].count += 1
    loss[g].sum += value
    loss[g].sumOfSquares += value * value
  }

  /// Adds a group's loss statistics (from a shard or an aggregate file).
  public mutating func addLoss(group g: Int, _ statistics: SufficientStatistics) {
    loss[g] += statistics
  }

  /// Adds a group's statistics for one of `directMetrics`.
  public mutating func addDirect(_ metric: Metric, group g: Int, _ statistics: SufficientStatistics) {
    guard let m = directMetrics.firstIndex(of: metric) else {
      preconditionFailure("\(metric) is not one of the table's direct metrics")
    }
    direct[m][g] += statistics
  }

  /// The confusion counts (TN, FP, FN, TP) of group g.
  public func confusionCounts(group g: Int) -> (Int, Int, Int, Int) {
    (confusion[4 * g], confusion[4 * g + 1], confusion[4 * g + 2], confusion[4 * g + 3])
  }

  /// Whether the table keeps group sizes only (no confusion counts, no loss
  /// column, no direct metrics): group sizes for planning.
  public var isSizesOnly: Bool { !hasConfusion && !hasLoss && directMetrics.isEmpty }

  /// Counts one row in group g of a sizes-only table.
  public mutating func addRow(group g: Int) {
    sizes[g] &+= 1
  }

  /// Rows of group g (with direct metrics only, the eligible rows of the first one).
  public func rowCount(group g: Int) -> Int {
    if hasConfusion { let c = confusionCounts(group: g); return c.0 + c.1 + c.2 + c.3 }
    if hasLoss { return loss[g].count }
    if let first = direct.first { return first[g].count }
    return sizes[g]
  }

  /// Whether this table holds what `metric` needs.
  public func supports(_ metric: Metric) -> Bool {
    if directMetrics.contains(metric) { return true }
    switch metric {
    case .loss: return hasLoss
    case .selectionRate: return hasConfusion
    default: return hasConfusion && hasLabels
    }
  }

  /// Each group's sufficient statistics for `metric` (n = 0 for a group with
  /// no eligible row).
  ///
  /// - Precondition: `supports(metric)`.
  /// - Complexity: O(K).
  public func statistics(for metric: Metric) -> [SufficientStatistics] {
    precondition(supports(metric), "the table does not hold what \(metric) needs")
    if case .loss = metric { return loss }
    if let m = directMetrics.firstIndex(of: metric) { return direct[m] }
    return (0..<groupCount).map { metric.statistics(confusion: confusionCounts(group: $0)) }
  }

  /// Each group's row-weighted statistics for a binary `metric` (from the
  /// weighted confusion cells).
  ///
  /// - Precondition: `hasSampleWeights`, a binary metric the table supports.
  /// - Complexity: O(K).
  public func weightedStatistics(for metric: Metric) -> [WeightedStatistics] {
    precondition(hasSampleWeights && metric.isBinary && supports(metric), "weighted statistics of a binary metric")
    let unit = (0..<4).map { cell in
      metric.statistics(confusion: (cell == 0 ? 1 : 0, cell == 1 ? 1 : 0, cell == 2 ? 1 : 0, cell == 3 ? 1 : 0))
    }
    return (0..<groupCount).map { g in
      var s = WeightedStatistics()
      for cell in 0..<4 where unit[cell].count == 1 {
        s.count += confusion[4 * g + cell]
        s.weight += weightedConfusion[8 * g + cell]
        s.sumOfSquaredWeights += weightedConfusion[8 * g + 4 + cell]
        if unit[cell].sum == 1 { s.weightedSum += weightedConfusion[8 * g + cell] }
      }
      return s
    }
  }

  /// Adds another table of the same attributes and columns (shards of one data set).
  ///
  /// - Complexity: O(K_other · key length).
  public mutating func merge(_ other: GroupTable) {
    precondition(attributes == other.attributes && hasConfusion == other.hasConfusion && hasLoss == other.hasLoss
                   && directMetrics == other.directMetrics && hasSampleWeights == other.hasSampleWeights,
                 "tables to merge must have the same attributes and columns")
    for h in 0..<other.groupCount {
      let g = group(for: other.keys[h])
      if hasConfusion { for k in 0..<4 { confusion[4 * g + k] += other.confusion[4 * h + k] } }
      if hasSampleWeights { for k in 0..<8 { weightedConfusion[8 * g + k] += other.weightedConfusion[8 * h + k] } }
      if hasLoss { loss[g] += other.loss[h] }
      for m in direct.indices { direct[m][g] += other.direct[m][h] }
      if isSizesOnly { sizes[g] += other.sizes[h] }
    }
    rowsRead += other.rowsRead
    excluded = excluded + other.excluded
    blankLines += other.blankLines
  }
}

extension GroupTable {
  /// Aggregates binary labels and predictions held in memory: group ids
  /// 0..<keys.count per row. The scatter-add into the confusion counts is the
  /// whole cost; it does one pass and allocates nothing per row.
  ///
  /// - Precondition: equal lengths; ids in range; labels and predictions 0 or 1.
  /// - Complexity: O(rows + K).
  public static func aggregate(
    attributes: [String], keys: [[String]], groupIDs: [Int32], labels: [UInt8], predictions: [UInt8]
  ) -> GroupTable {
    precondition(groupIDs.count == labels.count && labels.count == predictions.count, "columns differ in length")
    var table = GroupTable(attributes: attributes, hasConfusion: true, hasLoss: false)
    for key in keys { _ = table.group(for: key) }
    precondition(table.groupCount == keys.count, "group keys must be distinct")
    var counts = [Int](repeating: 0, count: 4 * keys.count)
    let k = Int32(keys.count)
    counts.withUnsafeMutableBufferPointer { c in
      groupIDs.withUnsafeBufferPointer { ids in
        labels.withUnsafeBufferPointer { y in
          predictions.withUnsafeBufferPointer { p in
            for i in 0..<ids.count {
              let g = ids[i]
              precondition(g >= 0 && g < k && y[i] <= 1 && p[i] <= 1, "invalid row \(i)")
              c[Int(g) &<< 2 | Int(y[i]) &<< 1 | Int(p[i])] &+= 1
            }
          }
        }
      }
    }
    table.confusion = counts
    table.rowsRead = groupIDs.count
    return table
  }
}
