import Foundation

/// A betting e-process for the null of no disparity (every group that can be
/// drawn has one loss mean μ) from the blocks of the two-stage design: each
/// sampling unit is a block of rows of one group (docs/method.md §10.2).
///
/// The design draws a block's group from the past (two-stage: from w,
/// independently of the losses) and fixes its size before its first row:
/// m rows, or, in a finite pool, all the rows its group has left if fewer.
/// For block j of group g with mean x̄_j and sample variance s_j²,
///
///     u_j = x̄_j,                 c_j = s_j² / m              (infinite populations)
///     u_j = (S_g + R x̄_j) / N_g,  c_j = (R/N_g)² (s_j²/m)(1 − m/R)   (a pool: R rows left, N_g in all)
///
/// u_j has conditional mean μ_g (the pool's group mean) and c_j is unbiased
/// for its conditional variance (the sample variance of a simple random
/// sample is unbiased for the finite population's; a block that takes all
/// R rows left knows the mean exactly, c_j = 0). Blocks are bet on in rounds
/// of r. The payoff of a round is the between-block variance of the u's less
/// the average within-block variance:
///
///     V = 1/(r(r − 1)) Σ_{j<k} [(u_j − u_k)² − c_j − c_k]
///       = Σ_j (u_j − ū)²/(r − 1) − Σ_j c_j / r.
///
/// For j < k, E[(u_j − u_k)² − c_k | rows before block k] = (u_j − μ_{g_k})²,
/// which under the null is (u_j − μ)², and E[(u_j − μ)² − c_j | before block j]
/// = 0: so E[V | rows before the round] = 0 under the null, whatever the
/// (predictable) choice of the groups. When the groups are drawn from w
/// independently of the losses, E[(u_j − u_k)² − c_j − c_k] = E(μ_G − μ_G')²
/// = 2 Σ_g w_g (μ_g − μ̄_w)², so E[V] is the weighted variance of the group
/// means, the quantity of the fixed-sample L2 test, and V is that test's
/// two-stage statistic on the round's blocks with the round's own reference
/// (no reference needs to be known).
///
/// Bound: losses lie in [0, 1], so s_j² ≤ m/(4(m − 1)), c_j ≤ b = 1/(4(m − 1))
/// and V ≥ −Σc_j/r ≥ −b, known before the round. The wealth (`BettingWealth`)
/// bets λ ≤ 0.8/b, and a rejection is the first time W ≥ 1/δ (Ville's
/// inequality). The wealth only changes at the end of a round, so checking
/// it after every row is checking it after every round.
///
/// Cost: O(1) per row and per block; memory O(K) (the per-group counts a pool
/// needs).
public struct BlockVarianceEProcess: Hashable, Sendable, Codable {
  /// δ: rejects when W ≥ 1/δ.
  public let level: Double
  /// m: rows of a full block.
  public let blockRows: Int
  /// r: blocks per round.
  public let blocksPerRound: Int
  /// N_g of a finite pool (nil: infinite populations).
  public let groupSizes: [Int]?
  /// Rows n_g and their sums S_g per group, in completed blocks.
  public private(set) var counts: [Int]
  public private(set) var sums: [Double]
  public private(set) var wealth: BettingWealth
  public private(set) var blocks = 0
  /// Observations in completed blocks.
  public private(set) var observations = 0
  /// The observation count when W first reached 1/δ.
  public private(set) var rejectedAt: Int?
  // The open round: blocks, Σu, Σu², Σc.
  private(set) var roundBlocks = 0
  private(set) var roundSum = 0.0
  private(set) var roundSquares = 0.0
  private(set) var roundCorrection = 0.0
  // The open block.
  private(set) var pendingGroup: Int?
  private(set) var pendingSum = 0.0
  private(set) var pendingSquares = 0.0
  private(set) var pendingCount = 0

  /// Blocks per round when none is given: 4 (simulated at m = 64: at the
  /// flat-tail alternative r = 4 and 8 took about as many rows, r = 2 about
  /// 1.5 times as many; docs/method.md §10.2).
  public static var defaultBlocksPerRound: Int { 4 }

