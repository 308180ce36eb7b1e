import CVaRAudit
import CVaRInference

/// Row columns held in memory by the caller (numpy buffers): per attribute,
/// integer codes into that attribute's level labels (−1 for a missing value,
/// as pandas' categorical codes), and 0/1 labels and predictions or a loss.
///
/// Nothing is copied: the pointers are read in place, a chunk of rows at a
/// time, so the extra memory is O(chunk + groups) (plus one group id per row
/// when a loss permutation test needs the rows).
struct InMemoryColumns {
  /// One attribute's codes: a pointer to `rows` signed integers of `width` bytes.
  struct Codes {
    var name: String
    var base: UnsafeRawPointer
    var width: Int
    /// Level labels; a code c in 0..<levels.count names levels[c], −1 the empty value.
    var levels: [String]
  }

  var attributes: [Codes]
  var rows: Int
  var labels: UnsafePointer<UInt8>?
  var predictions: UnsafePointer<UInt8>?
  var losses: UnsafePointer<Double>?
  /// Row weights w ≥ 0 (survey weights) for weighted rates, or nil.
  var weights: UnsafePointer<Double>? = nil
  /// How messages name the label and prediction columns, e.g. "y_true (column 'y')".
  var labelName = "y_true"
  var predictionName = "y_pred"
  var weightName = "sample_weight"

  /// The message for a label or prediction other than 0 or 1 (the Python layer's wording).
  func badBinary(row: Int, label: UInt8?, prediction: UInt8) -> ColumnError {
    if let label, label > 1 {
      return ColumnError(description: "\(labelName): row \(row): expected a label 0 or 1 (or True/False), found \(label)")
    }
    return ColumnError(description: "\(predictionName): row \(row): expected a prediction 0 or 1 (or True/False), found \(prediction)")
  }
}

/// Input that cannot be audited, with the message the Python layer raises.
struct ColumnError: Error, CustomStringConvertible {
  var description: String
}

/// A group table built from in-memory columns, and, when asked for, each
/// included row's group (an index into the table) and loss, for the loss
/// permutation test.
struct InMemoryTable {
  var table: GroupTable
  var lossRows: LossRows?
}

extension InMemoryColumns {
  static let chunk = 1 << 16
  /// Mixed-radix products up to this size are looked up in a dense array.
  static let denseLimit: Int64 = 1 << 22
  /// Up to this many level combinations, binary metrics count straight into
  /// four cells per combination (2 MB of counts at most).
  static let countsByCodeLimit: Int64 = 1 << 16

