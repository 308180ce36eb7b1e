import ArgumentParser
import CVaRAudit
import CVaRPlanning
import CVaRSequential
import Dispatch
import Distributions
import Foundation

/// `cvar-audit simulate-sequential`: the seeded simulations behind the README
/// tables (validity under continuous monitoring, observations to decision)
/// and the tester's throughput. Used by Benchmarks/scripts/sequential_validity.sh
/// and Benchmarks/scripts/sequential_throughput.sh.
struct SimulateSequentialCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate-sequential",
    abstract: "Simulate sequential audits (validity, observations to decision) or time the tester.",
    discussion: """
      Scenarios (Bernoulli losses, uniform weights): null — every group has loss mean 0.3 \
      (no disparity; tolerance 0 unless given); boundary — known reference 0.3, the ⌊αK⌋ \
      rarest groups at 0.3 + ε0 (CVaR = ε0, the edge of the composite null); alternative — the \
      rarest 20% of groups at 0.3 + --gap (default 0.25), the others at 0.3 (a violation only \
      when trueCVaR in the output exceeds the tolerance). Population shares are equal, or Zipf \
      p_g ∝ 1/(g+1) with --unbalanced. The reference is the population mean Σ p_g μ_g \
      (--reference pooled: the pooled sequence, valid only with --sampler iid). Null and \
      boundary runs go on to the horizon and count runs that EVER declare a violation \
      (violationRate) or, with --l2-test, a detected disparity (disparityDetectedRate; either: \
      rejectionRate), checked after every observation; alternative runs stop at the decision. \
      Prints one JSON object.
      """,
    shouldDisplay: false
  )

  enum Scenario: String, ExpressibleByArgument, CaseIterable {
    case null, boundary, alternative
    /// The fixed-sample study's alternatives (`simulate --alternatives single,flat-tail,spread`).
    case flatTail = "flat-tail"
    case single, spread

    /// The fixed-sample study's alternative of this scenario, if it is one.
    var studyAlternative: Alternative? {
      switch self {
      case .flatTail: .flatTail
      case .single: .singleGroup
      case .spread: .spread
      case .null, .boundary, .alternative: nil
      }
    }
  }
  enum Reference: String, ExpressibleByArgument, CaseIterable { case population, pooled }

  @Option var scenario: Scenario = .null
  @Option(range: .groups, help: "Groups K.") var groups: Int = 64
  @Flag var unbalanced = false
  @Flag(name: .customLong("weights-from-shares"),
        help: "null: audit weights equal to the population shares (as in flat-tail, single, spread) instead of uniform.")
  var weightsFromShares = false
  @Option var sampler: SamplerKind = .iid
  @Option(range: .replicates, help: "Runs.") var runs: Int = 100
  @Option(range: .integers(1, 100_000_000), help: "Observations per run.") var horizon: Int = 100_000
  @Option(range: .seed, help: "Seed.") var seed: UInt64 = 1
  @Option(range: .alpha, help: "CVaR level α.") var alpha: Double = 0.1
  @Option(range: .probability, help: "δ.") var delta: Double = 0.05
  @Option(range: .disparity, help: "Tolerance ε0.") var tolerance: Double?
  @Option(range: .real(0, 0.7, lowerClosed: false), help: "Alternative: loss-mean gap of the rarest 20% of groups (their mean is 0.3 + gap).") var gap: Double = 0.25
  @Option(range: .real(0, 1, lowerClosed: false), help: "flat-tail, single, spread: ε of the alternative (as in simulate).") var epsilon: Double = 0.1
  @Option(range: .zipfExponent, help: "flat-tail, single, spread: Zipf exponent S of the group shares p_g ∝ 1/g^S (0: uniform); the audit weights equal the shares, as in simulate.")
  var zipf: Double = 0
  @Flag(name: .customLong("l2-test")) var l2Test = false
  @Option(help: "Reference: population or pooled.") var reference: Reference = .population
  @Option(name: .customLong("l2-first-look"), range: .firstLook, help: "First look of the L2 test.") var l2FirstLook: Int = 256
  @Option(help: "How a violation is decided: betting (e-process on the pooled CVaR contrast) or confidence-sequence (group sequences at δ/K).")
  var method: SequentialMethod = .betting
  @Option(help: "Betting strategy: mixture or agrapa.") var strategy: BettingStrategy = .agrapa
  @Option(name: .customLong("rows-per-group"), range: .rowsPerGroup, help: "Rows per drawn group for --sampler two-stage.", valueName: "m")
  var rowsPerGroup: Int = 64
  @Option(name: .customLong("blocks-per-round"), range: .integers(2, 1_000_000), help: "Two-stage blocks per bet of the block-variance e-process.", valueName: "r")
  var blocksPerRound: Int = BlockVarianceEProcess.defaultBlocksPerRound
  @Flag(name: .customLong("e-processes-only"), help: "Null and boundary runs of --method betting: run the e-processes alone (the same violation and disparity counts, without the confidence sequences' within-tolerance decisions).")
  var eProcessesOnly = false
  @Flag(name: .customLong("measure-throughput"), help: "Time SequentialTester.observe on --horizon pre-drawn observations (iid groups).")
  var measureThroughput = false

  func validate() throws {
    if l2Test && sampler.isDataDependent && method == .confidenceSequence {
      throw ValidationError("--l2-test is not valid with --sampler adaptive and --method confidence-sequence")
    }
    if eProcessesOnly && (method != .betting || !(scenario == .null || scenario == .boundary)) {
      throw ValidationError("--e-processes-only is for --scenario null or boundary with --method betting")
    }
    if weightsFromShares && scenario != .null {
      throw ValidationError("--weights-from-shares is for --scenario null (flat-tail, single and spread always use the shares)")
    }
    if let study = scenario.studyAlternative {
      let p = profileValue
      guard study.rates(base: 0.3, epsilon: epsilon, alpha: alpha, weights: p.shares(groupCount: groups),
                        shares: p.shares(groupCount: groups)) != nil else {
        throw ValidationError("--epsilon \(epsilon) is not reachable from the base rate 0.3 at this α and K")
      }
    }
  }

  var profileValue: GroupProfile { zipf == 0 ? .uniform : .zipf(zipf) }

  func scenarioValue() -> SequentialScenario {
    var s = baseScenario()
    s.configuration.method = method
    s.configuration.bettingStrategy = strategy
    return s
  }

  func baseScenario() -> SequentialScenario {
    let look = l2Test ? l2FirstLook : nil
    switch scenario {
    case .null:
      return .null(groups: groups, unbalanced: unbalanced, alpha: alpha, tolerance: tolerance ?? 0, delta: delta,
                   l2FirstLook: look, horizon: horizon, pooledReference: reference == .pooled,
                   weightsFromShares: weightsFromShares)
    case .boundary:
      return .boundaryNull(groups: groups, unbalanced: unbalanced, alpha: alpha, tolerance: tolerance ?? 0.1,
                           delta: delta, horizon: horizon)
    case .alternative:
      return .alternative(groups: groups, unbalanced: unbalanced, gap: gap, alpha: alpha, tolerance: tolerance ?? 0.05,
                          delta: delta, l2FirstLook: look, horizon: horizon, pooledReference: reference == .pooled)
    case .flatTail, .single, .spread:
      // simulate's cell: weights = shares, the reference their weighted mean,
      // the rates of `Alternative` (flat-tail: the rarest groups of weight α
      // at 0.3 + ε/(1 − w(A))); tolerance 0 (the fixed-sample tests' null of
      // no disparity) unless given.
      let p = profileValue.shares(groupCount: groups)
      let means = scenario.studyAlternative!.rates(base: 0.3, epsilon: epsilon, alpha: alpha, weights: p, shares: p)!
      let configuration = SequentialConfiguration(
        groupKeys: (0..<groups).map { ["g\($0)"] }, weights: p, alpha: alpha, tolerance: tolerance ?? 0, delta: delta,
        reference: reference == .pooled ? .pooled : .population(p), l2FirstLook: look)
      return SequentialScenario(populationShares: p, means: means, configuration: configuration, horizon: horizon)
    }
  }

  func run() throws {
    let s = scenarioValue()
    if measureThroughput {
      try printThroughput(s)
      return
    }
    let stop = scenario == .alternative || scenario.studyAlternative != nil
    let start = DispatchTime.now().uptimeNanoseconds
    // Replicates are independent streams of one seed: the result does not
    // depend on how they are spread over threads.
    let results = ResultSlots(count: runs)
    let kind = sampler
    let seed = self.seed
    let blocks = TwoStageBlocks(rows: rowsPerGroup, perRound: blocksPerRound)
    let lean = eProcessesOnly
    DispatchQueue.concurrentPerform(iterations: runs) { r in
      results.store(lean ? SequentialSimulation.runEProcesses(s, sampler: kind, replicate: r, seed: seed, blocks: blocks)
                      : SequentialSimulation.run(s, sampler: kind, replicate: r, seed: seed, stopAtDecision: stop,
                                                 blocks: blocks), at: r)
    }
    let all = results.values
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let summary = SequentialSimulation.summarize(all, horizon: horizon)
    struct Output: Encodable {
      var scenario: String, groups: Int, unbalanced: Bool, weightsFromShares: Bool, sampler: String, runs: Int
      var horizon: Int
      var alpha: Double, delta: Double, tolerance: Double, gap: Double?, l2Test: Bool, seed: UInt64
      var reference: String, trueCVaR: Double, method: String, strategy: String, zipf: Double?
      var rowsPerGroup: Int?, blocksPerRound: Int?, eProcessesOnly: Bool
      var summary: SimulationSummary
      var seconds: Double
    }
    try StandardOutput.print(try AuditRendering.encodeJSON(Output(
      scenario: scenario.rawValue, groups: groups, unbalanced: unbalanced, weightsFromShares: weightsFromShares,
      sampler: sampler.rawValue, runs: runs,
      horizon: horizon, alpha: alpha, delta: delta, tolerance: s.configuration.tolerance,
      gap: scenario == .alternative ? gap : nil, l2Test: l2Test, seed: seed,
      reference: scenario == .boundary ? "known" : reference.rawValue, trueCVaR: s.trueCVaR,
      method: method.rawValue, strategy: strategy.rawValue, zipf: scenario.studyAlternative != nil ? zipf : nil,
      rowsPerGroup: sampler == .twoStage ? rowsPerGroup : nil, blocksPerRound: sampler == .twoStage ? blocksPerRound : nil,
      eProcessesOnly: eProcessesOnly, summary: summary, seconds: seconds)))
  }

  /// Times `observe` alone: groups and losses are drawn beforehand.
  func printThroughput(_ s: SequentialScenario) throws {
    var generator = Xoshiro256StarStar(seed: seed, stream: 0x7E57)
    let table = Categorical(weights: s.populationShares)
    var groupIds = [Int](repeating: 0, count: horizon)
    var losses = [Double](repeating: 0, count: horizon)
    for i in 0..<horizon {
      let g = table.sample(using: &generator)
      groupIds[i] = g
      losses[i] = generator.nextUnitDouble() < s.means[g] ? 1 : 0
    }
    var tester = SequentialTester(configuration: s.configuration)
    let start = DispatchTime.now().uptimeNanoseconds
    for i in 0..<horizon { tester.observe(group: groupIds[i], loss: losses[i]) }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    struct Output: Encodable {
      var groups: Int, observations: Int, seconds: Double, observationsPerSecond: Double
      var exactEvaluations: Int, decision: String, decisionObservation: Int?, l2Test: Bool
    }
    try StandardOutput.print(try AuditRendering.encodeJSON(Output(
      groups: groups, observations: horizon, seconds: seconds, observationsPerSecond: Double(horizon) / seconds,
      exactEvaluations: tester.exactEvaluations, decision: tester.decision.rawValue,
      decisionObservation: tester.decisionObservation, l2Test: l2Test)))
  }
}

/// One slot per replicate, each written by exactly one worker.
private final class ResultSlots: @unchecked Sendable {
  private var slots: UnsafeMutableBufferPointer<SimulationRun?>
  init(count: Int) {
    slots = .allocate(capacity: count)
    slots.initialize(repeating: nil)
  }
  deinit { slots.deallocate() }
  func store(_ run: SimulationRun, at i: Int) { slots[i] = run }
  var values: [SimulationRun] { slots.map { $0! } }
}
