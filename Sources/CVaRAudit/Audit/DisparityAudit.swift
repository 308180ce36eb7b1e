import Dispatch
import LinearAlgebra

/// What an audit computes and how.
public struct AuditConfiguration: Sendable {
  public var metric: Metric
  /// The CVaR level α ∈ (0, 1]: the share of weight mass in the tail.
  public var alpha: Double
  public var weighting: GroupWeighting
  public var disparity: DisparityKind
  public var reference: Reference
  /// Confidence level of the per-group intervals and of the simultaneous
  /// CVaR interval (1 − δ).
  public var confidenceLevel: Double
  /// Per-group interval; nil chooses Wilson for binary metrics and Hoeffding
  /// for a loss column.
  public var interval: IntervalMethod?
  /// Which groups count as small, and when their share of the tail warrants a warning.
  public var smallCells: SmallCellRule

  public init(metric: Metric, alpha: Double = 0.1, weighting: GroupWeighting = .uniform,
              disparity: DisparityKind = .oneSided, reference: Reference = .pooled,
              confidenceLevel: Double = 0.95, interval: IntervalMethod? = nil,
              smallCells: SmallCellRule = SmallCellRule()) {
    self.smallCells = smallCells
    self.metric = metric
    self.alpha = alpha
    self.weighting = weighting
    self.disparity = disparity
    self.reference = reference
    self.confidenceLevel = confidenceLevel
    self.interval = interval
  }

  /// The per-group interval method in force.
  public var intervalMethod: IntervalMethod { interval ?? (metric.isBinary ? .wilson : .hoeffding) }

  /// The interval behind the simultaneous CVaR interval: Clopper–Pearson for
  /// binary metrics (coverage guaranteed, unlike Wilson's), Hoeffding otherwise.
  public var simultaneousMethod: IntervalMethod { metric.isBinary ? .clopperPearson : .hoeffding }
}

/// A problem with the data that makes an audit impossible (not a caller bug).
public enum AuditError: Error, CustomStringConvertible, Equatable, Sendable {
  case noEligibleRows(metric: String)
  case referenceGroupNotFound([String])
  case referenceGroupHasNoRate([String], metric: String)
  case missingWeight([String])
  case invalidWeights

  public var description: String {
    switch self {
    case .noEligibleRows(let metric):
      let hint: String
      switch metric {
      case "fnr": hint = " (the false negative rate needs rows with label 1)"
      case "fpr": hint = " (the false positive rate needs rows with label 0)"
      case "tpr": hint = " (the true positive rate needs rows with label 1)"
      case "tnr": hint = " (the true negative rate needs rows with label 0)"
      case "ppv", "fdr": hint = " (\(metric) needs rows with prediction 1)"
      case "npv", "for": hint = " (\(metric) needs rows with prediction 0)"
      default: hint = ""
      }
      return "no rows are eligible for the metric '\(metric)'\(hint)"
    case .referenceGroupNotFound(let key):
      return "the reference group \(key.joined(separator: ",")) has no rows"
    case .referenceGroupHasNoRate(let key, let metric):
      return "the reference group \(key.joined(separator: ",")) has no rows eligible for '\(metric)'"
    case .missingWeight(let key):
      return "no weight was given for the group \(key.joined(separator: ","))"
    case .invalidWeights:
      return "the group weights must be finite, non-negative and have a positive sum"
    }
  }
}

/// One group's line in an audit.
public struct GroupResult: Hashable, Sendable {
  public var key: [String]
  public var statistics: SufficientStatistics
  /// μ̂_g.
  public var rate: Double
  /// Per-group interval for μ_g at the configured confidence level.
  public var confidenceInterval: ConfidenceInterval
  /// Δ̂_g.
  public var disparity: Double
  /// Simultaneous interval for Δ_g (per-group level δ/m, m intervals in all).
  public var disparityInterval: ConfidenceInterval
  /// w_g.
  public var weight: Double
  /// λ_g: the group's share of the CVaR.
  public var tailWeight: Double
  /// μ̂_g / μ_ref, the ratio disparity (Aequitas' "disparity"); NaN when μ_ref = 0.
  public var ratio: Double = .nan
  /// The group's confusion counts, when the table has labels and predictions.
  public var confusion: ConfusionCounts? = nil
  /// Under row weights: the group's weighted statistics (`rate` is their
  /// mean, `weight` under population weighting their share of Σw, and the
  /// intervals are formed from Kish's effective n); nil without.
  public var weighted: WeightedStatistics? = nil
  public var inTail: Bool { tailWeight > 0 }

