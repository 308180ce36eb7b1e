import CVaRAudit
import Distributions
import LinearAlgebra

/// One test over several binary metrics at once (e.g. fpr and fnr).
///
/// Each group g has a vector of disparities d_g = (μ̂_gm − r_m)_m against the
/// pooled rates r_m. Its covariance under H0 (rows exchangeable across
/// groups) is estimated from the pooled rows, which a permutation does not
/// change:
///
///     C_g[m, m'] = c_mm' · n_g(m∧m') / (n_gm · n_gm')
///
/// with n_gm the group's rows eligible for metric m, n_g(m∧m') those eligible
/// for both, and c_mm' the pooled covariance of the two losses over the rows
/// eligible for both (metrics that share rows are correlated; fpr and fnr
/// share none). The statistic whitens each vector with the Cholesky factor
/// C_g = L_g L_gᵀ (LAPACK `dpotrf`, then a triangular solve):
///
///     T = Σ_g w_g ‖L_g⁻¹ d_g‖²
///
/// over the groups where every metric has an eligible row and C_g is
/// positive definite (the others add 0). It is calibrated by permuting whole
/// rows: the groups' 2×2 confusion counts become a random table with fixed
/// margins (group sizes × pooled cell counts), a four-colour multivariate
/// hypergeometric draw per group, without touching the rows. p is exact.
public struct JointPermutationTest: Sendable {
  public let metrics: [Metric]
  /// K × 4 confusion counts (index 4g + 2y + ŷ).
  public let confusion: [Int]
  /// w_g (normalised).
  public let weights: [Double]
  let eligible: [[Bool]]
  let loss: [[Bool]]
  let pooledRates: [Double]
  let pooledCovariance: [Double]

  /// - Precondition: binary metrics; `confusion.count == 4 · weights.count`.
  public init(metrics: [Metric], confusion: [Int], weights: [Double]) {
    precondition(metrics.allSatisfy(\.isBinary), "binary metrics only")
    precondition(confusion.count == 4 * weights.count, "four counts per group")
    self.metrics = metrics
    self.confusion = confusion
    let total = weights.reduce(0, +)
    self.weights = weights.map { $0 / total }
    // Eligibility and loss of each metric on the four cells (2y + ŷ).
    eligible = metrics.map { m in (0..<4).map { cell in m.statistics(confusion: Self.unit(cell)).count == 1 } }
    loss = metrics.map { m in (0..<4).map { cell in m.statistics(confusion: Self.unit(cell)).sum == 1 } }
    var pooled = [Int](repeating: 0, count: 4)
    for i in confusion.indices { pooled[i % 4] += confusion[i] }
    let m = metrics.count
    var rates = [Double](repeating: .nan, count: m)
    var covariance = [Double](repeating: 0, count: m * m)
    for i in 0..<m {
      for j in 0..<m {
        var rows = 0, li = 0, lj = 0, both = 0
        for cell in 0..<4 where eligible[i][cell] && eligible[j][cell] {
          rows += pooled[cell]
          if loss[i][cell] { li += pooled[cell] }
          if loss[j][cell] { lj += pooled[cell] }
          if loss[i][cell] && loss[j][cell] { both += pooled[cell] }
        }
        guard rows > 0 else { continue }
        let n = Double(rows)
        covariance[i * m + j] = Double(both) / n - Double(li) / n * Double(lj) / n
        if i == j { rates[i] = Double(li) / n }
      }
    }
    pooledRates = rates
    pooledCovariance = covariance
  }

  static func unit(_ cell: Int) -> (Int, Int, Int, Int) {
    (cell == 0 ? 1 : 0, cell == 1 ? 1 : 0, cell == 2 ? 1 : 0, cell == 3 ? 1 : 0)
  }

  /// ‖L_g⁻¹ d_g‖² for one group's counts; nil when a metric has no eligible
  /// row or C_g is not positive definite.
  ///
  /// - Complexity: O(M³).
  public func whitenedSquare(_ c: ArraySlice<Int>) -> Double? {
    let m = metrics.count
    let base = c.startIndex
    var n = [Double](repeating: 0, count: m)
    var d = [Double](repeating: 0, count: m)
    for i in 0..<m {
      var rows = 0, losses = 0
      for cell in 0..<4 where eligible[i][cell] {
        rows += c[base + cell]
        if loss[i][cell] { losses += c[base + cell] }
      }
      guard rows > 0 else { return nil }
      n[i] = Double(rows)
      d[i] = Double(losses) / Double(rows) - pooledRates[i]
    }
    var cov = [Double](repeating: 0, count: m * m)
    for i in 0..<m {
      for j in 0..<m {
        var both = 0
        for cell in 0..<4 where eligible[i][cell] && eligible[j][cell] { both += c[base + cell] }
        cov[i * m + j] = pooledCovariance[i * m + j] * Double(both) / (n[i] * n[j])
      }
    }
    guard let l = try? LAPACK.cholesky(n: m, cov) else { return nil }
    BLAS.solveLowerTriangular(n: m, l, &d)
    return BLAS.dot(d, d)
  }

  /// T = Σ_g w_g ‖L_g⁻¹ d_g‖² of a K × 4 table.
  ///
  /// - Complexity: O(K·M³).
  public func statistic(_ table: [Int]) -> Double {
    var t = 0.0
    for g in weights.indices {
      if let q = whitenedSquare(table[(4 * g)..<(4 * g + 4)]) { t += weights[g] * q }
    }
    return t
  }

  /// The observed T.
  public var observed: Double { statistic(confusion) }

  /// The permutation p-value: permutation b deals the rows with its own
  /// stream `Xoshiro256StarStar(seed: seed, stream: b + 1)`.
  ///
  /// - Complexity: O(B·K·M³).
  public func pValue(permutations: Int, seed: UInt64) -> PermutationPValue {
    precondition(permutations >= 1, "at least one permutation")
    let k = weights.count
    let sizes = (0..<k).map { g in confusion[(4 * g)..<(4 * g + 4)].reduce(0, +) }
    var cells = [Int](repeating: 0, count: 4)
    for i in confusion.indices { cells[i % 4] += confusion[i] }
    let observed = self.observed
    let slack = 1e-9 * abs(observed) + 1e-12
    var table = [Int](repeating: 0, count: 4 * k)
    var exceedances = 0
    sizes.withUnsafeBufferPointer { rows in
      for b in 0..<permutations {
        var generator = Xoshiro256StarStar(seed: seed, stream: UInt64(b) + 1)
        table.withUnsafeMutableBufferPointer {
          MultivariateHypergeometric.sampleTable(rowTotals: rows, columnTotals: cells, into: $0, using: &generator)
        }
        if statistic(table) >= observed - slack { exceedances += 1 }
      }
    }
    return PermutationPValue(exceedances: exceedances, permutations: permutations)
  }
}
