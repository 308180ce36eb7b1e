// Statistics suite: the weighted CVaR of 10⁶ groups (sort-based, exact) and
// Rényi entropies of 10⁶ weights.
import Benchmark
import BenchmarkData
import BenchmarkTolerances
import CVaRAudit

/// 10⁶ disparities and positive weights from SyntheticRows' generator.
typealias GroupValues = (values: [Double], weights: [Double])

func groupValues(_ k: Int, seed: UInt64) -> GroupValues {
  var values: [Double] = []
  var weights: [Double] = []
  values.reserveCapacity(k)
  weights.reserveCapacity(k)
  for i in 0..<k {
    let a = SyntheticRows.mix(seed &+ (UInt64(2 * i) &+ 1) &* SyntheticRows.gamma)
    let b = SyntheticRows.mix(seed &+ (UInt64(2 * i) &+ 2) &* SyntheticRows.gamma)
    values.append(Double(a >> 11) * 0x1p-53 - 0.5)
    weights.append(Double(b >> 11) * 0x1p-53 + 1e-3)
  }
  return (values, weights)
}

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .mallocCountTotal],
    warmupIterations: 1,
    maxDuration: .seconds(2),
    maxIterations: 20,
    thresholds: Tolerances.standard([.wallClock, .mallocCountTotal])
  )
  let k = 1_000_000

  Benchmark(thresholdName("CVaR.tail, weighted (1e6 groups, alpha 0.1)")) { (_: Benchmark, data: GroupValues) in
    blackHole(CVaR.tail(of: data.values, weights: data.weights, alpha: 0.1))
  } setup: {
    groupValues(k, seed: 7)
  }

  Benchmark(thresholdName("CVaR.tail, uniform weights (1e6 groups, alpha 0.05)")) { (_: Benchmark, data: GroupValues) in
    blackHole(CVaR.tail(of: data.values, weights: data.weights, alpha: 0.05))
  } setup: {
    GroupValues(values: groupValues(k, seed: 8).values, weights: [Double](repeating: 1, count: k))
  }

  Benchmark(thresholdName("Renyi entropy H_2/3 and norm_2/3 (1e6 groups)")) { (_: Benchmark, data: [Double]) in
    blackHole(RenyiEntropy.entropy(data, order: 2.0 / 3))
    blackHole(RenyiEntropy.norm23(data))
  } setup: {
    groupValues(k, seed: 9).weights
  }

  Benchmark(thresholdName("Renyi entropy H_0, H_1, H_2, H_inf (1e6 groups)")) { (_: Benchmark, data: [Double]) in
    for order in [0, 1, 2, Double.infinity] { blackHole(RenyiEntropy.entropy(data, order: order)) }
  } setup: {
    groupValues(k, seed: 10).weights
  }
}
