import CVaRAudit
import Foundation

/// What the sequential tester says after an observation.
public enum SequentialDecision: String, Hashable, Sendable, Codable, CaseIterable {
  /// No conclusion yet.
  case `continue`
  /// A violation: the CVaR lower confidence bound exceeds ε0, so CVaR > ε0
  /// (at error ≤ δ_CS under the composite null CVaR ≤ ε0).
  case violation
  /// Certified within tolerance: the CVaR upper confidence bound is below ε0.
  case withinTolerance
  /// The sequential L2 test rejected the null of *no disparity* (every group
  /// with one loss distribution). Some disparity exists; this is not evidence
  /// that CVaR > ε0 (a CVaR below ε0 with a spread of small disparities is
  /// rejected too), so it is never reported as `violation`.
  case disparityDetected
  /// The observation budget is spent without a conclusion.
  case budgetExhausted
}

/// Which bound produced a decision.
public enum DecisionReason: String, Hashable, Sendable, Codable {
  case cvarLowerBound, cvarUpperBound, l2Test, budget
  /// The betting e-process of the CVaR contrast reached 1/δ.
  case eProcess
}

/// How a sequential audit decides a violation (docs/method.md §10).
public enum SequentialMethod: String, CaseIterable, Hashable, Sendable, Codable {
  /// A betting e-process on the CVaR dual contrast pooled over all groups
  /// (`ContrastEProcess` with `CVaRContrast`) declares a violation; the
  /// group confidence sequences still certify `withinTolerance`; with the
  /// L2 test, a betting e-process on the L2 contrast (`L2Contrast`).
  case betting
  /// The CVaR of the group confidence sequences' lower ends (a union bound
  /// over K groups) declares a violation; the L2 test is the Cantelli
  /// schedule of `SequentialL2Test`.
  case confidenceSequence = "confidence-sequence"
}

/// The reference μ_ref of a sequential audit.
public enum SequentialReference: Hashable, Sendable, Codable {
  /// The mean of all observations, with its own confidence sequence (one of
  /// the K + 1 in the union bound).
  ///
  /// Valid only for exchangeable arrival: the sequence's theorem needs the
  /// conditional mean of the next observation given the past to be one
  /// constant, the population mean — rows i.i.d. from the population, a
  /// uniformly shuffled sample of it, or (with `groupSizes`) a uniform draw
  /// without replacement from a pool. It fails for a file sorted by group or
  /// time, and for any sampler that chooses the group (stratified, two-stage,
  /// adaptive: the next row's mean is that of the chosen group). A failure
  /// can show as an empty running intersection
  /// (`SequentialTester.referenceEmptiedAt`). Under the null of no disparity
  /// every reference coincides.
  case pooled
  /// A known value, without error.
  case value(Double)
  /// The population mean μ_p = Σ_g p_g μ_g for shares p fixed before the
  /// first observation, bounded by [Σ p_g L_g, Σ p_g U_g] from the group
  /// sequences: no sequence of its own (the K group sequences take all of
  /// δ_CS), and valid in any arrival order and with any sampler.
  ///
  /// Derivation: with probability ≥ 1 − Σ_g δ_g = 1 − δ_CS every group
  /// sequence covers its μ_g at all times, and then, p_g ≥ 0,
  /// Σ p_g L_g ≤ μ_p ≤ Σ p_g U_g at all times. Each group sequence needs only
  /// that group g's losses, in the order they come, have conditional mean μ_g
  /// (or are drawn without replacement from group g's N_g values); which
  /// group comes next may be anything predictable, so sorting by group or
  /// a stratified sampler is allowed.
  ///
  /// - Known shares: the target is the population mean.
  /// - Shares counted from a sample before the audit (`monitor`'s first pass
  ///   over the file, `--groups-from`): p̂ depends on the group labels only,
  ///   and the group sequences are valid conditionally on the labels, so the
  ///   interval covers μ_p̂ = Σ p̂_g μ_g, the mean of a population with the
  ///   sample's group mix and the true group means. It differs from the
  ///   true-share mean by Σ (p̂_g − p_g) μ_g, at most the total-variation
  ///   distance ½ Σ |p̂_g − p_g| in absolute value (Σ(p̂ − p) = 0 and
  ///   μ_g ∈ [0, 1]); that term is not in the interval.
  /// - A pool sampled without replacement (`active`): p are the pool's exact
  ///   shares and μ_p is the pool's mean, exactly.
  case population([Double])
}

