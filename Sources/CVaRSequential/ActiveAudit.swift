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
  public var shares: [Double] {
    let n = Double(rowCount)
    return losses.map { Double($0.count) / n }
  }
}

/// Active (label-buying) sequential audits on a labeled pool.
public enum ActiveAudit {
  /// The sampler chooses a group, a row of that group is drawn uniformly
  /// without replacement and its loss observed, until a decision or the
  /// pool runs out. Returns the tester (`decisionObservation` = labels used).
  ///
  /// - Complexity: O(labels) amortized, plus O(K) per exhausted group.
  public static func run(pool: LabelPool, configuration: SequentialConfiguration, sampler kind: SamplerKind,
                         seed: UInt64, rowsPerGroup: Int = 64) -> SequentialTester {
    precondition(pool.losses.count == configuration.groupCount, "one pool group per declared group")
    var remaining = pool.losses
    var tester = SequentialTester(configuration: configuration)
    var sampler = GroupSampler(kind: kind, populationShares: pool.shares, weights: configuration.weights,
                               seed: seed, rowsPerGroup: rowsPerGroup)
    for g in remaining.indices where remaining[g].isEmpty { sampler.exhaust(g) }
    var rows = Xoshiro256StarStar(seed: seed, stream: 0xAC71)
    while tester.decision == .continue, let g = sampler.next(tester: tester) {
      let i = Int(rows.nextUnitDouble() * Double(remaining[g].count))
      let loss = remaining[g][i]
      remaining[g].swapAt(i, remaining[g].count - 1)
      remaining[g].removeLast()
      if remaining[g].isEmpty { sampler.exhaust(g) }
      tester.observe(group: g, loss: loss)
    }
    return tester
  }

  /// The i.i.d. baseline on the same pool: the rows in a uniformly random
  /// order (seeded Fisher–Yates), fed until a decision or the pool runs out.
  ///
  /// - Complexity: O(rows).
  public static func runInRandomOrder(pool: LabelPool, configuration: SequentialConfiguration,
                                      seed: UInt64) -> SequentialTester {
    var order: [(Int, Double)] = []
    order.reserveCapacity(pool.rowCount)
    for (g, values) in pool.losses.enumerated() { for v in values { order.append((g, v)) } }
    var generator = Xoshiro256StarStar(seed: seed, stream: 0x11D)
    order.shuffle(using: &generator)
    var tester = SequentialTester(configuration: configuration)
    for (g, loss) in order where tester.decision == .continue {
      tester.observe(group: g, loss: loss)
    }
    return tester
  }
}