  /// The four-fifths (80%) rule's threshold on `ratio`.
  public static let fourFifths = 0.8

  /// Whether the ratio is below four fifths (the EEOC's adverse-impact flag,
  /// meant for a selection rate that is a benefit).
  public var belowFourFifths: Bool { ratio < GroupResult.fourFifths }
}

/// The summary of an audit.
public struct AuditSummary: Hashable, Sendable {
  /// Groups with a rate for the metric.
  public var groups: Int
  /// Data rows read.
  public var rows: Int
  /// Blank lines skipped in the input (not counted in `rows`).
  public var blankLines: Int = 0
  /// Rows eligible for the metric in groups with a rate.
  public var eligibleRows: Int
  /// Σ S_g / Σ n_g.
  public var overallRate: Double
  /// μ_ref.
  public var referenceRate: Double
  public var cvar: Double
  public var valueAtRisk: Double
  /// max_g Δ̂_g.
  public var maxGap: Double
  /// max_g μ̂_g − min_g μ̂_g (fairlearn's `difference(method="between_groups")`).
  public var betweenGroupsDifference: Double
  /// Σ w_g Δ̂_g (= CVaR at α = 1).
  public var meanDisparity: Double
  /// [CVaR(lower bounds), CVaR(upper bounds)] with simultaneous coverage.
  public var cvarInterval: ConfidenceInterval
  /// H_{2/3}(w) in nats.
  public var renyi23: Double
  /// ‖w‖_{2/3}.
  public var norm23: Double
  /// exp(H_{2/3}(w)).
  public var effectiveGroups: Double
  /// Number of intervals in the simultaneous union bound.
  public var simultaneousIntervals: Int
  /// min_g μ̂_g / μ_ref (NaN when μ_ref = 0).
  public var minRatio: Double = .nan
  /// max_g μ̂_g / μ_ref (NaN when μ_ref = 0).
  public var maxRatio: Double = .nan
  /// Σw over the eligible rows of the groups with a rate, under row weights (NaN without).
  public var eligibleWeight: Double = .nan
}

/// The result of an audit.
public struct AuditResult: Sendable {
  public var configuration: AuditConfiguration
  public var attributes: [String]
  /// Groups with a rate, in `DisparityAudit.tailOrder` (disparity from
  /// largest, then n from largest, then key).
  public var groups: [GroupResult]
  /// Groups with rows but none eligible for the metric (e.g. no positives for FNR).
  public var groupsWithoutRate: [[String]]
  public var summary: AuditSummary
  public var excluded: ExcludedRows
}

