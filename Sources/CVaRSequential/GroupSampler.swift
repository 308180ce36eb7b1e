import CVaRAudit
import Distributions
import RealModule

/// How the next group to observe is chosen.
public enum SamplerKind: String, CaseIterable, Hashable, Sendable, Codable {
  /// From the population shares p: what an i.i.d. stream of rows gives.
  case iid
  /// From π ∝ w^{2/3} (`SampleAllocation.stratified`), the allocation that
  /// minimises the null spread of T_L2 (docs/method.md §9).
  case stratified
  /// Draw a group from w, take `rowsPerGroup` rows from it, draw the next
  /// group, … (docs/method.md §9): the non-i.i.d. scheme whose L2 sample
  /// complexity does not grow with K.
  case twoStage = "two-stage"
  /// With the confidence-sequence method: spend samples on groups whose
  /// disparity interval still straddles the current tail threshold τ (VaR_α
  /// of the interval midpoints, refreshed every max(64, K) draws). With the
  /// betting method: π_g ∝ |c_g| σ̂_g for the current CVaR contrast c (the
  /// allocation that minimises the payoff's variance, Neyman's), σ̂_g² =
  /// m_g(1 − m_g) of the e-process's shrunken means (the largest variance
  /// of a loss in [0, 1] with that mean), floored at 0.01. Either way a
  /// share `exploration` of the probability follows the stratified
  /// allocation, so every group keeps π_g ≥ exploration · (w_g^{2/3}/Σ).
  case adaptive

  /// Whether the choice of the next group depends on the observed losses
  /// (the sequential L2 test's calibration needs it not to).
  public var isDataDependent: Bool { self == .adaptive }
}

/// A seeded chooser of the next group, for an auditor who decides which label
/// to buy next. Every choice is predictable (depends only on the past), so the
/// confidence sequences stay valid whatever the sampler.
///
/// Without replacement (a finite pool), call `exhaust(_:)` when a group has no
/// row left; the sampler then never returns it again.
public struct GroupSampler: Sendable {
  public let kind: SamplerKind
  /// Rows taken from each drawn group by `two-stage`.
  public let rowsPerGroup: Int
  /// Share of `adaptive` draws that follow the stratified allocation.
  public let exploration: Double
  private var generator: Xoshiro256StarStar
  private var baseShares: [Double]
  private var base: Categorical?
  private var available: [Bool]
  private let weights: [Double]
  // two-stage
  private var currentGroup = -1
  private var remainingInGroup = 0
  // adaptive
  private var candidates: [Int] = []
  private var candidateTable: Categorical?
  private var nextRefresh = 0
  private let refreshInterval: Int
  /// The probabilities π of the next draw (for `two-stage`, of the next
  /// block's group): what the betting e-processes weight by.
  public private(set) var design: SamplingDesign
  /// Incremented whenever `design` changes (pass it to
  /// `SequentialTester.setDesign` then).
  public private(set) var designRevision = 0
  /// Whether the last draw closed its sampling unit (false inside a
  /// two-stage block).
  public private(set) var lastDrawEndsUnit = true

  /// - Parameters:
  ///   - populationShares: p, for `iid` (and the shares of a pool).
  ///   - weights: w, for `stratified`, `two-stage` and `adaptive`.
  /// - Precondition: one share and one weight per group, each with a positive sum.
  /// - Complexity: O(K).
  public init(kind: SamplerKind, populationShares: [Double], weights: [Double], seed: UInt64,
              rowsPerGroup: Int = 64, exploration: Double = 0.2) {
    precondition(populationShares.count == weights.count, "one share and one weight per group")
    precondition(rowsPerGroup >= 2, "two-stage takes at least two rows per group")
    precondition(exploration > 0 && exploration <= 1, "exploration must lie in (0, 1]")
    self.kind = kind
    self.rowsPerGroup = rowsPerGroup
    self.exploration = exploration
    self.weights = weights
    generator = Xoshiro256StarStar(seed: seed, stream: 0x5A3D)
    switch kind {
    case .iid: baseShares = populationShares
    case .stratified, .adaptive: baseShares = SampleAllocation.stratified(weights)
    case .twoStage: baseShares = weights
    }
    available = Array(repeating: true, count: weights.count)
    base = Categorical(weights: baseShares)
    refreshInterval = max(64, weights.count)
    design = .probabilities(Self.normalised(baseShares))
  }