  /// Aggregates the rows into a `GroupTable` whose groups appear in
  /// first-seen row order, as when the same rows are read from a CSV file:
  /// each row's attribute codes form one mixed-radix integer (missing = the
  /// last digit value), looked up in a dense array or a hash table.
  /// Groups whose key holds an empty value are left out and counted with
  /// `missing: .exclude`, as the CLI does.
  ///
  /// - Throws: `ColumnError` for a code out of range, a label or prediction
  ///   other than 0 or 1, a loss outside [0, 1], or more level combinations
  ///   than an Int64 holds.
  /// - Complexity: O(rows · attributes + groups); memory O(chunk + groups).
  func aggregate(missing: MissingValuePolicy, keepRowGroups: Bool) throws -> InMemoryTable {
    precondition(!attributes.isEmpty)
    var radices: [Int64] = []
    var product: Int64 = 1
    for a in attributes {
      let radix = Int64(a.levels.count) + 1
      let (p, overflow) = product.multipliedReportingOverflow(by: radix)
      guard !overflow else {
        throw ColumnError(description: "the sensitive features have more combinations of levels than 2^63 (\(attributes.map(\.name).joined(separator: ", "))): combine some of them first")
      }
      radices.append(radix)
      product = p
    }
    if product <= Self.countsByCodeLimit && predictions != nil && losses == nil && !keepRowGroups && weights == nil {
      return try confusionByCode(radices: radices, product: Int(product), missing: missing)
    }
    // Row weights are added row by row (`buildTable`), from each row's group.
    let keepRowGroups = keepRowGroups || weights != nil
    var dense: [Int32] = product <= Self.denseLimit ? [Int32](repeating: -1, count: Int(product)) : []
    var sparse: [Int64: Int32] = [:]
    var groupCodes: [Int64] = []  // mixed-radix code of each group, first-seen order
    var counts: [Int] = []        // 4 per group (confusion) or 1 (sizes)
    var lossStats: [SufficientStatistics] = []
    var rowGroups: [Int32]? = keepRowGroups ? [] : nil
    rowGroups?.reserveCapacity(rows)
    let hasConfusion = predictions != nil
    let hasLoss = losses != nil
    var combined = [Int64](repeating: 0, count: Self.chunk)
    var ids = [Int32](repeating: 0, count: Self.chunk)

    var start = 0
    while start < rows {
      let m = min(Self.chunk, rows - start)
      try combined.withUnsafeMutableBufferPointer { out in
        for i in 0..<m { out[i] = 0 }
        for (a, attribute) in attributes.enumerated() {
          try Self.accumulate(attribute, radix: radices[a], start: start, count: m, into: out)
        }
      }
      combined.withUnsafeBufferPointer { codes in
        ids.withUnsafeMutableBufferPointer { out in
          if dense.isEmpty {
            for i in 0..<m {
              let code = codes[i]
              if let known = sparse[code] {
                out[i] = known
              } else {
                let id = Int32(groupCodes.count)
                sparse[code] = id
                groupCodes.append(code)
                out[i] = id
              }
            }
          } else {
            dense.withUnsafeMutableBufferPointer { table in
              for i in 0..<m {
                let code = Int(codes[i])
                var id = table[code]
                if id < 0 {
                  id = Int32(groupCodes.count)
                  table[code] = id
                  groupCodes.append(Int64(code))
                }
                out[i] = id
              }
            }
          }
        }
      }
      let newGroups = groupCodes.count - (hasConfusion ? counts.count / 4 : counts.count)
      counts.append(contentsOf: repeatElement(0, count: newGroups * (hasConfusion ? 4 : 1)))
      if hasLoss { lossStats.append(contentsOf: repeatElement(SufficientStatistics(), count: groupCodes.count - lossStats.count)) }
      try scatter(ids: ids, start: start, count: m, counts: &counts, lossStats: &lossStats)
      rowGroups?.append(contentsOf: ids[0..<m])
      start += m
    }
    return try buildTable(groupCodes: groupCodes, radices: radices, counts: counts, lossStats: lossStats,
                          missing: missing, rowGroups: rowGroups)
  }

  /// The binary-metric path for few level combinations: one fused pass per
  /// chunk that counts each row into the confusion cell of its mixed-radix
  /// code (no group-id lookup), noting codes in first-seen order; the
  /// attribute's codes are read directly when there is one attribute.
  ///
  /// - Complexity: O(rows · attributes + product); memory O(chunk + product).
  private func confusionByCode(radices: [Int64], product: Int, missing: MissingValuePolicy) throws -> InMemoryTable {
    var counts = [Int](repeating: 0, count: 4 * product)
    var seen = [Bool](repeating: false, count: product)
    var order: [Int64] = []
    var combined = [Int64](repeating: 0, count: attributes.count > 1 ? Self.chunk : 0)
    let p = predictions!
    var start = 0
    while start < rows {
      let m = min(Self.chunk, rows - start)
      let y = labels.map { $0 + start }
      var bad = Self.noProblem
      if attributes.count == 1 {
        let a = attributes[0]
        let levels = radices[0] - 1
        counts.withUnsafeMutableBufferPointer { c in
          seen.withUnsafeMutableBufferPointer { s in
            switch a.width {
            case 1: bad = Self.countCells(a.base.assumingMemoryBound(to: Int8.self) + start, m, levels, y, p + start, c, s, &order)
            case 2: bad = Self.countCells(a.base.assumingMemoryBound(to: Int16.self) + start, m, levels, y, p + start, c, s, &order)
            case 4: bad = Self.countCells(a.base.assumingMemoryBound(to: Int32.self) + start, m, levels, y, p + start, c, s, &order)
            default: bad = Self.countCells(a.base.assumingMemoryBound(to: Int64.self) + start, m, levels, y, p + start, c, s, &order)
            }
          }
        }
        if bad.code {  // the digit pass throws the message naming the code and the row
          var scratch = [Int64](repeating: 0, count: m)
          try scratch.withUnsafeMutableBufferPointer { try Self.accumulate(a, radix: radices[0], start: start, count: m, into: $0) }
          throw ColumnError(description: "internal error: sensitive feature '\(a.name)' has a code out of range")
        }
      } else {
        try combined.withUnsafeMutableBufferPointer { out in
          for i in 0..<m { out[i] = 0 }
          for (a, attribute) in attributes.enumerated() {
            try Self.accumulate(attribute, radix: radices[a], start: start, count: m, into: out)
          }
        }
        counts.withUnsafeMutableBufferPointer { c in
          seen.withUnsafeMutableBufferPointer { s in
            combined.withUnsafeBufferPointer { codes in
              bad = Self.countCells(codes.baseAddress!, m, Int64(product), y, p + start, c, s, &order)
            }
          }
        }
      }
      if bad.row >= 0 {
        let row = start + bad.row
        throw badBinary(row: row, label: y?[bad.row], prediction: p[row])
      }
      start += m
    }
    var groupCounts: [Int] = []
    groupCounts.reserveCapacity(4 * order.count)
    for code in order { groupCounts.append(contentsOf: counts[4 * Int(code)..<4 * Int(code) + 4]) }
    return try buildTable(groupCodes: order, radices: radices, counts: groupCounts, lossStats: [], missing: missing,
                          rowGroups: nil)
  }