/// The fixed settings of a sequential audit. A saved state is only restored
/// into a tester with an equal configuration.
public struct SequentialConfiguration: Hashable, Sendable, Codable {
  /// Group keys (attribute values), declared up front; K = keys.count.
  public var groupKeys: [[String]]
  /// Weights w over the groups (normalised to sum to 1).
  public var weights: [Double]
  /// CVaR level α ∈ (0, 1].
  public var alpha: Double
  /// The tolerance ε0.
  public var tolerance: Double
  /// The total error probability δ ∈ (0, 1).
  public var delta: Double
  public var disparity: DisparityKind
  public var reference: SequentialReference
  /// The first look n₀ of the sequential L2 test, or nil for no L2 test.
  public var l2FirstLook: Int?
  /// Stop with `budgetExhausted` after this many observations (nil: never).
  public var budget: Int?
  /// For draws without replacement from a finite pool: N_g rows in group g
  /// (each group's sequence then covers the mean of its N_g values, and a
  /// pooled reference the mean of all Σ N_g). nil: infinite populations.
  public var groupSizes: [Int]?
  /// A free-form label of the data (metric, columns) checked on restore.
  public var label: String
  /// How a violation is decided.
  public var method: SequentialMethod
  /// How the betting e-processes choose their bets (with `method` betting).
  public var bettingStrategy: BettingStrategy

  public init(groupKeys: [[String]], weights: [Double], alpha: Double, tolerance: Double, delta: Double,
              disparity: DisparityKind = .oneSided, reference: SequentialReference = .pooled,
              l2FirstLook: Int? = nil, budget: Int? = nil, groupSizes: [Int]? = nil, label: String = "",
              method: SequentialMethod = .confidenceSequence, bettingStrategy: BettingStrategy = .agrapa) {
    precondition(!groupKeys.isEmpty, "at least one group")
    precondition(weights.count == groupKeys.count, "one weight per group")
    precondition(weights.allSatisfy { $0 >= 0 && $0.isFinite } && weights.reduce(0, +) > 0,
                 "weights must be finite, non-negative, with a positive sum")
    precondition(alpha > 0 && alpha <= 1, "alpha must lie in (0, 1]")
    precondition(delta > 0 && delta < 1, "delta must lie in (0, 1)")
    precondition(tolerance.isFinite, "the tolerance must be finite")
    precondition(budget.map { $0 > 0 } ?? true, "the budget must be positive")
    precondition(l2FirstLook.map { $0 >= 2 } ?? true, "the first L2 look needs two observations")
    if case .value(let v) = reference { precondition((0...1).contains(v), "a reference value lies in [0, 1]") }
    if case .population(let p) = reference {
      precondition(p.count == groupKeys.count && p.allSatisfy { $0 >= 0 } && p.reduce(0, +) > 0,
                   "one non-negative population share per group")
    }
    if let groupSizes {
      precondition(groupSizes.count == groupKeys.count && groupSizes.allSatisfy { $0 >= 1 },
                   "one positive pool size per group")
    }
    let total = weights.reduce(0, +)
    self.groupKeys = groupKeys
    self.weights = weights.map { $0 / total }
    self.alpha = alpha
    self.tolerance = tolerance
    self.delta = delta
    self.disparity = disparity
    self.reference = reference
    self.l2FirstLook = l2FirstLook
    self.budget = budget
    self.groupSizes = groupSizes
    self.label = label
    self.method = method
    self.bettingStrategy = bettingStrategy
  }

  public var groupCount: Int { groupKeys.count }

  /// How δ is split (union bound): with the L2 test, δ/2 for the confidence
  /// sequences and δ/2 for the L2 test; without it, all of δ for the
  /// sequences. The sequences' share is divided equally among the K groups
  /// and, for a pooled reference, the reference: δ_CS/(K + 1) each (δ_CS/K
  /// for a known or population reference).
  public var confidenceSequenceLevel: Double {
    let share = l2FirstLook == nil ? delta : delta / 2
    let count = groupCount + (reference == .pooled ? 1 : 0)
    return share / Double(count)
  }

  /// δ_L2 (0 without the L2 test).
  public var l2Level: Double { l2FirstLook == nil ? 0 : delta / 2 }

