/// Adjusted p-values for testing many groups at once.
public enum MultipleTesting {
  /// Holm's step-down adjustment (controls the family-wise error rate):
  ///
  ///     p̃_(i) = max_{j ≤ i} min(1, (m − j + 1) p_(j))
  ///
  /// for the p-values sorted increasingly, returned in the input order.
  ///
  /// - Complexity: O(m log m).
  public static func holm(_ p: [Double]) -> [Double] {
    let m = p.count
    let order = p.indices.sorted { p[$0] < p[$1] || (p[$0] == p[$1] && $0 < $1) }
    var adjusted = [Double](repeating: 0, count: m)
    var running = 0.0
    for (j, i) in order.enumerated() {
      running = max(running, min(1, Double(m - j) * p[i]))
      adjusted[i] = running
    }
    return adjusted
  }

  /// The Benjamini–Hochberg step-up adjustment (controls the false discovery
  /// rate under independence or positive dependence):
  ///
  ///     p̃_(i) = min_{j ≥ i} min(1, m p_(j) / j)
  ///
  /// returned in the input order.
  ///
  /// - Complexity: O(m log m).
  public static func benjaminiHochberg(_ p: [Double]) -> [Double] {
    let m = p.count
    let order = p.indices.sorted { p[$0] < p[$1] || (p[$0] == p[$1] && $0 < $1) }
    var adjusted = [Double](repeating: 0, count: m)
    var running = 1.0
    for j in stride(from: m - 1, through: 0, by: -1) {
      let i = order[j]
      running = min(running, min(1, Double(m) * p[i] / Double(j + 1)))
      adjusted[i] = running
    }
    return adjusted
  }
}