  /// Where a fused pass stopped: the chunk row (−1: it did not) and whether
  /// the code (else the label or prediction) was out of range.
  private typealias Problem = (row: Int, code: Bool)
  private static let noProblem: Problem = (-1, false)

  /// The fused loop of `confusionByCode` for one code type (inlined, hence
  /// specialized): counts row i into cell 4·code + 2y + ŷ, a missing code
  /// (−1) standing for `levels`; stops at the first code outside −1..<levels
  /// or label or prediction other than 0 or 1.
  @inline(__always)
  private static func countCells<T: FixedWidthInteger & SignedInteger>(
    _ codes: UnsafePointer<T>, _ m: Int, _ levels: Int64, _ y: UnsafePointer<UInt8>?, _ p: UnsafePointer<UInt8>,
    _ counts: UnsafeMutableBufferPointer<Int>, _ seen: UnsafeMutableBufferPointer<Bool>, _ order: inout [Int64]
  ) -> Problem {
    for i in 0..<m {
      var c = Int64(truncatingIfNeeded: codes[i])
      if c < -1 || c >= levels { return (i, true) }
      if c < 0 { c = levels }
      let code = Int(c)
      if !seen[code] { seen[code] = true; order.append(c) }
      let label = y?[i] ?? 0
      if label > 1 || p[i] > 1 { return (i, false) }
      counts[code &<< 2 | Int(label) &<< 1 | Int(p[i])] &+= 1
    }
    return noProblem
  }

  /// out[i] = out[i] · radix + digit of row start + i, the digit being the
  /// code, or radix − 1 for a missing value (code −1).
  private static func accumulate(_ attribute: Codes, radix: Int64, start: Int, count m: Int,
                                 into out: UnsafeMutableBufferPointer<Int64>) throws {
    let bad: Int
    switch attribute.width {
    case 1: bad = digits(attribute.base.assumingMemoryBound(to: Int8.self) + start, m, radix, out)
    case 2: bad = digits(attribute.base.assumingMemoryBound(to: Int16.self) + start, m, radix, out)
    case 4: bad = digits(attribute.base.assumingMemoryBound(to: Int32.self) + start, m, radix, out)
    default: bad = digits(attribute.base.assumingMemoryBound(to: Int64.self) + start, m, radix, out)
    }
    if bad >= 0 {
      let row = start + bad
      let code: Int64
      switch attribute.width {
      case 1: code = Int64(attribute.base.assumingMemoryBound(to: Int8.self)[row])
      case 2: code = Int64(attribute.base.assumingMemoryBound(to: Int16.self)[row])
      case 4: code = Int64(attribute.base.assumingMemoryBound(to: Int32.self)[row])
      default: code = attribute.base.assumingMemoryBound(to: Int64.self)[row]
      }
      throw ColumnError(description: "sensitive feature '\(attribute.name)': row \(row) has code \(code), outside -1..<\(radix - 1)")
    }
  }

  /// The digit loop of `accumulate` for one code type (inlined into each
  /// case, hence specialized): the index of the first code out of range, or −1.
  @inline(__always)
  private static func digits<T: FixedWidthInteger & SignedInteger>(
    _ codes: UnsafePointer<T>, _ m: Int, _ radix: Int64, _ out: UnsafeMutableBufferPointer<Int64>
  ) -> Int {
    let levels = radix - 1
    for i in 0..<m {
      let c = Int64(truncatingIfNeeded: codes[i])
      if c < -1 || c >= levels { return i }
      out[i] = out[i] &* radix &+ (c < 0 ? levels : c)
    }
    return -1
  }