  /// The level of the betting CVaR e-process: the sequences' share of δ
  /// (δ, or δ/2 with the L2 test). The sequences then only certify
  /// `withinTolerance`, an error of another kind (under CVaR > ε0), so the
  /// two need not share it.
  public var bettingLevel: Double { l2FirstLook == nil ? delta : delta / 2 }

  /// The design assumed until a sampler sets one: uniform draws from the
  /// pool with group sizes, else the population shares of the reference,
  /// else equal shares.
  public var defaultDesign: SamplingDesign {
    if groupSizes != nil { return .uniformFromPool }
    if case .population(let p) = reference {
      let total = p.reduce(0, +)
      return .probabilities(p.map { $0 / total })
    }
    return .probabilities(Array(repeating: 1 / Double(groupCount), count: groupCount))
  }

  /// The shares of a design before the first observation (a pool's N_g/N).
  func initialShares(_ design: SamplingDesign) -> [Double] {
    switch design {
    case .probabilities(let pi): return pi
    case .uniformFromPool:
      let total = Double(groupSizes!.reduce(0, +))
      return groupSizes!.map { Double($0) / total }
    }
  }

  /// Whether H0: CVaR ≤ ε0 is exactly the null of no disparity (every group
  /// mean equal): ε0 = 0 and a population reference whose shares are the
  /// weights (up to rounding), all positive. Then Σ_g w_g Δ_g = 0 for the
  /// signed disparity, so CVaR_α^w(Δ) ≥ Σ w_g Δ_g = 0, with equality only
  /// when every Δ_g is 0 (a tail average equals the mean only when all values
  /// are equal, and they average to 0); for |Δ| a CVaR of 0 puts the largest
  /// |Δ_g| at 0. So an e-process for no disparity is one for this H0.
  public var toleranceNullIsNoDisparity: Bool {
    guard tolerance == 0, case .population(let p) = reference, weights.allSatisfy({ $0 > 0 }) else { return false }
    let total = p.reduce(0, +)
    return zip(p, weights).allSatisfy { abs($0 / total - $1) <= 1e-12 * $1 }
  }

  /// The contrast reference of the betting test: a pooled reference is the
  /// population mean under the design's initial shares (what the pooled
  /// stream's mean is when rows arrive as the design draws them).
  func contrastReference(design: SamplingDesign) -> ContrastReference {
    switch reference {
    case .pooled: .population(initialShares(design))
    case .value(let v): .value(v)
    case .population(let p): .population(p)
    }
  }
}

/// The CVaR of the disparities with its anytime-valid interval, at one time.
public struct SequentialSnapshot: Hashable, Sendable, Codable {
  public var observations: Int
  /// CVaR_α^w of the point disparities (unobserved groups left out by giving
  /// them weight 0; NaN when no group is observed).
  public var cvar: Double
  /// [CVaR(Δ^lo), CVaR(Δ^hi)]: covers CVaR_α^w(Δ) at every time at once
  /// with probability ≥ 1 − δ_CS (the sequences' share of δ).
  public var cvarInterval: ConfidenceInterval
  public var referenceInterval: ConfidenceInterval
  /// Groups in the tail of the upper bounds (positive dual weight), largest first.
  public var tailGroups: [Int]
  /// The VaR (tail threshold) of the point disparities.
  public var tailThreshold: Double
}

