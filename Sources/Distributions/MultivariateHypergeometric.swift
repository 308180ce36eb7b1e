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
  /// One draw into `counts` (one entry per colour).
  ///
  /// Drawn by halving rather than colour by colour: the colours [lo, hi) that
  /// receive d items split at mid, the left half gets
  /// X ~ H(N_[lo,hi), N_[lo,mid), d) of them, and each half is split again.
  /// It is the same law (each split is the conditional law of the left
  /// half's count given the block's count), with K − 1 variates as before,
  /// but most of them have small populations (a block's size), which keeps
  /// the sampler's log-factorial lookups in cache when K is large.
  ///
  /// - Precondition: colours non-negative, 0 ≤ draws ≤ Σ colours, `counts.count == colours.count`.
  /// - Complexity: O(C) hypergeometric variates.
  @inlinable
  public static func sample(colours: UnsafeBufferPointer<Int>, draws: Int, into counts: UnsafeMutableBufferPointer<Int>,
                            using generator: inout some RandomNumberGenerator) {
    precondition(colours.count == counts.count, "one count per colour")
    var total = 0
    for c in colours { precondition(c >= 0, "colour counts must be non-negative"); total += c }
    precondition(draws >= 0 && draws <= total, "cannot draw more items than the urn holds")
    guard !colours.isEmpty else { return }
    split(colours, lo: 0, hi: colours.count, size: total, draws: draws, into: counts, using: &generator)
  }

  /// Deals `draws` items among colours [lo, hi), which hold `size` items.
  @inlinable
  static func split(_ colours: UnsafeBufferPointer<Int>, lo: Int, hi: Int, size: Int, draws: Int,
                    into counts: UnsafeMutableBufferPointer<Int>, using generator: inout some RandomNumberGenerator) {
    if hi - lo == 1 { counts[lo] = draws; return }
    if draws == 0 {
      for i in lo..<hi { counts[i] = 0 }
      return
    }
    if draws == size {
      for i in lo..<hi { counts[i] = colours[i] }
      return
    }
    let mid = (lo + hi) / 2
    var left = 0
    for i in lo..<mid { left += colours[i] }
    let x = Hypergeometric.sample(population: size, successes: left, draws: draws, using: &generator)
    split(colours, lo: lo, hi: mid, size: left, draws: x, into: counts, using: &generator)
    split(colours, lo: mid, hi: hi, size: size - left, draws: draws - x, into: counts, using: &generator)
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