  /// Adds the chunk's rows to their groups' counts, checking every value.
  private func scatter(ids: [Int32], start: Int, count m: Int, counts: inout [Int],
                       lossStats: inout [SufficientStatistics]) throws {
    if let predictions {
      let p = predictions + start
      let y = labels.map { $0 + start }
      var bad = -1
      counts.withUnsafeMutableBufferPointer { c in
        ids.withUnsafeBufferPointer { g in
          if let y {
            for i in 0..<m {
              if y[i] > 1 || p[i] > 1 { bad = i; break }
              c[Int(g[i]) &<< 2 | Int(y[i]) &<< 1 | Int(p[i])] &+= 1
            }
          } else {
            for i in 0..<m {
              if p[i] > 1 { bad = i; break }
              c[Int(g[i]) &<< 2 | Int(p[i])] &+= 1
            }
          }
        }
      }
      if bad >= 0 {
        let row = start + bad
        throw badBinary(row: row, label: y?[bad], prediction: p[bad])
      }
    } else if losses == nil {
      counts.withUnsafeMutableBufferPointer { c in
        for i in 0..<m { c[Int(ids[i])] &+= 1 }
      }
    }
    if let losses {
      let l = losses + start
      for i in 0..<m {
        let v = l[i]
        guard v >= 0 && v <= 1 else {
          throw ColumnError(description: "loss: row \(start + i): expected a loss in [0, 1], found \(v)")
        }
        let g = Int(ids[i])
        lossStats[g].count += 1
        lossStats[g].sum += v
        lossStats[g].sumOfSquares += v * v
      }
      if predictions == nil {
        counts.withUnsafeMutableBufferPointer { c in
          for i in 0..<m { c[Int(ids[i])] &+= 1 }
        }
      }
    }
  }

  private func buildTable(groupCodes: [Int64], radices: [Int64], counts: [Int], lossStats: [SufficientStatistics],
                          missing: MissingValuePolicy, rowGroups: [Int32]?) throws -> InMemoryTable {
    let hasConfusion = predictions != nil
    precondition(weights == nil || (hasConfusion && rowGroups != nil), "row weights need predictions and each row's group")
    var table = GroupTable(attributes: attributes.map(\.name), hasConfusion: hasConfusion,
                           hasLabels: labels != nil, hasLoss: losses != nil, sampleWeights: weights != nil)
    var position = [Int32](repeating: -1, count: groupCodes.count)
    for (h, code) in groupCodes.enumerated() {
      var digits = [Int64](repeating: 0, count: radices.count)
      var rest = code
      for a in radices.indices.reversed() { digits[a] = rest % radices[a]; rest /= radices[a] }
      let key = attributes.indices.map { a in
        digits[a] == radices[a] - 1 ? "" : attributes[a].levels[Int(digits[a])]
      }
      let rowsOfGroup = hasConfusion ? counts[4 * h..<4 * h + 4].reduce(0, +) : counts[h]
      if missing == .exclude && key.contains("") {
        table.excluded.add(.missingAttribute, rowsOfGroup)
        continue
      }
      // Distinct codes can share a key (an empty level and a missing value,
      // both empty in a CSV file): they add up, as the CLI reads them.
      let g = table.group(for: key)
      position[h] = Int32(g)
      if hasConfusion && weights == nil {
        for cell in 0..<4 where counts[4 * h + cell] > 0 {
          table.addConfusion(group: g, label: cell >> 1, prediction: cell & 1, count: counts[4 * h + cell])
        }
      }
      if losses != nil { table.addLoss(group: g, lossStats[h]) }
      if table.isSizesOnly { for _ in 0..<rowsOfGroup { table.addRow(group: g) } }
    }
    if let weights, let rowGroups, let predictions {
      // Each row's confusion cell with its weight (the counts were checked by `scatter`).
      for (i, h) in rowGroups.enumerated() where position[Int(h)] >= 0 {
        let w = weights[i]
        guard w.isFinite && w >= 0 else {
          throw ColumnError(description: "\(weightName): row \(i): expected a row weight: a finite number ≥ 0, found \(w)")
        }
        table.addConfusion(group: Int(position[Int(h)]), label: labels?[i] ?? 0, prediction: predictions[i], weight: w)
      }
    }
    table.rowsRead = rows
    var lossRows: LossRows? = nil
    if let rowGroups, let losses {
      var groups: [Int32] = [], values: [Double] = []
      groups.reserveCapacity(rowGroups.count)
      values.reserveCapacity(rowGroups.count)
      for (i, h) in rowGroups.enumerated() where position[Int(h)] >= 0 {
        groups.append(position[Int(h)])
        values.append(losses[i])
      }
      lossRows = LossRows(groups: groups, losses: values)
    }
    return InMemoryTable(table: table, lossRows: lossRows)
  }
}