/// The anytime-valid sequential CVaR tester (docs/method.md §10).
///
/// Feed it observations (group, loss ∈ [0, 1]) one at a time; after each it
/// says `continue`, `violation`, `withinTolerance`, `disparityDetected` (the
/// optional L2 test rejected no disparity) or `budgetExhausted`. The first
/// decision other than `continue` is kept (`decision`,
/// `decisionObservation`); further observations still update the bounds, and
/// `violationEverDeclared` / `disparityEverDetected` record whether either
/// rejection happened at any time (what a validity simulation counts).
///
/// Guarantee: each group mean has an empirical-Bernstein confidence sequence
/// (`EmpiricalBernsteinSequence`, its without-replacement form for a pool)
/// at level δ_CS/K, plus one for a pooled reference (then δ_CS/(K+1) each);
/// with probability ≥ 1 − δ_CS all of them hold at all times. Then
/// Δ_g ∈ [Δ^lo_g, Δ^hi_g] (`DisparityKind.disparityRange`) for every g, and
/// as CVaR is non-decreasing in each coordinate,
/// CVaR(Δ^lo) ≤ CVaR(Δ) ≤ CVaR(Δ^hi) at all times. So under CVaR ≤ ε0 a
/// `violation` happens with probability ≤ δ_CS, whatever the L2 test does
/// (its rejections are `disparityDetected`), and under no disparity a
/// `violation` or `disparityDetected` with probability ≤ δ. When a decision
/// and an L2 rejection come at the same observation, `violation` and
/// `withinTolerance` (the answers about ε0) are reported.
///
/// Cost per observation: O(1) amortized, with an exact decision after every
/// observation. Computing CVaR(Δ^lo) and CVaR(Δ^hi) costs O(K log K), so it is
/// not done every time. The running-intersection bounds are monotone, so
/// CVaR(Δ^lo) never decreases and CVaR(Δ^hi) never increases; and changing one
/// coordinate by d changes a CVaR by at most min(w_g/α, 1)·|d| (dual form,
/// λ_g ≤ w_g/α), while moving the reference bounds by d moves every Δ bound,
/// hence the CVaR, by at most d. Since the last exact computation (values
/// C_lo, C_hi) the tester accumulates the slack s = Σ min(w_g/α,1)·(change of
/// group g's bounds) + (change of the reference bounds), so that
///
///     C_lo ≤ CVaR(Δ^lo)_now ≤ C_lo + s,     C_hi − s ≤ CVaR(Δ^hi)_now ≤ C_hi.
///
/// If C_lo + s ≤ ε0 < C_hi − s neither stopping rule can hold now and the
/// answer is exactly `continue`; otherwise the tester recomputes both CVaRs
/// exactly and decides on them. Recomputations happen when the bounds come
/// near ε0 (in the worst case, hovering at ε0, on every observation). A bound
/// that moves the other way (only when an exhausted pool group's known mean
/// replaces a running intersection that had missed it) forces an exact
/// recomputation.
public struct SequentialTester: Sendable, Codable {
  public let configuration: SequentialConfiguration
  /// Per-group confidence sequences.
  public private(set) var groups: [EmpiricalBernsteinSequence]
  /// Per-group sufficient statistics (n, S, Q).
  public private(set) var statistics: [SufficientStatistics]
  /// The pooled reference's confidence sequence (nil for a known reference).
  public private(set) var referenceSequence: EmpiricalBernsteinSequence?
  public private(set) var l2Test: SequentialL2Test?
  /// With `method` betting: the e-process of the CVaR contrast.
  public private(set) var cvarBetting: ContrastEProcess<CVaRContrast>?
  /// With `method` betting and an L2 test: the e-process of the L2 contrast
  /// (nil with two-stage blocks, whose L2 test is `blockBetting`).
  public private(set) var l2Betting: ContrastEProcess<L2Contrast>?
  /// With `method` betting and two-stage blocks (`init`'s `blockRows`): the
  /// e-process of the between-block variance (`BlockVarianceEProcess`), whose
  /// null is no disparity. With an L2 test it is that test (at δ_L2);
  /// without one, when `SequentialConfiguration.toleranceNullIsNoDisparity`,
  /// it is averaged with the CVaR contrast's e-process into the violation
  /// e-process (W_cvar + W_blocks)/2, a test supermartingale for the same
  /// null, at the same level (docs/method.md §10.2). Never saved: states
  /// come from `monitor`, which has no blocks.
  public private(set) var blockBetting: BlockVarianceEProcess?
  /// With `method` betting, no blocks and
  /// `SequentialConfiguration.toleranceNullIsNoDisparity`: the row-wise L2
  /// contrast's e-process at δ (a test supermartingale for no disparity,
  /// hence for this H0), averaged with the CVaR contrast's into the violation
  /// e-process (W_cvar + W_L2)/2. It is not the L2 test (`l2Betting`, at
  /// δ_L2, which rejects no disparity for any ε0). Nil in a state saved
  /// before it was added: that tester resumes with the CVaR contrast alone,
  /// which is valid by itself.
  public private(set) var violationL2Betting: ContrastEProcess<L2Contrast>?
  /// The largest log((W_cvar + W_partner)/2) so far when the violation
  /// e-process is that average, the partner being `blockBetting` or
  /// `violationL2Betting` (nil otherwise).
  public private(set) var averagedViolationMaximum: Double?
  public private(set) var observations = 0
  public private(set) var decision: SequentialDecision = .continue
  public private(set) var reason: DecisionReason?
  /// The observation count at which `decision` was reached.
  public private(set) var decisionObservation: Int?
  /// Whether a violation was declared at any time (also after another decision).
  public private(set) var violationEverDeclared = false
  /// Whether the L2 test rejected no disparity at any look (also after another decision).
  public private(set) var disparityEverDetected = false
  /// Exact CVaR recomputations so far (for the cost analysis).
  public private(set) var exactEvaluations = 0
  // Internal rather than private: a restored state is checked field by field
  // (SequentialTester+StateValidation.swift).
  /// For a population reference: normalised shares and Σ p_g L_g, Σ p_g U_g.
  private(set) var populationShares: [Double] = []
  private(set) var populationBounds = ConfidenceInterval(lower: 0, upper: 1)