  static func normalised(_ x: [Double]) -> [Double] {
    let total = x.reduce(0, +)
    return total > 0 ? x.map { $0 / total } : x
  }

  private mutating func setDesign(_ pi: [Double]) {
    design = .probabilities(Self.normalised(pi))
    designRevision += 1
  }

  /// Marks group g as having no rows left.
  ///
  /// - Complexity: O(K) (the alias table is rebuilt).
  public mutating func exhaust(_ g: Int) {
    guard available[g] else { return }
    available[g] = false
    baseShares[g] = 0
    base = baseShares.contains(where: { $0 > 0 }) ? Categorical(weights: baseShares) : nil
    if g == currentGroup { remainingInGroup = 0; lastDrawEndsUnit = true }
    if kind == .adaptive { nextRefresh = 0 }
    if base != nil { setDesign(baseShares) }
  }

  /// The next group to observe, or nil when every group with a positive share
  /// is exhausted.
  ///
  /// - Complexity: O(1) for `iid`, `stratified`, `two-stage`; O(1) amortized
  ///   plus O(K log K) every max(64, K) draws for `adaptive`.
  public mutating func next(tester: SequentialTester) -> Int? {
    if kind == .adaptive, let betting = tester.cvarBetting {
      return next(betting: betting, partner: tester.violationL2Betting)
    }
    guard let base else { return nil }
    switch kind {
    case .iid, .stratified, .twoStage:
      return nextFromDesign()
    case .adaptive:
      if tester.observations >= nextRefresh { refreshCandidates(tester) }
      if let table = candidateTable, generator.nextUnitDouble() >= exploration {
        return candidates[table.sample(using: &generator)]
      }
      return base.sample(using: &generator)
    }
  }

  /// The next group when the tester's method is betting: `adaptive` follows
  /// the CVaR contrast's e-process `betting` and, when the violation e-value
  /// is its average with the row-wise L2 contrast's, that one too
  /// (`partner`); the other samplers ignore both. Draws exactly what
  /// `next(tester:)` draws for a tester whose `cvarBetting` is `betting` and
  /// whose `violationL2Betting` is `partner`.
  ///
  /// - Complexity: as `next(tester:)`.
  public mutating func next(betting: ContrastEProcess<CVaRContrast>,
                            partner: ContrastEProcess<L2Contrast>? = nil) -> Int? {
    guard kind == .adaptive else { return nextFromDesign() }
    guard base != nil else { return nil }
    let observations = betting.observations + betting.pendingCount
    if observations >= nextRefresh { refreshAllocation(betting, partner: partner, observations: observations) }
    return candidateTable!.sample(using: &generator)
  }

  /// The next group of `iid`, `stratified` or `two-stage` (nil when every
  /// group is exhausted).
  mutating func nextFromDesign() -> Int? {
    guard let base else { return nil }
    guard kind == .twoStage else { return base.sample(using: &generator) }
    if remainingInGroup == 0 {
      currentGroup = base.sample(using: &generator)
      remainingInGroup = rowsPerGroup
    }
    remainingInGroup -= 1
    lastDrawEndsUnit = remainingInGroup == 0
    return currentGroup
  }

  /// Pins the next group of a two-stage block (a block cut short by an
  /// exhausted pool group ends there).
  public var remainingInBlock: Int { remainingInGroup }

