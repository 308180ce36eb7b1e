import CVaRAudit
import Distributions

/// A population for simulating sequential audits: K groups with Bernoulli
/// losses of given means, population shares p and weights w.
public struct SequentialScenario: Hashable, Sendable, Codable {
  public var populationShares: [Double]
  public var means: [Double]
  public var configuration: SequentialConfiguration
  /// Observations per run at most.
  public var horizon: Int

  public init(populationShares: [Double], means: [Double], configuration: SequentialConfiguration, horizon: Int) {
    precondition(populationShares.count == means.count && means.count == configuration.groupCount,
                 "one share and one mean per group")
    precondition(means.allSatisfy { (0...1).contains($0) }, "Bernoulli means lie in [0, 1]")
    precondition(horizon > 0, "a positive horizon")
    self.populationShares = populationShares
    self.means = means
    self.configuration = configuration
    self.horizon = horizon
  }

  /// Population shares: equal, or Zipf p_g ∝ 1/(g + 1) (very unbalanced).
  public static func shares(groups k: Int, unbalanced: Bool) -> [Double] {
    let raw = (0..<k).map { unbalanced ? 1 / Double($0 + 1) : 1.0 }
    let total = raw.reduce(0, +)
    return raw.map { $0 / total }
  }

  /// The null of no disparity: every group has loss mean `base`; uniform
  /// weights; tolerance ε0 (0: a violation is any positive CVaR lower bound).
  public static func null(groups k: Int, unbalanced: Bool, base: Double = 0.3, alpha: Double = 0.1,
                          tolerance: Double = 0, delta: Double = 0.05, l2FirstLook: Int?, horizon: Int) -> Self {
    let configuration = SequentialConfiguration(
      groupKeys: (0..<k).map { ["g\($0)"] }, weights: Array(repeating: 1, count: k), alpha: alpha,
      tolerance: tolerance, delta: delta, l2FirstLook: l2FirstLook)
    return Self(populationShares: shares(groups: k, unbalanced: unbalanced), means: Array(repeating: base, count: k),
                configuration: configuration, horizon: horizon)
  }

  /// The composite null at its boundary: a known reference `base`, the
  /// ⌈αK⌉ rarest groups at exactly base + ε0 and the rest at `base`, so that
  /// CVaR_α (uniform w, one-sided) is ε0 when αK is an integer and ≤ ε0
  /// otherwise; no L2 test (it tests the strict null).
  public static func boundaryNull(groups k: Int, unbalanced: Bool, base: Double = 0.3, alpha: Double = 0.1,
                                  tolerance: Double = 0.1, delta: Double = 0.05, horizon: Int) -> Self {
    let configuration = SequentialConfiguration(
      groupKeys: (0..<k).map { ["g\($0)"] }, weights: Array(repeating: 1, count: k), alpha: alpha,
      tolerance: tolerance, delta: delta, reference: .value(base))
    let tail = Int((alpha * Double(k)).rounded(.down))
    let means = (0..<k).map { $0 >= k - tail ? base + tolerance : base }
    return Self(populationShares: shares(groups: k, unbalanced: unbalanced), means: means,
                configuration: configuration, horizon: horizon)
  }

  /// An alternative with a violation: the `tailShare` of groups that are
  /// rarest in the population have loss mean base + `gap`, the others `base`.
  public static func alternative(groups k: Int, unbalanced: Bool, base: Double = 0.3, gap: Double = 0.25,
                                 tailShare: Double = 0.2, alpha: Double = 0.1, tolerance: Double = 0.05,
                                 delta: Double = 0.05, l2FirstLook: Int?, horizon: Int) -> Self {
    let configuration = SequentialConfiguration(
      groupKeys: (0..<k).map { ["g\($0)"] }, weights: Array(repeating: 1, count: k), alpha: alpha,
      tolerance: tolerance, delta: delta, l2FirstLook: l2FirstLook)
    let tail = max(1, Int((tailShare * Double(k)).rounded()))
    let means = (0..<k).map { $0 >= k - tail ? base + gap : base }
    return Self(populationShares: shares(groups: k, unbalanced: unbalanced), means: means,
                configuration: configuration, horizon: horizon)
  }
}

/// What one simulated sequential audit did.
public struct SimulationRun: Hashable, Sendable, Codable {
  public var decision: SequentialDecision
  public var reason: DecisionReason?
  /// Observations at the decision (nil when none was reached in the horizon).
  public var decisionObservation: Int?
  /// Whether a violation was declared at any observation within the horizon.
  public var violationEverDeclared: Bool
  public var observations: Int
  public var exactEvaluations: Int
}