  // The last exact computation and the slack since.
  private(set) var lowerAtEvaluation = -Double.infinity
  private(set) var upperAtEvaluation = Double.infinity
  private(set) var referenceAtEvaluation = ConfidenceInterval(lower: 0, upper: 1)
  private(set) var groupSlack = 0.0
  let slackFactors: [Double]

  /// - Parameters:
  ///   - design: how the next group is drawn (for the betting method;
  ///     `SequentialConfiguration.defaultDesign` if nil).
  ///   - blockRows: m when the units are two-stage blocks of m rows of one
  ///     group (fewer only when a pool group runs out), their groups drawn
  ///     by `design` (nil: no blocks). With the betting method it adds
  ///     `blockBetting`.
  ///   - blocksPerRound: r of `blockBetting`.
  /// - Precondition: blockRows ≥ 2, blocksPerRound ≥ 2.
  public init(configuration: SequentialConfiguration, design: SamplingDesign? = nil, blockRows: Int? = nil,
              blocksPerRound: Int = BlockVarianceEProcess.defaultBlocksPerRound) {
    precondition(blockRows.map { $0 >= 2 } ?? true, "a two-stage block has at least two rows")
    self.configuration = configuration
    let level = configuration.confidenceSequenceLevel
    if let sizes = configuration.groupSizes {
      groups = sizes.map { EmpiricalBernsteinSequence(delta: level, populationSize: $0) }
    } else {
      groups = Array(repeating: EmpiricalBernsteinSequence(delta: level), count: configuration.groupCount)
    }
    statistics = Array(repeating: SufficientStatistics(), count: configuration.groupCount)
    referenceSequence = configuration.reference == .pooled
      ? EmpiricalBernsteinSequence(delta: level, populationSize: configuration.groupSizes?.reduce(0, +)) : nil
    if configuration.method == .betting {
      let processes = BettingProcesses(configuration: configuration, design: design ?? configuration.defaultDesign,
                                       blockRows: blockRows, blocksPerRound: blocksPerRound)
      cvarBetting = processes.cvar
      l2Betting = processes.l2
      blockBetting = processes.blocks
      violationL2Betting = processes.violationL2
      averagedViolationMaximum = processes.averagedMaximum
    } else {
      l2Test = configuration.l2FirstLook.map { SequentialL2Test(level: configuration.l2Level, firstLook: $0) }
    }
    slackFactors = configuration.weights.map { min($0 / configuration.alpha, 1) }
    if case .population(let p) = configuration.reference {
      let total = p.reduce(0, +)
      populationShares = p.map { $0 / total }
    }
    referenceAtEvaluation = referenceInterval
    evaluate()
  }

  /// The observation at which the pooled reference's running intersection
  /// became empty (nil: it has not, or the reference is not pooled). While
  /// the sequence covers the mean this cannot happen, so it is evidence that
  /// the rows do not arrive in exchangeable order (the pooled stream's mean
  /// drifts), and that the pooled reference, hence the decision, is not valid.
  public var referenceEmptiedAt: Int? { referenceSequence?.emptiedAt }

  /// The groups whose running intersection became empty (their losses'
  /// conditional mean was not constant: drift within the group), in order.
  ///
  /// - Complexity: O(K).
  public var emptiedGroups: [Int] { groups.indices.filter { groups[$0].emptiedAt != nil } }

  /// The reference's current interval ([v, v] for a known value).
  public var referenceInterval: ConfidenceInterval {
    switch configuration.reference {
    case .pooled: referenceSequence!.interval
    case .value(let v): ConfidenceInterval(lower: v, upper: v)
    case .population: populationBounds
    }
  }

