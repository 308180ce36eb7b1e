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

  /// The reference of a simulated audit: the population reference with the
  /// scenario's shares (valid with every sampler) unless `pooled` is asked for.
  static func reference(pooled: Bool, shares: [Double]) -> SequentialReference {
    pooled ? .pooled : .population(shares)
  }

  /// The null of no disparity: every group has loss mean `base`; uniform
  /// weights, or the population shares when `weightsFromShares` (the
  /// weights of the flat-tail, single and spread cells; with tolerance 0 and
  /// the population reference the null is then exactly no disparity, so the
  /// violation e-value is the averaged one of
  /// `SequentialConfiguration.toleranceNullIsNoDisparity`); tolerance ε0 (0:
  /// a violation is any positive CVaR lower bound).
  public static func null(groups k: Int, unbalanced: Bool, base: Double = 0.3, alpha: Double = 0.1,
                          tolerance: Double = 0, delta: Double = 0.05, l2FirstLook: Int?, horizon: Int,
                          pooledReference: Bool = false, weightsFromShares: Bool = false) -> Self {
    let p = shares(groups: k, unbalanced: unbalanced)
    let configuration = SequentialConfiguration(
      groupKeys: (0..<k).map { ["g\($0)"] }, weights: weightsFromShares ? p : Array(repeating: 1, count: k), alpha: alpha,
      tolerance: tolerance, delta: delta, reference: reference(pooled: pooledReference, shares: p),
      l2FirstLook: l2FirstLook)
    return Self(populationShares: p, means: Array(repeating: base, count: k),
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

  /// The tail groups' loss-mean gap over `base` in the alternative: the
  /// `tailShare` of groups that are rarest in the population (at least one).
  /// Whether it is a violation depends on the gap: see `trueCVaR`.
  public static func alternative(groups k: Int, unbalanced: Bool, base: Double = 0.3, gap: Double = 0.25,
                                 tailShare: Double = 0.2, alpha: Double = 0.1, tolerance: Double = 0.05,
                                 delta: Double = 0.05, l2FirstLook: Int?, horizon: Int,
                                 pooledReference: Bool = false) -> Self {
    let p = shares(groups: k, unbalanced: unbalanced)
    let configuration = SequentialConfiguration(
      groupKeys: (0..<k).map { ["g\($0)"] }, weights: Array(repeating: 1, count: k), alpha: alpha,
      tolerance: tolerance, delta: delta, reference: reference(pooled: pooledReference, shares: p),
      l2FirstLook: l2FirstLook)
    let tail = max(1, Int((tailShare * Double(k)).rounded()))
    let means = (0..<k).map { $0 >= k - tail ? base + gap : base }
    return Self(populationShares: p, means: means, configuration: configuration, horizon: horizon)
  }

  /// CVaR_α^w of the true disparities, against the population mean Σ p_g μ_g
  /// (a known reference: its value). A `violation` is only correct when this
  /// exceeds ε0.
  public var trueCVaR: Double {
    let c = configuration
    let reference: Double
    if case .value(let v) = c.reference {
      reference = v
    } else {
      reference = zip(populationShares, means).reduce(0) { $0 + $1.0 * $1.1 }
    }
    let disparities = means.map { c.disparity.disparity($0, reference: reference) }
    return CVaR.value(of: disparities, weights: c.weights, alpha: c.alpha)
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
  /// Whether the L2 test rejected no disparity at any look within the horizon.
  public var disparityEverDetected: Bool
  public var observations: Int
  public var exactEvaluations: Int
}

/// Summary over runs of one configuration.
public struct SimulationSummary: Hashable, Sendable, Codable {
  public var runs: Int
  /// Share of runs that ever declared a violation (CVaR > ε0), with its
  /// Monte-Carlo standard error √(p(1−p)/R): the error rate under the
  /// composite null CVaR ≤ ε0.
  public var violationRate: Double
  public var violationStandardError: Double
  /// Share of runs in which the L2 test ever rejected no disparity.
  public var disparityDetectedRate: Double
  /// Share of runs with either rejection, and its standard error: the error
  /// rate under the null of no disparity.
  public var rejectionRate: Double
  public var rejectionStandardError: Double
  /// Decisions by name (continue, violation, withinTolerance,
  /// disparityDetected, budgetExhausted).
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

/// The shape of the two-stage sampler's blocks in a simulation: m rows per
/// drawn group and r blocks per round of `BlockVarianceEProcess`.
public struct TwoStageBlocks: Hashable, Sendable, Codable {
  public var rows: Int
  public var perRound: Int

  /// - Precondition: m ≥ 2, r ≥ 2.
  public init(rows: Int = 64, perRound: Int = BlockVarianceEProcess.defaultBlocksPerRound) {
    precondition(rows >= 2 && perRound >= 2, "two rows per block and two blocks per round at least")
    self.rows = rows
    self.perRound = perRound
  }
}

/// Seeded simulation of sequential audits (docs/method.md §11).
public enum SequentialSimulation {
  /// One run: the sampler chooses groups, losses are Bernoulli(μ_g). With
  /// `stopAtDecision` false the run continues to the horizon (or until both
  /// a violation and, with the L2 test, a detected disparity have happened)
  /// so that a rejection after another decision is still counted.
  ///
  /// - Complexity: O(horizon) amortized.
  public static func run(_ scenario: SequentialScenario, sampler kind: SamplerKind, stopAtDecision: Bool,
                         using generator: inout some RandomNumberGenerator, samplerSeed: UInt64,
                         blocks: TwoStageBlocks = TwoStageBlocks()) -> SimulationRun {
    var sampler = GroupSampler(kind: kind, populationShares: scenario.populationShares,
                               weights: scenario.configuration.weights, seed: samplerSeed, rowsPerGroup: blocks.rows)
    var tester = SequentialTester(configuration: scenario.configuration, design: sampler.design,
                                  blockRows: kind == .twoStage ? blocks.rows : nil, blocksPerRound: blocks.perRound)
    var revision = sampler.designRevision
    let means = scenario.means
    for _ in 0..<scenario.horizon {
      guard let g = sampler.next(tester: tester) else { break }
      if sampler.designRevision != revision {
        tester.setDesign(sampler.design)
        revision = sampler.designRevision
      }
      let loss: Double = generator.nextUnitDouble() < means[g] ? 1 : 0
      tester.observe(group: g, loss: loss, endsUnit: sampler.lastDrawEndsUnit)
      if stopAtDecision && tester.decision != .continue { break }
      if !stopAtDecision && tester.violationEverDeclared
        && (scenario.configuration.l2FirstLook == nil || tester.disparityEverDetected) { break }
    }
    return SimulationRun(decision: tester.decision, reason: tester.reason,
                         decisionObservation: tester.decisionObservation,
                         violationEverDeclared: tester.violationEverDeclared,
                         disparityEverDetected: tester.disparityEverDetected,
                         observations: tester.observations, exactEvaluations: tester.exactEvaluations)
  }

  /// Replicate r of a seeded simulation: Xoshiro256StarStar(seed:stream: 2r + 1)
  /// draws the losses and stream 2r + 2 seeds the sampler, so results do not
  /// depend on how replicates are split over cores.
  public static func run(_ scenario: SequentialScenario, sampler kind: SamplerKind, replicate r: Int, seed: UInt64,
                         stopAtDecision: Bool, blocks: TwoStageBlocks = TwoStageBlocks()) -> SimulationRun {
    var generator = Xoshiro256StarStar(seed: seed, stream: UInt64(2 * r + 1))
    var samplerSeeds = Xoshiro256StarStar(seed: seed, stream: UInt64(2 * r + 2))
    return run(scenario, sampler: kind, stopAtDecision: stopAtDecision, using: &generator,
               samplerSeed: samplerSeeds.next(), blocks: blocks)
  }

  /// Replicates 0..<runs (see `run(_:sampler:replicate:seed:stopAtDecision:blocks:)`).
  public static func run(_ scenario: SequentialScenario, sampler kind: SamplerKind, runs: Int, seed: UInt64,
                         stopAtDecision: Bool, blocks: TwoStageBlocks = TwoStageBlocks()) -> [SimulationRun] {
    (0..<runs).map { run(scenario, sampler: kind, replicate: $0, seed: seed, stopAtDecision: stopAtDecision, blocks: blocks) }
  }

  /// A validity run of the betting method that runs its e-processes alone
  /// (`BettingProcesses`), without the confidence sequences: under the
  /// betting method a violation or a detected disparity depends only on the
  /// e-processes (the sequences only certify `withinTolerance`), so
  /// `violationEverDeclared` and `disparityEverDetected` are those of
  /// `run(_:sampler:replicate:seed:stopAtDecision:blocks:)` with
  /// `stopAtDecision` false, draw for draw (the sampler and the losses use
  /// the same streams), at a fraction of the cost. `decision` is `violation`,
  /// `disparityDetected` or `continue` (no `withinTolerance`, which needs the
  /// sequences); `exactEvaluations` is 0.
  ///
  /// - Precondition: the betting method.
  /// - Complexity: O(horizon) amortized.
  public static func runEProcesses(_ scenario: SequentialScenario, sampler kind: SamplerKind, replicate r: Int,
                                   seed: UInt64, blocks: TwoStageBlocks = TwoStageBlocks()) -> SimulationRun {
    let configuration = scenario.configuration
    precondition(configuration.method == .betting, "the e-processes of the betting method")
    var generator = Xoshiro256StarStar(seed: seed, stream: UInt64(2 * r + 1))
    var samplerSeeds = Xoshiro256StarStar(seed: seed, stream: UInt64(2 * r + 2))
    var sampler = GroupSampler(kind: kind, populationShares: scenario.populationShares, weights: configuration.weights,
                               seed: samplerSeeds.next(), rowsPerGroup: blocks.rows)
    var processes = BettingProcesses(configuration: configuration, design: sampler.design,
                                     blockRows: kind == .twoStage ? blocks.rows : nil, blocksPerRound: blocks.perRound)
    var revision = sampler.designRevision
    let means = scenario.means
    var observations = 0
    var violationAt: Int?
    var disparityAt: Int?
    for _ in 0..<scenario.horizon {
      guard let g = kind == .adaptive ? sampler.next(betting: processes.cvar, partner: processes.violationL2) : sampler.nextFromDesign() else { break }
      if sampler.designRevision != revision {
        processes.setDesign(sampler.design)
        revision = sampler.designRevision
      }
      let loss: Double = generator.nextUnitDouble() < means[g] ? 1 : 0
      processes.observe(group: g, loss: loss, endsUnit: sampler.lastDrawEndsUnit)
      observations += 1
      if violationAt == nil && processes.violationRejected { violationAt = observations }
      if disparityAt == nil && processes.disparityRejected { disparityAt = observations }
      if violationAt != nil && (configuration.l2FirstLook == nil || disparityAt != nil) { break }
    }
    let first = [violationAt, disparityAt].compactMap { $0 }.min()
    let decision: SequentialDecision = first == nil ? .continue : (first == violationAt ? .violation : .disparityDetected)
    return SimulationRun(decision: decision, reason: first == nil ? nil : (decision == .violation ? .eProcess : .l2Test),
                         decisionObservation: first, violationEverDeclared: violationAt != nil,
                         disparityEverDetected: disparityAt != nil, observations: observations, exactEvaluations: 0)
  }

  public static func summarize(_ runs: [SimulationRun], horizon: Int) -> SimulationSummary {
    precondition(!runs.isEmpty, "at least one run")
    let r = Double(runs.count)
    let rate = Double(runs.filter(\.violationEverDeclared).count) / r
    let detected = Double(runs.filter(\.disparityEverDetected).count) / r
    let rejected = Double(runs.filter { $0.violationEverDeclared || $0.disparityEverDetected }.count) / r
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
      disparityDetectedRate: detected, rejectionRate: rejected,
      rejectionStandardError: (rejected * (1 - rejected) / r).squareRoot(),
      decisions: decisions, reasons: reasons, medianObservations: quantile(0.5), p90Observations: quantile(0.9),
      undecided: runs.filter { $0.decisionObservation == nil }.count,
      meanExactEvaluations: runs.map { Double($0.exactEvaluations) }.reduce(0, +) / r)
  }
}