/// The audit of one metric over the groups of a `GroupTable`.
public enum DisparityAudit {
  /// Runs the audit.
  ///
  /// - Precondition: `table.supports(configuration.metric)`; α ∈ (0, 1];
  ///   confidence level in (0, 1); a binary interval method only for a binary metric.
  /// - Throws: `AuditError` when no group has a rate, when the reference group
  ///   is missing or has no rate, or when custom weights miss a group.
  /// - Complexity: O(K log K) for K groups.
  public static func run(_ table: GroupTable, configuration: AuditConfiguration) throws -> AuditResult {
    let metric = configuration.metric
    precondition(table.supports(metric), "the table does not hold what \(metric) needs")
    precondition(configuration.alpha > 0 && configuration.alpha <= 1, "alpha must lie in (0, 1]")
    precondition(configuration.confidenceLevel > 0 && configuration.confidenceLevel < 1, "confidence level in (0, 1)")
    precondition(metric.isBinary || !configuration.intervalMethod.needsBinaryLoss,
                 "\(configuration.intervalMethod.rawValue) intervals need a binary metric")
    let all = table.statistics(for: metric)
    // Under row weights (binary metrics): weighted rates and shares; a group
    // has a rate when its eligible rows have a positive total weight.
    let allWeighted = table.hasSampleWeights && metric.isBinary ? table.weightedStatistics(for: metric) : nil
    var included: [Int] = []
    var withoutRate: [[String]] = []
    for g in 0..<table.groupCount {
      let hasRate = allWeighted.map { $0[g].weight > 0 } ?? (all[g].count > 0)
      if hasRate { included.append(g) } else { withoutRate.append(table.keys[g]) }
    }
    guard !included.isEmpty else { throw AuditError.noEligibleRows(metric: metric.description) }
    let stats = included.map { all[$0] }
    let weightedStats = allWeighted.map { w in included.map { w[$0] } }
    // What the intervals are formed from: the rows, or Kish's effective counts.
    let intervalStats = weightedStats?.map(\.effectiveStatistics) ?? stats
    let pooledWeighted = weightedStats?.reduce(WeightedStatistics(), +)
    let keys = included.map { table.keys[$0] }
    let k = included.count
    let delta = 1 - configuration.confidenceLevel

    // The reference.
    let pooled = stats.reduce(SufficientStatistics(), +)
    let referenceRate: Double
    let referenceStatistics: SufficientStatistics?
    switch configuration.reference {
    case .pooled:
      referenceRate = pooledWeighted?.mean ?? pooled.mean
      referenceStatistics = pooledWeighted?.effectiveStatistics ?? pooled
    case .value(let v):
      referenceRate = v
      referenceStatistics = nil
    case .group(let key):
      guard let g = table.existingGroup(for: key) else { throw AuditError.referenceGroupNotFound(key) }
      guard included.contains(g) else { throw AuditError.referenceGroupHasNoRate(key, metric: metric.description) }
      referenceRate = allWeighted?[g].mean ?? all[g].mean
      referenceStatistics = allWeighted?[g].effectiveStatistics ?? all[g]
    }

    // Weights.
    var weights: [Double]
    switch configuration.weighting {
    case .uniform:
      weights = [Double](repeating: 1 / Double(k), count: k)
    case .population:
      if let weightedStats, let pooledWeighted {
        weights = weightedStats.map { $0.weight / pooledWeighted.weight }
      } else {
        weights = stats.map { Double($0.count) / Double(pooled.count) }
      }
    case .custom(let given):
      weights = try keys.map { key in
        guard let w = given[key] else { throw AuditError.missingWeight(key) }
        return w
      }
      let total = weights.reduce(0, +)
      guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }), total > 0, total.isFinite else { throw AuditError.invalidWeights }
      weights = weights.map { $0 / total }
    }

    // Estimates and intervals.
    let method = configuration.intervalMethod
    let rates = weightedStats?.map(\.mean) ?? stats.map(\.mean)
    let disparities = rates.map { configuration.disparity.disparity($0, reference: referenceRate) }
    let intervals = intervalStats.map { method.interval($0, delta: delta) }

    // Simultaneous intervals: K group intervals, plus one for an estimated
    // pooled reference (a named reference group is one of the K already).
    let referenceIsPooled: Bool
    if case .pooled = configuration.reference { referenceIsPooled = true } else { referenceIsPooled = false }
    let m = k + (referenceIsPooled ? 1 : 0)
    let each = delta / Double(m)
    let simultaneous = configuration.simultaneousMethod
    let referenceInterval = referenceStatistics.map { simultaneous.interval($0, delta: each) }
      ?? ConfidenceInterval(lower: referenceRate, upper: referenceRate)
    let disparityIntervals = Self.parallelMap(intervalStats, placeholder: .undefined) { s in
      configuration.disparity.disparityRange(mean: simultaneous.interval(s, delta: each), reference: referenceInterval)
    }

    // The groups in the tie rule's order (`tailOrder`); the tail is formed in
    // that order, so tied groups enter it as they are listed.
    let order = tailOrder(disparities: disparities, counts: stats.map(\.count), keys: keys)
    let ordered = CVaR.tail(of: order.map { disparities[$0] }, weights: order.map { weights[$0] }, alpha: configuration.alpha)
    var tailWeights = [Double](repeating: 0, count: k)
    for (position, g) in order.enumerated() { tailWeights[g] = ordered.tailWeights[position] }
    let tail = TailSummary(cvar: ordered.cvar, valueAtRisk: ordered.valueAtRisk, tailWeights: tailWeights)
    let lowerCVaR = CVaR.value(of: disparityIntervals.map(\.lower), weights: weights, alpha: configuration.alpha)
    let upperCVaR = CVaR.value(of: disparityIntervals.map(\.upper), weights: weights, alpha: configuration.alpha)

    var groups: [GroupResult] = []
    groups.reserveCapacity(k)
    let ratios = rates.map { referenceRate != 0 ? $0 / referenceRate : .nan }
    let labelled = table.hasConfusion && table.hasLabels
    for i in order {
      groups.append(GroupResult(
        key: keys[i], statistics: stats[i], rate: rates[i], confidenceInterval: intervals[i],
        disparity: disparities[i], disparityInterval: disparityIntervals[i],
        weight: weights[i], tailWeight: tail.tailWeights[i], ratio: ratios[i],
        confusion: labelled ? ConfusionCounts(table.confusionCounts(group: included[i])) : nil,
        weighted: weightedStats?[i]))
    }

    let summary = AuditSummary(
      groups: k, rows: table.rowsRead, blankLines: table.blankLines, eligibleRows: pooled.count,
      overallRate: pooledWeighted?.mean ?? pooled.mean,
      referenceRate: referenceRate, cvar: tail.cvar, valueAtRisk: tail.valueAtRisk,
      maxGap: disparities.max()!, betweenGroupsDifference: rates.max()! - rates.min()!,
      meanDisparity: BLAS.dot(weights, disparities),
      cvarInterval: ConfidenceInterval(lower: lowerCVaR, upper: upperCVaR),
      renyi23: RenyiEntropy.entropy(weights, order: 2.0 / 3), norm23: RenyiEntropy.norm23(weights),
      effectiveGroups: RenyiEntropy.effectiveNumber(weights), simultaneousIntervals: m,
      minRatio: ratios.min()!, maxRatio: ratios.max()!, eligibleWeight: pooledWeighted?.weight ?? .nan)
    return AuditResult(configuration: configuration, attributes: table.attributes, groups: groups,
                       groupsWithoutRate: withoutRate, summary: summary, excluded: table.excluded)
  }

  /// The tie rule: the order in which groups are listed and in which the
  /// CVaR tail is filled. Disparity from largest, then n (rows) from largest,
  /// then the group's values in lexicographic order. Groups tied in
  /// disparity enter the tail in this order, so the tail's stars are the
  /// first rows of the listing; the CVaR's value does not depend on the rule
  /// (tied groups have the same disparity), only which tied group is in the
  /// tail, or in it in part.
  ///
  /// - Returns: the group indices in that order.
  /// - Complexity: O(K log K).
  public static func tailOrder(disparities: [Double], counts: [Int], keys: [[String]]) -> [Int] {
    disparities.indices.sorted { a, b in
      if disparities[a] != disparities[b] { return disparities[a] > disparities[b] }
      if counts[a] != counts[b] { return counts[a] > counts[b] }
      return keys[a].lexicographicallyPrecedes(keys[b])
    }
  }

  /// The tie rule in words (the text output's footnote).
  public static let tieRule = "ties in disparity are broken by n (larger first), then by the group's values; the tail follows this order"

  /// `items.map(transform)`, in chunks on all cores when there are many
  /// items (the simultaneous Clopper–Pearson intervals: two inverse
  /// incomplete beta functions per group, most of an audit's time after the
  /// read at K = 4,096). Each element is computed alone, so the result is
  /// the same for any number of cores.
  ///
  /// - Complexity: O(n) calls of `transform`.
  static func parallelMap<T: Sendable, U: BitwiseCopyable>(
    _ items: [T], placeholder: U, _ transform: @escaping @Sendable (T) -> U
  ) -> [U] {
    let chunk = 256
    guard items.count >= 2 * chunk else { return items.map(transform) }
    let slots = SlotBuffer(count: items.count, initial: placeholder)
    DispatchQueue.concurrentPerform(iterations: (items.count + chunk - 1) / chunk) { c in
      for i in (c * chunk)..<min(items.count, (c + 1) * chunk) { slots.pointer[i] = transform(items[i]) }
    }
    return Array(UnsafeBufferPointer(start: slots.pointer, count: items.count))
  }
}