  /// Group g's disparity interval [Δ^lo_g, Δ^hi_g] now.
  ///
  /// - Complexity: O(1).
  public func disparityInterval(_ g: Int) -> ConfidenceInterval {
    configuration.disparity.disparityRange(mean: groups[g].interval, reference: referenceInterval)
  }

  /// Sets how the next groups are drawn (a sampler's new probabilities, an
  /// exhausted group); only the betting e-processes use it.
  ///
  /// - Complexity: O(K).
  public mutating func setDesign(_ design: SamplingDesign) {
    cvarBetting?.setDesign(design)
    l2Betting?.setDesign(design)
    violationL2Betting?.setDesign(design)
  }

  /// Adds one observation of group g with loss ℓ and returns the decision
  /// (`decision` once one has been reached). `endsUnit` is false for every
  /// row of a two-stage block but its last: the betting e-processes bet on
  /// the block's mean.
  ///
  /// - Precondition: 0 ≤ g < K, 0 ≤ ℓ ≤ 1 (the CLI checks user input first).
  /// - Complexity: O(1) amortized (see the type's comment); O(K) at an L2 look.
  @discardableResult
  public mutating func observe(group g: Int, loss: Double, endsUnit: Bool = true) -> SequentialDecision {
    precondition(g >= 0 && g < groups.count, "group index out of range")
    cvarBetting?.observe(group: g, loss: loss, endsUnit: endsUnit)
    l2Betting?.observe(group: g, loss: loss, endsUnit: endsUnit)
    blockBetting?.observe(group: g, loss: loss, endsUnit: endsUnit)
    violationL2Betting?.observe(group: g, loss: loss, endsUnit: endsUnit)
    let before = groups[g].interval
    groups[g].observe(loss)
    statistics[g].count += 1
    statistics[g].sum += loss
    statistics[g].sumOfSquares += loss * loss
    referenceSequence?.observe(loss)
    observations += 1
    let after = groups[g].interval
    if !populationShares.isEmpty {
      populationBounds.lower = min(populationBounds.lower + populationShares[g] * (after.lower - before.lower), 1)
      populationBounds.upper = max(populationBounds.upper + populationShares[g] * (after.upper - before.upper), 0)
    }
    groupSlack += slackFactors[g] * max(abs(after.lower - before.lower), abs(before.upper - after.upper))
    let backwards = after.lower < before.lower || after.upper > before.upper

    let r = referenceInterval
    let slack = groupSlack + abs(r.lower - referenceAtEvaluation.lower) + abs(referenceAtEvaluation.upper - r.upper)
    let margin = 1e-12
    let tolerance = configuration.tolerance
    // A stopping condition, once true, stays true (monotone bounds): only the
    // ones not yet established can need an exact evaluation.
    let lowerMayCross = configuration.method == .confidenceSequence
      && !(lowerAtEvaluation > tolerance) && lowerAtEvaluation + slack + margin > tolerance
    let upperMayCross = !(upperAtEvaluation < tolerance) && upperAtEvaluation - slack - margin < tolerance
    if lowerMayCross || upperMayCross || backwards {
      evaluate()
    }
    var now: (SequentialDecision, DecisionReason)? = nil
    var disparityRejected = l2Betting?.rejected ?? false
    if let betting = cvarBetting {
      if let log = violationLogWealth, let maximum = averagedViolationMaximum {
        averagedViolationMaximum = max(maximum, log)
      }
      let rejected = BettingProcesses.rejections(cvar: betting, l2Rejected: disparityRejected,
                                                 blocksRejected: blockBetting?.rejected ?? false,
                                                 averagedMaximum: averagedViolationMaximum)
      disparityRejected = rejected.disparity
      if rejected.violation {
        now = (.violation, .eProcess)
      } else if upperAtEvaluation < tolerance {
        now = (.withinTolerance, .cvarUpperBound)
      }
    } else if lowerAtEvaluation > tolerance {
      now = (.violation, .cvarLowerBound)
    } else if upperAtEvaluation < tolerance {
      now = (.withinTolerance, .cvarUpperBound)
    }
    if disparityRejected {
      disparityEverDetected = true
      if now == nil { now = (.disparityDetected, .l2Test) }
    }
    if var test = l2Test, observations == test.nextLook {
      let look = test.look(statistics: statistics, weights: configuration.weights, observations: observations)
      l2Test = test
      if look.rejected {
        disparityEverDetected = true
        if now == nil { now = (.disparityDetected, .l2Test) }
      }
    }
    if now == nil, let budget = configuration.budget, observations >= budget {
      now = (.budgetExhausted, .budget)
    }
    if let (d, why) = now {
      if d == .violation { violationEverDeclared = true }
      if decision == .continue {
        decision = d
        reason = why
        decisionObservation = observations
      }
    }
    return decision
  }

