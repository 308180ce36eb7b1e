/// Draws indices 0..<K with given probabilities in O(1) per draw, by Walker's
/// alias method (Vose's construction).
///
/// Build: scale the probabilities by K; pair each "small" entry (< 1) with a
/// "large" one that gives it the rest of its column. Draw: a uniform column,
/// then the column's own index with probability `threshold[column]`, its alias
/// otherwise.
public struct Categorical: Sendable {
  public let count: Int
  @usableFromInline let threshold: [Double]
  @usableFromInline let alias: [Int]

  /// - Precondition: weights finite, non-negative, positive sum (normalised here).
  /// - Complexity: O(K).
  public init(weights: [Double]) {
    precondition(!weights.isEmpty, "at least one category")
    var total = 0.0
    for w in weights {
      precondition(w >= 0 && w.isFinite, "weights must be finite and non-negative")
      total += w
    }
    precondition(total > 0, "weights must have a positive sum")
    let k = weights.count
    var scaled = weights.map { $0 * Double(k) / total }
    var threshold = [Double](repeating: 1, count: k)
    var alias = Array(0..<k)
    var small: [Int] = []
    var large: [Int] = []
    for (i, p) in scaled.enumerated() { if p < 1 { small.append(i) } else { large.append(i) } }
    while let s = small.popLast(), let l = large.last {
      threshold[s] = scaled[s]
      alias[s] = l
      scaled[l] -= 1 - scaled[s]
      if scaled[l] < 1 {
        large.removeLast()
        small.append(l)
      }
    }
    // Leftovers (rounding): their columns keep themselves.
    for i in small + large { threshold[i] = 1 }
    count = k
    self.threshold = threshold
    self.alias = alias
  }

  /// One index drawn with the given probabilities.
  ///
  /// - Complexity: O(1).
  @inlinable
  public func sample(using generator: inout some RandomNumberGenerator) -> Int {
    let u = generator.nextUnitDouble() * Double(count)
    let column = min(Int(u), count - 1)
    return (u - Double(column)) < threshold[column] ? column : alias[column]
  }
}