  /// - Precondition: δ ∈ (0, 1), m ≥ 2, r ≥ 2, one positive pool size per group.
  public init(level: Double, groupCount k: Int, blockRows m: Int, blocksPerRound r: Int = defaultBlocksPerRound,
              groupSizes: [Int]? = nil, strategy: BettingStrategy = .agrapa) {
    precondition(level > 0 && level < 1, "δ lies in (0, 1)")
    precondition(k >= 1 && m >= 2 && r >= 2, "at least one group, two rows per block and two blocks per round")
    precondition(groupSizes.map { $0.count == k && $0.allSatisfy { $0 >= 1 } } ?? true, "one positive pool size per group")
    self.level = level
    blockRows = m
    blocksPerRound = r
    self.groupSizes = groupSizes
    counts = Array(repeating: 0, count: k)
    sums = Array(repeating: 0, count: k)
    wealth = BettingWealth(strategy: strategy)
  }

  public var groupCount: Int { counts.count }
  public var rejected: Bool { rejectedAt != nil }
  public var logWealth: Double { wealth.logWealth }
  /// log(1/δ): the threshold of log W.
  public var threshold: Double { -log(level) }
  /// b = 1/(4(m − 1)): V ≥ −b.
  public var bound: Double { 1 / (4 * Double(blockRows - 1)) }

  /// Rows group g has left in the pool (nil: an infinite population).
  public func remaining(_ g: Int) -> Int? { groupSizes.map { $0[g] - counts[g] } }

  /// Adds one row of group g; `endsUnit` closes the block. Returns whether
  /// the e-process has rejected.
  ///
  /// - Precondition: 0 ≤ loss ≤ 1; a block holds one group; a closed block has
  ///   m rows, or in a pool all its group's rows left if fewer (its size is
  ///   fixed before its first row: a block ended by what it observed would
  ///   break the guarantee).
  /// - Complexity: O(1).
  @discardableResult
  public mutating func observe(group g: Int, loss: Double, endsUnit: Bool) -> Bool {
    precondition(loss >= 0 && loss <= 1, "losses lie in [0, 1]")
    precondition(pendingGroup == nil || pendingGroup == g, "a block holds one group")
    pendingGroup = g
    pendingSum += loss
    pendingSquares += loss * loss
    pendingCount += 1
    if endsUnit { closeBlock() }
    return rejected
  }

  /// u and c of a block of `count` rows of group g with sum `sum` and sum of
  /// squares `squares`, given the group's rows before it.
  ///
  /// - Complexity: O(1).
  public func estimate(group g: Int, count: Int, sum: Double, squares: Double) -> (mean: Double, variance: Double) {
    let m = Double(count)
    let mean = sum / m
    let withinVariance = count > 1 ? max(0, (squares - sum * mean) / (m - 1)) : 0
    guard let left = remaining(g) else { return (mean, withinVariance / m) }
    let n = Double(groupSizes![g]), r = Double(left)
    let u = (sums[g] + r * mean) / n
    if count >= left { return (u, 0) }
    return (u, (r / n) * (r / n) * (withinVariance / m) * (1 - m / r))
  }

  /// The payoff V of a round from Σu, Σu², Σc over its r blocks.
  public static func payoff(sum: Double, squares: Double, correction: Double, blocks r: Int) -> Double {
    let n = Double(r)
    return max(0, squares - sum * sum / n) / (n - 1) - correction / n
  }

  private mutating func closeBlock() {
    guard let g = pendingGroup else { return }
    if let left = remaining(g) {
      precondition(pendingCount == blockRows || pendingCount == left, "a block has m rows, or all its group has left")
    } else {
      precondition(pendingCount == blockRows, "a block has m rows")
    }
    let (u, c) = estimate(group: g, count: pendingCount, sum: pendingSum, squares: pendingSquares)
    blocks += 1
    observations += pendingCount
    counts[g] += pendingCount
    sums[g] += pendingSum
    pendingGroup = nil
    pendingSum = 0
    pendingSquares = 0
    pendingCount = 0
    roundBlocks += 1
    roundSum += u
    roundSquares += u * u
    roundCorrection += c
    guard roundBlocks == blocksPerRound else { return }
    let v = Self.payoff(sum: roundSum, squares: roundSquares, correction: roundCorrection, blocks: roundBlocks)
    let b = bound
    // Rounding only: V ≥ −b holds exactly in real arithmetic.
    wealth.bet(payoff: max(v, -b), bound: b)
    roundBlocks = 0
    roundSum = 0
    roundSquares = 0
    roundCorrection = 0
    if rejectedAt == nil && wealth.logWealth >= threshold { rejectedAt = observations }
  }
}
