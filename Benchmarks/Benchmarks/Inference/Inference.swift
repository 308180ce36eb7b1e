// Inference suite: the exact permutation test (B = 9,999 permutations,
// K = 4,096 groups; the l2 statistic, which is the default, and the plug-in
// CVaR, which compare/compare.py times against numpy's
// multivariate_hypergeometric loop) and the sequential tester
// (observations per second through SequentialTester.observe, K = 1,024).
import Benchmark
import BenchmarkData
import BenchmarkTolerances
import CVaRAudit
import CVaRInference
import CVaRSequential
import Distributions

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .mallocCountTotal],
    warmupIterations: 0,
    maxDuration: .seconds(2),
    maxIterations: 20,
    thresholds: Tolerances.standard([.wallClock, .mallocCountTotal])
  )

  // The permutation test on the error counts of 10⁶ synthetic rows (the
  // data of compare.py), uniform weights, one-sided against the pooled rate.
  // One iteration takes seconds, so each benchmark runs it once or twice.
  let permutations = 9_999
  let k = 4_096
  for statistic in [TestStatistic.l2, .cvar] {
    Benchmark(
      thresholdName("CountPermutationTest.pValue, \(statistic) (B=9999, K=4096, permutations/s)"),
      configuration: .init(
        metrics: [.wallClock, .mallocCountTotal, Tolerances.permutationsPerSecond],
        maxDuration: .seconds(1), maxIterations: 2,
        thresholds: Tolerances.standard([.wallClock, .mallocCountTotal, Tolerances.permutationsPerSecond]))
    ) { (benchmark: Benchmark, test: CountPermutationTest) in
      let start = ContinuousClock.now
      blackHole(test.pValue(permutations: permutations, seed: 1))
      Tolerances.report(benchmark, Tolerances.permutationsPerSecond, amount: Double(permutations), since: start)
    } setup: {
      let c = SyntheticRows.columns(rows: 1_000_000, groups: k, seed: 1)
      let table = GroupTable.aggregate(attributes: ["group"], keys: SyntheticRows.keys(groups: k),
                                       groupIDs: c.groupIDs, labels: c.labels, predictions: c.predictions)
      var sizes = [Int](repeating: 0, count: k)
      var errors = [Int](repeating: 0, count: k)
      for g in 0..<k {
        let (tn, fp, fn, tp) = table.confusionCounts(group: g)
        sizes[g] = tn + fp + fn + tp
        errors[g] = fp + fn
      }
      let pooled = Double(errors.reduce(0, +)) / Double(sizes.reduce(0, +))
      return CountPermutationTest(statistic: statistic, sizes: sizes, counts: errors,
                                  weights: [Double](repeating: 1, count: k), reference: .fixed(pooled),
                                  disparity: .oneSided, alpha: 0.1)
    }
  }

  // The sequential tester: 10⁶ observations drawn beforehand (Zipf group
  // shares, Bernoulli(0.3) losses: the null), timed through `observe` alone,
  // without and with the sequential L2 test (as scripts/sequential_throughput.sh).
  let observations = 1_000_000
  for l2FirstLook in [nil, 256] as [Int?] {
    Benchmark(
      thresholdName("SequentialTester.observe (K=1024, \(l2FirstLook == nil ? "CVaR bound only" : "with L2 looks"), observations/s)"),
      configuration: .init(
        metrics: [.wallClock, .mallocCountTotal, Tolerances.observationsPerSecond],
        thresholds: Tolerances.standard([.wallClock, .mallocCountTotal, Tolerances.observationsPerSecond]))
    ) { (benchmark: Benchmark, stream: ObservationStream) in
      let start = ContinuousClock.now
      var tester = SequentialTester(configuration: stream.configuration)
      for i in 0..<stream.groups.count { tester.observe(group: stream.groups[i], loss: stream.losses[i]) }
      blackHole(tester.decision)
      Tolerances.report(benchmark, Tolerances.observationsPerSecond, amount: Double(observations), since: start)
    } setup: {
      let scenario = SequentialScenario.null(groups: 1_024, unbalanced: true, tolerance: 0.05,
                                             l2FirstLook: l2FirstLook, horizon: observations)
      var generator = Xoshiro256StarStar(seed: 1, stream: 0x7E57)
      let table = Categorical(weights: scenario.populationShares)
      var groups = [Int](repeating: 0, count: observations)
      var losses = [Double](repeating: 0, count: observations)
      for i in 0..<observations {
        groups[i] = table.sample(using: &generator)
        losses[i] = generator.nextUnitDouble() < scenario.means[groups[i]] ? 1 : 0
      }
      return ObservationStream(configuration: scenario.configuration, groups: groups, losses: losses)
    }
  }
}

struct ObservationStream {
  var configuration: SequentialConfiguration
  var groups: [Int]
  var losses: [Double]
}
