// Planning suite: the sample-size planner (closed form, O(K)) and one
// replicate batch of the simulation engine (ReplicateSimulator.scores).
import Benchmark
import BenchmarkTolerances
import CVaRAudit
import CVaRPlanning

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .mallocCountTotal],
    warmupIterations: 1,
    maxDuration: .seconds(2),
    maxIterations: 50,
    thresholds: Tolerances.standard([.wallClock, .mallocCountTotal])
  )

  // The planner takes tens of microseconds at K = 256: up to 2,000
  // iterations, so that a few descheduled ones on the shared machine do not
  // make the p90 (with 50 iterations, 5 slow ones did: 45 → 96 µs).
  for k in [256, 65_536] {
    Benchmark(thresholdName("SamplePlanner.plan (K=\(k), alpha 0.1)"),
              configuration: .init(maxDuration: .seconds(2), maxIterations: 2_000)) { _ in
      let shares = (0..<k).map { 1.0 + Double($0 % 7) }
      let weights = [Double](repeating: 1, count: k)
      let problem = PlanningProblem(shares: shares, weights: weights, alpha: 0.1, epsilon: 0.05, delta: 0.05, power: 0.8)
      blackHole(SamplePlanner.plan(problem))
    }
  }

  // One replicate batch: 16 replicates (one block, one random stream) of an
  // L2 test audit of K = 256 groups with n = 100,000 rows, single-threaded
  // so that the figure does not depend on the machine's free cores.
  let k = 256
  let design = SimulationDesign(
    shares: [Double](repeating: 1, count: k), weights: [Double](repeating: 1, count: k),
    test: .l2, sampler: .iid, calibration: .bound, delta: 0.05)
  let rates = (0..<k).map { 0.2 + 0.1 * Double($0) / Double(k) }
  Benchmark(
    thresholdName("ReplicateSimulator.scores, one batch (16 replicates, K=256, n=1e5, iid, l2)"),
    configuration: .init(metrics: [.wallClock, .mallocCountTotal, Tolerances.observationsPerSecond],
                         thresholds: Tolerances.standard([.wallClock, .mallocCountTotal, Tolerances.observationsPerSecond]))
  ) { benchmark in
    let start = ContinuousClock.now
    blackHole(ReplicateSimulator.scores(design: design, rates: rates, samples: 100_000,
                                        replicates: ReplicateSimulator.blockSize, seed: 1, parallel: false))
    // Simulated rows per second.
    Tolerances.report(benchmark, Tolerances.observationsPerSecond,
                      amount: Double(ReplicateSimulator.blockSize * 100_000), since: start)
  }
}