  /// log W of the violation e-process: the CVaR contrast's, or under a
  /// no-disparity null log((W_cvar + W_partner)/2), the partner being the
  /// two-stage blocks' e-process or the row-wise L2 contrast's (nil without
  /// the betting method).
  ///
  /// - Complexity: O(1) (O(J) for the mixture strategy).
  public var violationLogWealth: Double? {
    guard let cvar = cvarBetting else { return nil }
    guard averagedViolationMaximum != nil,
          let partner = blockBetting?.logWealth ?? violationL2Betting?.logWealth else { return cvar.logWealth }
    return Self.logAverage(cvar.logWealth, partner)
  }

  /// log((e^a + e^b)/2) without overflow.
  static func logAverage(_ a: Double, _ b: Double) -> Double {
    let top = max(a, b)
    return top + log((exp(a - top) + exp(b - top)) / 2)
  }

  /// The largest log W of the violation e-process so far.
  public var maximumViolationLogWealth: Double? {
    averagedViolationMaximum ?? cvarBetting?.wealth.maximumLogWealth
  }

  /// Recomputes CVaR(Δ^lo) and CVaR(Δ^hi) exactly and resets the slack.
  ///
  /// - Complexity: O(K log K).
  private mutating func evaluate() {
    if !populationShares.isEmpty {
      // Σ p_g L_g and Σ p_g U_g afresh (no drift from the running updates).
      var bounds = ConfidenceInterval(lower: 0, upper: 0)
      for (p, group) in zip(populationShares, groups) {
        bounds.lower += p * group.lower
        bounds.upper += p * group.upper
      }
      populationBounds = ConfidenceInterval(lower: min(bounds.lower, 1), upper: max(bounds.upper, 0))
    }
    let (lo, hi) = disparityBounds()
    lowerAtEvaluation = CVaR.value(of: lo, weights: configuration.weights, alpha: configuration.alpha)
    upperAtEvaluation = CVaR.value(of: hi, weights: configuration.weights, alpha: configuration.alpha)
    referenceAtEvaluation = referenceInterval
    groupSlack = 0
    exactEvaluations += 1
  }

  private func disparityBounds() -> ([Double], [Double]) {
    var lo = [Double](repeating: 0, count: groups.count)
    var hi = lo
    for g in groups.indices {
      let d = disparityInterval(g)
      lo[g] = d.lower
      hi[g] = d.upper
    }
    return (lo, hi)
  }

  /// The CVaR estimate, its anytime-valid interval and the tail groups now.
  ///
  /// - Complexity: O(K log K).
  public func snapshot() -> SequentialSnapshot {
    let (lo, hi) = disparityBounds()
    let w = configuration.weights
    let a = configuration.alpha
    let r = referenceInterval
    let referencePoint: Double
    switch configuration.reference {
    case .pooled: referencePoint = referenceSequence!.mean
    case .value(let v): referencePoint = v
    case .population: referencePoint = zip(populationShares, groups).reduce(0) { $0 + $1.0 * $1.1.regularizedMean }
    }
    let observed = statistics.indices.filter { statistics[$0].count > 0 && w[$0] > 0 }
    var cvar = Double.nan
    var threshold = Double.nan
    if !observed.isEmpty {
      let point = observed.map { configuration.disparity.disparity(statistics[$0].mean, reference: referencePoint) }
      let tail = CVaR.tail(of: point, weights: observed.map { w[$0] }, alpha: a)
      cvar = tail.cvar
      threshold = tail.valueAtRisk
    }
    let upperTail = CVaR.tail(of: hi, weights: w, alpha: a)
    let tailGroups = hi.indices.filter { upperTail.tailWeights[$0] > 0 }.sorted { hi[$0] > hi[$1] }
    return SequentialSnapshot(
      observations: observations, cvar: cvar,
      cvarInterval: ConfidenceInterval(lower: CVaR.value(of: lo, weights: w, alpha: a), upper: upperTail.cvar),
      referenceInterval: r, tailGroups: tailGroups, tailThreshold: threshold)
  }
}
