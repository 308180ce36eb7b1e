import CVaRAudit
import Distributions

/// A group table of error counts: group g has `sizes[g]` rows of which
/// `errors[g]` are errors (label 1, prediction 0); the rest are label 0,
/// prediction 0.
func errorTable(sizes: [Int], errors: [Int]) -> GroupTable {
  twoCellTable(sizes: sizes, counts: errors, cell: (1, 0), rest: (0, 0))
}

/// A group table with two confusion cells: group g has `counts[g]` rows in
/// `cell` (label, prediction) and `sizes[g] − counts[g]` in `rest`.
func twoCellTable(sizes: [Int], counts: [Int], cell: (Int, Int), rest: (Int, Int)) -> GroupTable {
  var table = GroupTable(attributes: ["g"], hasConfusion: true, hasLoss: false)
  for (i, (n, x)) in zip(sizes, counts).enumerated() {
    let g = table.group(for: ["\(i)"])
    table.addConfusion(group: g, label: cell.0, prediction: cell.1, count: x)
    table.addConfusion(group: g, label: rest.0, prediction: rest.1, count: n - x)
  }
  table.rowsRead = sizes.reduce(0, +)
  return table
}

/// A Binomial(n, p) variate by counting uniforms (n is small in tests).
func binomial(_ n: Int, _ p: Double, using generator: inout some RandomNumberGenerator) -> Int {
  var x = 0
  for _ in 0..<n where generator.nextUnitDouble() < p { x += 1 }
  return x
}

/// Zipf-unbalanced group sizes ⌈scale / g^s⌉, with the last groups forced to
/// sizes 2 and 1 so that groups without a variance are always present.
func zipfSizes(groups k: Int, scale: Double, exponent s: Double = 1.1) -> [Int] {
  var sizes = (1...k).map { max(1, Int((scale / Double.pow(Double($0), s)).rounded(.up))) }
  if k >= 4 { sizes[k - 1] = 1; sizes[k - 2] = 2; sizes[k - 3] = 1 }
  return sizes
}
