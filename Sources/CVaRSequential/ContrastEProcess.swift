import Foundation

/// How the group of the next sampling unit is chosen, with its known
/// probabilities π_t(g) (docs/method.md §10).
public enum SamplingDesign: Hashable, Sendable, Codable {
  /// Group g with probability π_g, fixed until the caller sets another
  /// design (the i.i.d. stream of a population with shares π, a stratified
  /// or adaptive sampler between refreshes, the first stage of two-stage).
  case probabilities([Double])
  /// A uniform draw of one of the rows left in a finite pool (a uniformly
  /// shuffled file, `active --sampler iid`): π_t(g) = (N_g − n_g)/(N − n).
  /// Needs the pool's group sizes.
  case uniformFromPool
}

/// A linear contrast Σ_g c_g μ_g + offset of the group means, re-chosen
/// from the past at refresh times (`CVaRContrast`, `L2Contrast`).
public protocol ContrastRule: Hashable, Sendable, Codable {
  /// The coefficients c and the offset for the current estimates m of the
  /// group means; under the rule's null Σ c_g μ_g + offset ≤ 0 for every
  /// output, whatever the m.
  func contrast(means m: [Double]) -> (coefficients: [Double], offset: Double)
}

/// A betting e-process (test supermartingale) for a null under which every
/// contrast a `ContrastRule` can output is ≤ 0, pooled over all groups
/// (docs/method.md §10).
///
/// Units (one observation, or a two-stage block of several rows of one
/// group) arrive with the group drawn from a known design π_t. For a unit of
/// group G with mean x̄, with m the shrunken past means, A = Σ_h c_h m_h,
///
///     Y = A + offset + c_G (u − m_G) / π_t(G),   u = x̄   (an infinite population)
///                                                u = ((N_G − n_G) x̄ + S_G)/N_G (a finite pool),
///
/// where u is an unbiased estimate of μ_G given the past (for a pool, of the
/// mean of its N_G rows: the next row's conditional mean is the mean of the
/// N_G − n_G rows left). So E[Y | past] = Σ_g c_g μ_g + offset ≤ 0 under the
/// null: c, m and π are fixed before the unit. Y ≥ −b with
/// b = M − A − offset, M ≥ max_g |c_g| (range of u_g)/π_g, and the wealth
/// (`BettingWealth`) bets λ ≤ 0.8/b. A violation is declared the first time
/// W ≥ 1/δ (Ville).
///
/// Cost: O(1) per unit, plus O(K log K) at each refresh of the contrast
/// (at units max(16, min(K, n/4)) apart) and O(K) when the caller sets a
/// new design.
public struct ContrastEProcess<Rule: ContrastRule>: Hashable, Sendable, Codable {
  public let rule: Rule
  /// δ: the e-process rejects when W ≥ 1/δ.
  public let level: Double
  /// N_g of a finite pool (nil: infinite populations).
  public let groupSizes: [Int]?
  public private(set) var design: SamplingDesign
  /// Completed observations n_g and their sums S_g per group.
  public private(set) var counts: [Int]
  public private(set) var sums: [Double]
  public private(set) var wealth: BettingWealth
  /// Units bet on.
  public private(set) var units = 0
  /// Observations in completed units.
  public private(set) var observations = 0
  /// The current contrast and offset.
  public private(set) var coefficients: [Double]
  public private(set) var offset = 0.0
  /// The shrinkage target m0 of the current contrast period.
  public private(set) var prior = 0.5
  /// A = Σ c_h m_h (kept up to date unit by unit).
  public private(set) var plugIn = 0.0
  /// M: an upper bound on |c_g| (range of u_g)/π_g over the groups.
  public private(set) var reach = 0.0
  public private(set) var nextRefresh = 0
  /// The observation count when W first reached 1/δ.
  public private(set) var rejectedAt: Int?
  // The open unit.
  private(set) var pendingGroup: Int?
  private(set) var pendingSum = 0.0
  private(set) var pendingCount = 0

  /// Pseudo-observations at the prior mean in the shrunken means.
  public static var priorWeight: Double { 2 }

  /// - Precondition: a pool design only with group sizes; π a distribution over
  ///   K groups, positive for every group (exhausted pool groups may have 0).
  public init(rule: Rule, level: Double, groupCount k: Int, design: SamplingDesign, groupSizes: [Int]? = nil,
              strategy: BettingStrategy = .agrapa) {
    precondition(level > 0 && level < 1, "δ lies in (0, 1)")
    precondition(groupSizes.map { $0.count == k } ?? true, "one pool size per group")
    if case .uniformFromPool = design { precondition(groupSizes != nil, "a pool design needs the group sizes") }
    self.rule = rule
    self.level = level
    self.groupSizes = groupSizes
    self.design = design
    counts = Array(repeating: 0, count: k)
    sums = Array(repeating: 0, count: k)
    coefficients = Array(repeating: 0, count: k)
    wealth = BettingWealth(strategy: strategy)
    Self.checkDesign(design, groupCount: k)
    refresh()
  }

  private static func checkDesign(_ design: SamplingDesign, groupCount k: Int) {
    if case .probabilities(let pi) = design {
      precondition(pi.count == k && pi.allSatisfy { $0 >= 0 && $0.isFinite }, "one probability per group")
      precondition(abs(pi.reduce(0, +) - 1) < 1e-9, "the design's probabilities sum to 1")
    }
  }

