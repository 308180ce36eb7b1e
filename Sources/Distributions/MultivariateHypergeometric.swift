/// The multivariate hypergeometric distribution: how many items of each
/// colour a sample of `draws` items, taken without replacement from an urn
/// with `colours[c]` items of colour c, contains.
///
/// Drawn through conditional hypergeometric variates, e.g. colour by colour
///
///     X₁ ~ H(N, n₁, d),  X₂ | X₁ ~ H(N − n₁, n₂, d − X₁),  …,  X_C = what is left
///
/// or, as `sample` does, block by block (halving the colours); exact when
/// each conditional draw is (see `Hypergeometric.sample`).
/// A permutation of binary losses across groups is one such draw (colours =
/// group sizes, draws = the total loss count); a permutation of whole rows
/// with four row types (the 2×2 confusion cells) is a random table with fixed
/// margins, drawn by `sampleTable`.
public enum MultivariateHypergeometric {
  /// One draw into `counts` (one entry per colour), by halving the colours
  /// (see `Urn`, which prepares the halving once for many draws from the
  /// same colours).
  ///
  /// - Precondition: colours non-negative, 0 ≤ draws ≤ Σ colours, `counts.count == colours.count`.
  /// - Complexity: O(C) hypergeometric variates.
  @inlinable
  public static func sample(colours: UnsafeBufferPointer<Int>, draws: Int, into counts: UnsafeMutableBufferPointer<Int>,
                            using generator: inout some RandomNumberGenerator) {
    precondition(colours.count == counts.count, "one count per colour")
    guard !colours.isEmpty else { return }
    Urn(colours: Array(colours)).sample(draws: draws, into: counts, using: &generator)
  }

  /// One draw, returned as an array.
  ///
  /// - Complexity: O(C) hypergeometric variates.
  public static func sample(colours: [Int], draws: Int, using generator: inout some RandomNumberGenerator) -> [Int] {
    var counts = [Int](repeating: 0, count: colours.count)
    colours.withUnsafeBufferPointer { c in
      counts.withUnsafeMutableBufferPointer { sample(colours: c, draws: draws, into: $0, using: &generator) }
    }
    return counts
  }

  /// A random R × C table of counts with row sums `rowTotals` and column
  /// sums `columnTotals`, uniform over the ways of dealing the Σ items: what
  /// a random permutation of rows across groups does to per-group counts of
  /// C row types (e.g. the four confusion cells). Row r is a multivariate
  /// hypergeometric draw of `rowTotals[r]` items from the column totals left
  /// by rows 0..<r. Row-major into `table` (R·C entries).
  ///
  /// - Precondition: totals non-negative and Σ rowTotals = Σ columnTotals.
  /// - Complexity: O(R·C) hypergeometric variates.
  @inlinable
  public static func sampleTable(rowTotals: UnsafeBufferPointer<Int>, columnTotals: [Int],
                                 into table: UnsafeMutableBufferPointer<Int>,
                                 using generator: inout some RandomNumberGenerator) {
    let columns = columnTotals.count
    precondition(table.count == rowTotals.count * columns, "the table needs R·C entries")
    var left = columnTotals
    var total = left.reduce(0, +)
    precondition(rowTotals.reduce(0, +) == total, "row and column totals must have the same sum")
    left.withUnsafeMutableBufferPointer { left in
      for r in 0..<rowTotals.count {
        var remaining = total
        var toDraw = rowTotals[r]
        for c in 0..<columns {
          let x: Int
          if toDraw == 0 {
            x = 0
          } else if toDraw == remaining {
            x = left[c]
          } else {
            x = Hypergeometric.sample(population: remaining, successes: left[c], draws: toDraw, using: &generator)
          }
          table[r * columns + c] = x
          remaining -= left[c]
          left[c] -= x
          toDraw -= x
        }
        total -= rowTotals[r]
      }
    }
  }

  /// A random table with fixed margins, returned as a row-major array.
  ///
  /// - Complexity: O(R·C) hypergeometric variates.
  public static func sampleTable(rowTotals: [Int], columnTotals: [Int],
                                 using generator: inout some RandomNumberGenerator) -> [Int] {
    var table = [Int](repeating: 0, count: rowTotals.count * columnTotals.count)
    rowTotals.withUnsafeBufferPointer { r in
      table.withUnsafeMutableBufferPointer { sampleTable(rowTotals: r, columnTotals: columnTotals, into: $0, using: &generator) }
    }
    return table
  }
}
