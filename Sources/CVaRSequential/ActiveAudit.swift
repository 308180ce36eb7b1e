import Distributions

/// A labeled pool: every row's loss, by group. Drawing a row without
/// replacement stands for buying its label.
///
/// Memory is O(rows) (the pool is held to draw from it).
public struct LabelPool: Sendable {
  public private(set) var losses: [[Double]]

  public init(groupCount: Int) {
    losses = Array(repeating: [], count: groupCount)
  }

  public mutating func append(group g: Int, loss: Double) {
    precondition(loss >= 0 && loss <= 1, "losses lie in [0, 1]")
    losses[g].append(loss)
  }

  public var rowCount: Int { losses.reduce(0) { $0 + $1.count } }
  /// Rows per group, N_g.
  public var sizes: [Int] { losses.map(\.count) }
  public var shares: [Double] {
    let n = Double(rowCount)
    return losses.map { Double($0.count) / n }
  }
}

extension SequentialConfiguration {
  /// The configuration for draws without replacement from `pool` (its group
  /// sizes N_g set).
  ///
  /// - Precondition: every group of the pool has at least one row.
  public func drawingWithoutReplacement(from pool: LabelPool) -> SequentialConfiguration {
    var c = self
    precondition(pool.losses.count == groupCount && pool.sizes.allSatisfy { $0 >= 1 },
                 "one non-empty pool group per declared group")
    c.groupSizes = pool.sizes
    return c
  }
}

/// Active (label-buying) sequential audits on a labeled pool.
///
/// Every row is drawn without replacement, so the tester runs with the pool's
/// group sizes (`SequentialConfiguration.groupSizes`): each group's sequence
/// is the without-replacement confidence sequence of Waudby-Smith & Ramdas
/// (NeurIPS 2020) for the mean of that group's rows in the pool, and an
/// exhausted group's interval is its known mean.
public enum ActiveAudit {
  /// The sampler chooses a group, a row of that group is drawn uniformly
  /// without replacement and its loss observed, until a decision or the
  /// pool runs out. The `iid` sampler instead draws a uniform row from all
  /// the rows left (a uniform draw without replacement from the pool, the
  /// population order of a finite pool). Returns the tester
  /// (`decisionObservation` = labels used).
  ///
  /// - Precondition: a `pooled` reference only with the `iid` sampler (the
  ///   only one under which the pooled stream is a uniform draw from the pool).
  /// - Complexity: O(labels) amortized, plus O(K) per exhausted group.
  public static func run(pool: LabelPool, configuration: SequentialConfiguration, sampler kind: SamplerKind,
                         seed: UInt64, rowsPerGroup: Int = 64) -> SequentialTester {
    precondition(kind == .iid || configuration.reference != .pooled,
                 "a pooled reference needs exchangeable draws (the iid sampler)")
    if kind == .iid { return runInRandomOrder(pool: pool, configuration: configuration, seed: seed, stream: 0xAC71) }
    let configuration = configuration.drawingWithoutReplacement(from: pool)
    var remaining = pool.losses
    var sampler = GroupSampler(kind: kind, populationShares: pool.shares, weights: configuration.weights,
                               seed: seed, rowsPerGroup: rowsPerGroup)
    var tester = SequentialTester(configuration: configuration, design: sampler.design,
                                  blockRows: kind == .twoStage ? rowsPerGroup : nil)
    var revision = sampler.designRevision
    var rows = Xoshiro256StarStar(seed: seed, stream: 0xAC71)
    while tester.decision == .continue, let g = sampler.next(tester: tester) {
      // The draw was made under the sampler's design now (a refresh inside
      // `next` comes before it; an exhaustion after it, below).
      if sampler.designRevision != revision {
        tester.setDesign(sampler.design)
        revision = sampler.designRevision
      }
      let i = Int.random(in: 0..<remaining[g].count, using: &rows)
      let loss = remaining[g][i]
      remaining[g].swapAt(i, remaining[g].count - 1)
      remaining[g].removeLast()
      tester.observe(group: g, loss: loss, endsUnit: sampler.lastDrawEndsUnit || remaining[g].isEmpty)
      if remaining[g].isEmpty { sampler.exhaust(g) }
    }
    return tester
  }

  /// The i.i.d. baseline on the same pool: the rows in a uniformly random
  /// order (seeded Fisher–Yates), fed until a decision or the pool runs out.
  ///
  /// - Complexity: O(rows).
  public static func runInRandomOrder(pool: LabelPool, configuration: SequentialConfiguration,
                                      seed: UInt64) -> SequentialTester {
    runInRandomOrder(pool: pool, configuration: configuration, seed: seed, stream: 0x11D)
  }

  private static func runInRandomOrder(pool: LabelPool, configuration: SequentialConfiguration, seed: UInt64,
                                       stream: UInt64) -> SequentialTester {
    var order: [(Int, Double)] = []
    order.reserveCapacity(pool.rowCount)
    for (g, values) in pool.losses.enumerated() { for v in values { order.append((g, v)) } }
    var generator = Xoshiro256StarStar(seed: seed, stream: stream)
    order.shuffle(using: &generator)
    var tester = SequentialTester(configuration: configuration.drawingWithoutReplacement(from: pool))
    for (g, loss) in order where tester.decision == .continue {
      tester.observe(group: g, loss: loss)
    }
    return tester
  }
}
