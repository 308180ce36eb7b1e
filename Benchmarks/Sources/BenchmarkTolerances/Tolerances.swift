import Benchmark
import Foundation

/// A benchmark name as the threshold files spell it. ordo-one/benchmark 1.38.1
/// writes `Thresholds/<target>.<name>.p90.json` with spaces and slashes of the
/// name replaced by underscores, but looks the files up by the raw name, so a
/// name with a space or a slash never finds its thresholds. Naming the
/// benchmarks this way makes the two agree.
public func thresholdName(_ name: String) -> String {
  name.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: " ", with: "_")
}

/// The metrics and threshold tolerances shared by every suite.
///
/// The machine that records Thresholds/ is a shared 2-core box, so wall-clock
/// tolerances are wide: a check fails when a benchmark runs more than twice as
/// slow as the stored p90 (throughput below half of it). Allocation counts are
/// deterministic, so they get a tight absolute tolerance.
public enum Tolerances {
  /// Megabytes (10⁶ bytes) of input per second.
  public static let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
  /// Millions of rows per second.
  public static let megarowsPerSecond = BenchmarkMetric.custom("Mrows/s", polarity: .prefersLarger, useScalingFactor: false)
  /// Observations per second.
  public static let observationsPerSecond = BenchmarkMetric.custom("observations/s", polarity: .prefersLarger, useScalingFactor: false)
  /// Permutations per second.
  public static let permutationsPerSecond = BenchmarkMetric.custom("permutations/s", polarity: .prefersLarger, useScalingFactor: false)

  /// Tolerances for the given metrics (only those, so that ordo-one does not
  /// warn about thresholds for metrics a benchmark does not record).
  public static func standard(_ metrics: [BenchmarkMetric]) -> [BenchmarkMetric: BenchmarkThresholds] {
    let throughput = BenchmarkThresholds(relative: [.p90: 50])
    let all: [BenchmarkMetric: BenchmarkThresholds] = [
      .wallClock: BenchmarkThresholds(relative: [.p90: 100]),
      .mallocCountTotal: BenchmarkThresholds(absolute: [.p90: 4]),
      megabytesPerSecond: throughput,
      megarowsPerSecond: throughput,
      observationsPerSecond: throughput,
      permutationsPerSecond: throughput,
    ]
    return all.filter { metrics.contains($0.key) }
  }

  /// Records `amount` (MB, millions of rows, …) divided by the seconds since `start`.
  public static func report(_ benchmark: Benchmark, _ metric: BenchmarkMetric, amount: Double,
                            since start: ContinuousClock.Instant) {
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    benchmark.measurement(metric, Int((amount / max(seconds, 1e-9)).rounded()))
  }
}