  /// π = exploration · stratified + (1 − exploration) · target, where the
  /// target is (|c_g| σ̂_g)/Σ over the available groups for the CVaR
  /// contrast c (the allocation that minimises the variance of its
  /// inverse-probability payoff, Σ c_g² σ_g²/π_g). With a `partner` (the L2
  /// contrast c′ averaged into the violation e-value) the target is the
  /// mixture ω · that + (1 − ω) · (|c′_g| σ̂_g)/Σ with ω = W/(W + W′), the
  /// share of the average each e-process holds now: the design follows the
  /// one that is winning. ω is fixed before the next draws, so π stays
  /// predictable. Sampled from one table.
  ///
  /// - Complexity: O(K).
  private mutating func refreshAllocation(_ betting: ContrastEProcess<CVaRContrast>,
                                          partner: ContrastEProcess<L2Contrast>?, observations: Int) {
    nextRefresh = observations + refreshInterval
    let k = weights.count
    var target = [Double](repeating: 0, count: k)
    func add(_ coefficients: [Double], estimate: (Int) -> Double, share: Double) {
      var part = [Double](repeating: 0, count: k)
      for g in 0..<k where available[g] {
        let m = estimate(g)
        part[g] = abs(coefficients[g]) * max(m * (1 - m), 0.01).squareRoot()
      }
      let total = part.reduce(0, +)
      guard total > 0 else { return }
      for g in 0..<k { target[g] += share * part[g] / total }
    }
    if let partner {
      // ω = 1/(1 + e^{log W′ − log W}), computed without overflow.
      let omega = 1 / (1 + Double.exp(min(partner.logWealth - betting.logWealth, 700)))
      add(betting.coefficients, estimate: betting.estimate, share: omega)
      add(partner.coefficients, estimate: partner.estimate, share: 1 - omega)
    } else {
      add(betting.coefficients, estimate: betting.estimate, share: 1)
    }
    let targetTotal = target.reduce(0, +)
    let baseTotal = baseShares.reduce(0, +)
    var pi = [Double](repeating: 0, count: k)
    for g in 0..<k {
      pi[g] = exploration * baseShares[g] / baseTotal
        + (targetTotal > 0 ? (1 - exploration) * target[g] / targetTotal : (1 - exploration) * baseShares[g] / baseTotal)
    }
    candidates = Array(0..<k)
    candidateTable = Categorical(weights: pi)
    setDesign(pi)
  }

  /// The groups whose disparity interval [Δ^lo, Δ^hi] contains τ, the VaR_α
  /// of the intervals' midpoints; drawn with probability ∝ w_g^{2/3}.
  private mutating func refreshCandidates(_ tester: SequentialTester) {
    nextRefresh = tester.observations + refreshInterval
    let k = weights.count
    var point = [Double](repeating: 0, count: k)
    var intervals = [ConfidenceInterval](repeating: ConfidenceInterval(lower: 0, upper: 0), count: k)
    for g in 0..<k {
      intervals[g] = tester.disparityInterval(g)
      point[g] = 0.5 * (intervals[g].lower + intervals[g].upper)
    }
    let tau = CVaR.tail(of: point, weights: weights, alpha: tester.configuration.alpha).valueAtRisk
    candidates = (0..<k).filter { available[$0] && weights[$0] > 0 && intervals[$0].contains(tau) }
    candidateTable = candidates.isEmpty ? nil : Categorical(weights: candidates.map { baseShares[$0] })
    // The probabilities of `next`'s mixture: exploration from the base, the
    // rest from the candidates ∝ base.
    let baseTotal = baseShares.reduce(0, +)
    let candidateTotal = candidates.reduce(0) { $0 + baseShares[$1] }
    var pi = baseShares.map { (candidateTable == nil ? 1 : exploration) * $0 / baseTotal }
    if candidateTable != nil { for g in candidates { pi[g] += (1 - exploration) * baseShares[g] / candidateTotal } }
    setDesign(pi)
  }
}