  public var groupCount: Int { counts.count }
  public var rejected: Bool { rejectedAt != nil }
  public var logWealth: Double { wealth.logWealth }
  /// log(1/δ): the threshold of log W.
  public var threshold: Double { -log(level) }

  /// Whether group g's pool is used up (its mean is then known exactly).
  func exhausted(_ g: Int) -> Bool { groupSizes.map { counts[g] >= $0[g] } ?? false }

  /// The shrunken mean m_g = (S_g + a m0)/(n_g + a), kept inside the range
  /// of the pool mean [S_g/N_g, (S_g + N_g − n_g)/N_g]; exact when exhausted.
  ///
  /// - Complexity: O(1).
  public func estimate(_ g: Int) -> Double {
    let a = Self.priorWeight
    let shrunk = (sums[g] + a * prior) / (Double(counts[g]) + a)
    guard let sizes = groupSizes else { return shrunk }
    let n = Double(sizes[g])
    return min(max(shrunk, sums[g] / n), (sums[g] + n - Double(counts[g])) / n)
  }

  /// π_t(g) now.
  public func probability(_ g: Int) -> Double {
    switch design {
    case .probabilities(let pi): return pi[g]
    case .uniformFromPool:
      let sizes = groupSizes!
      let left = sizes.reduce(0, +) - observations
      return left > 0 ? Double(sizes[g] - counts[g]) / Double(left) : 0
    }
  }

  /// Sets the design for the next units (a sampler's refresh or exhausted group).
  ///
  /// - Complexity: O(K).
  public mutating func setDesign(_ design: SamplingDesign) {
    Self.checkDesign(design, groupCount: groupCount)
    self.design = design
    reach = computeReach()
  }

  /// The lower bound −b of the next payoff: b = max(0, M − A − offset).
  public var bound: Double { max(0, reach - plugIn - offset) }

  /// Adds one observation of group g; `endsUnit` closes the sampling unit
  /// (always true except inside a two-stage block) and bets on it. Returns
  /// whether the e-process has rejected.
  ///
  /// - Precondition: 0 ≤ loss ≤ 1; a unit holds one group; π(g) > 0 unless exhausted.
  /// - Complexity: O(1) amortized.
  @discardableResult
  public mutating func observe(group g: Int, loss: Double, endsUnit: Bool = true) -> Bool {
    precondition(pendingGroup == nil || pendingGroup == g, "a sampling unit holds one group")
    pendingGroup = g
    pendingSum += loss
    pendingCount += 1
    if endsUnit { closeUnit() }
    return rejected
  }

  /// The payoff Y of a unit of group g with mean x̄ now (before it is added).
  ///
  /// - Precondition: π(g) > 0.
  /// - Complexity: O(1).
  public func payoff(group g: Int, mean: Double) -> Double {
    let pi = probability(g)
    precondition(pi > 0, "group \(g) was drawn with probability 0")
    var u = mean
    if let sizes = groupSizes {
      let n = Double(sizes[g])
      u = ((n - Double(counts[g])) * mean + sums[g]) / n
    }
    return plugIn + offset + coefficients[g] * (u - estimate(g)) / pi
  }

  private mutating func closeUnit() {
    guard let g = pendingGroup else { return }
    let before = estimate(g)
    let payoff = payoff(group: g, mean: pendingSum / Double(pendingCount))
    let b = bound
    // Rounding only: Y ≥ −b holds exactly in real arithmetic.
    wealth.bet(payoff: max(payoff, -b), bound: b)
    units += 1
    observations += pendingCount
    counts[g] += pendingCount
    sums[g] += pendingSum
    pendingGroup = nil
    pendingSum = 0
    pendingCount = 0
    plugIn += coefficients[g] * (estimate(g) - before)
    if rejectedAt == nil && wealth.logWealth >= threshold { rejectedAt = observations }
    if units >= nextRefresh { refresh() }
  }

  /// Re-chooses the contrast from the past: the prior m0 is the pooled mean
  /// so far, m the shrunken means, c and the offset the rule's.
  ///
  /// - Complexity: O(K log K).
  public mutating func refresh() {
    let total = sums.reduce(0, +)
    prior = observations > 0 ? total / Double(observations) : 0.5
    let m = (0..<groupCount).map(estimate)
    (coefficients, offset) = rule.contrast(means: m)
    plugIn = zip(coefficients, m).reduce(0) { $0 + $1.0 * $1.1 }
    reach = computeReach()
    let k = groupCount
    nextRefresh = units + max(16, min(k, units / 4))
  }

  /// M = max_g |c_g| · (range of u_g)/π_g over the groups that can be drawn.
  /// A pool group's range (N_g − n_g)/N_g only shrinks, and under a pool
  /// design range/π = (N − n)/N_g too, so M stays a bound until the next
  /// refresh or design.
  private func computeReach() -> Double {
    var m = 0.0
    for g in 0..<groupCount where coefficients[g] != 0 && !exhausted(g) {
      var range = 1.0
      if let sizes = groupSizes { range = Double(sizes[g] - counts[g]) / Double(sizes[g]) }
      let pi = probability(g)
      precondition(pi > 0, "group \(g) can be drawn but has design probability 0")
      m = max(m, abs(coefficients[g]) * range / pi)
    }
    return m
  }
}