/// Summary over runs of one configuration.
public struct SimulationSummary: Hashable, Sendable, Codable {
  public var runs: Int
  /// Share of runs that ever declared a violation, with its Monte-Carlo
  /// standard error √(p(1−p)/R).
  public var violationRate: Double
  public var violationStandardError: Double
  public var decisions: [String: Int]
  /// Decisions by reason (cvarLowerBound, cvarUpperBound, l2Test, budget).
  public var reasons: [String: Int]
  /// Median and 90th percentile of observations to decision, counting runs
  /// without a decision as the horizon (then `undecided` > 0).
  public var medianObservations: Double
  public var p90Observations: Double
  public var undecided: Int
  public var meanExactEvaluations: Double
}

/// Seeded simulation of sequential audits (METHOD.md section 11).
public enum SequentialSimulation {
  /// One run: the sampler chooses groups, losses are Bernoulli(μ_g). With
  /// `stopAtDecision` false the run continues to the horizon so that a
  /// violation declared after another decision is still counted.
  ///
  /// - Complexity: O(horizon) amortized.
  public static func run(_ scenario: SequentialScenario, sampler kind: SamplerKind, stopAtDecision: Bool,
                         using generator: inout some RandomNumberGenerator, samplerSeed: UInt64) -> SimulationRun {
    var tester = SequentialTester(configuration: scenario.configuration)
    var sampler = GroupSampler(kind: kind, populationShares: scenario.populationShares,
                               weights: scenario.configuration.weights, seed: samplerSeed)
    let means = scenario.means
    for _ in 0..<scenario.horizon {
      guard let g = sampler.next(tester: tester) else { break }
      let loss: Double = generator.nextUnitDouble() < means[g] ? 1 : 0
      tester.observe(group: g, loss: loss)
      if stopAtDecision && tester.decision != .continue { break }
      if !stopAtDecision && tester.violationEverDeclared { break }
    }
    return SimulationRun(decision: tester.decision, reason: tester.reason,
                         decisionObservation: tester.decisionObservation,
                         violationEverDeclared: tester.violationEverDeclared,
                         observations: tester.observations, exactEvaluations: tester.exactEvaluations)
  }

  /// Replicate r of a seeded simulation: Xoshiro256StarStar(seed:stream: 2r + 1)
  /// draws the losses and stream 2r + 2 seeds the sampler, so results do not
  /// depend on how replicates are split over cores.
  public static func run(_ scenario: SequentialScenario, sampler kind: SamplerKind, replicate r: Int, seed: UInt64,
                         stopAtDecision: Bool) -> SimulationRun {
    var generator = Xoshiro256StarStar(seed: seed, stream: UInt64(2 * r + 1))
    var samplerSeeds = Xoshiro256StarStar(seed: seed, stream: UInt64(2 * r + 2))
    return run(scenario, sampler: kind, stopAtDecision: stopAtDecision, using: &generator,
               samplerSeed: samplerSeeds.next())
  }

  /// Replicates 0..<runs (see `run(_:sampler:replicate:seed:stopAtDecision:)`).
  public static func run(_ scenario: SequentialScenario, sampler kind: SamplerKind, runs: Int, seed: UInt64,
                         stopAtDecision: Bool) -> [SimulationRun] {
    (0..<runs).map { run(scenario, sampler: kind, replicate: $0, seed: seed, stopAtDecision: stopAtDecision) }
  }

  public static func summarize(_ runs: [SimulationRun], horizon: Int) -> SimulationSummary {
    precondition(!runs.isEmpty, "at least one run")
    let r = Double(runs.count)
    let rate = Double(runs.filter(\.violationEverDeclared).count) / r
    var decisions: [String: Int] = [:]
    var reasons: [String: Int] = [:]
    for run in runs {
      decisions[run.decision.rawValue, default: 0] += 1
      if let reason = run.reason { reasons[reason.rawValue, default: 0] += 1 }
    }
    let times = runs.map { Double($0.decisionObservation ?? horizon) }.sorted()
    func quantile(_ q: Double) -> Double {
      // The smallest value with at least a share q of runs at or below it.
      let index = max(0, Int((q * r).rounded(.up)) - 1)
      return times[min(index, times.count - 1)]
    }
    return SimulationSummary(
      runs: runs.count, violationRate: rate, violationStandardError: (rate * (1 - rate) / r).squareRoot(),
      decisions: decisions, reasons: reasons, medianObservations: quantile(0.5), p90Observations: quantile(0.9),
      undecided: runs.filter { $0.decisionObservation == nil }.count,
      meanExactEvaluations: runs.map { Double($0.exactEvaluations) }.reduce(0, +) / r)
  }
}
