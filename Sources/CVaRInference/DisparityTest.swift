import CVaRAudit
import Distributions
import LinearAlgebra

/// Decides whether the data show a disparity violation.
///
/// - `.permutation`: H0 "the loss is independent of the group"; p is the
///   permutation p-value of the statistic (`CountPermutationTest` for binary
///   metrics, `LossPermutationTest` for a loss column).
/// - `.bound`: Cantelli's inequality on T_L2 with the exact null mean and
///   variance for the reference in use (`L2Bound`).
/// - `.tolerance`: H0 "CVaR_α^w(Δ) ≤ ε0"; violation when the simultaneous
///   (1 − δ) lower confidence bound of CVaR from one-sided bounds
///   (`ToleranceBound`) exceeds ε0; p is the smallest δ at which it does.
/// The decision is `violation` when p ≤ δ.
public enum DisparityTest {
  /// Checks a configuration before any work (user input, so it throws).
  public static func validate(_ c: DisparityTestConfiguration) throws {
    guard c.delta > 0 && c.delta < 1 else { throw DisparityTestError.invalidDelta(c.delta) }
    guard c.permutations >= 1 else { throw DisparityTestError.invalidPermutations(c.permutations) }
    switch c.calibration {
    case .permutation: break
    case .bound: guard c.statistic == .l2 else { throw DisparityTestError.boundNeedsL2(c.statistic) }
    case .tolerance:
      guard c.statistic == .cvar else { throw DisparityTestError.toleranceNeedsCVaR(c.statistic) }
      guard let e = c.tolerance, e.isFinite, e >= -1, e <= 1 else { throw DisparityTestError.invalidTolerance(c.tolerance) }
    }
  }

  /// Runs the test on a group table.
  ///
  /// - Parameter lossRows: for a loss-column metric with `.permutation`, the
  ///   rows (group index into `table`, loss); ignored for binary metrics.
  /// - Precondition: `table.supports(metric)`; rows given for a loss metric
  ///   under `.permutation`.
  /// - Throws: `DisparityTestError` for an invalid configuration or fewer than
  ///   two eligible groups; `AuditError` as `DisparityAudit.run`.
  /// - Complexity: O(B·K) for binary permutation, O(B·(rows + K)) for a loss
  ///   column, O(K log K) otherwise.
  public static func run(_ table: GroupTable, configuration: DisparityTestConfiguration,
                         lossRows: LossRows? = nil) throws -> DisparityTestResult {
    try validate(configuration)
    let c = configuration
    var auditConfiguration = c.audit
    auditConfiguration.confidenceLevel = 1 - c.delta
    let metric = c.audit.metric
    let audit = try DisparityAudit.run(table, configuration: auditConfiguration)
    let groups = audit.groups
    let k = groups.count
    guard k >= 2 else { throw DisparityTestError.tooFewGroups(metric: metric.description, eligible: k) }
    let stats = groups.map(\.statistics)
    let weights = groups.map(\.weight)
    let reference = permutedReference(audit, configuration: c.audit)
    let l2 = DisparityStatistics.l2(stats, weights: weights, reference: audit.summary.referenceRate)
    if c.statistic == .l2 && l2.value.isNaN { throw DisparityTestError.noUsableGroups(metric: metric.description) }
    let value: Double
    switch c.statistic {
    case .l2: value = l2.value
    case .max: value = DisparityStatistics.maxGap(stats, reference: audit.summary.referenceRate, kind: c.audit.disparity)
    case .cvar: value = audit.summary.cvar
    }

    // Calibration.
    var pValue: Double
    var permutations: Int? = nil, seed: UInt64? = nil, monteCarloError: Double? = nil
    var lowerBound: Double? = nil, boundVariance: Double? = nil, boundMean: Double? = nil
    var lossGroupPValues: [PermutationPValue]? = nil
    switch c.calibration {
    case .permutation:
      permutations = c.permutations
      seed = c.seed
      let p: PermutationPValue
      if metric.isBinary {
        p = countPermutationTest(c.statistic, audit: audit, configuration: c.audit)
          .pValue(permutations: c.permutations, seed: c.seed)
      } else {
        guard let lossRows else { preconditionFailure("a loss-column permutation test needs the rows") }
        let test = LossPermutationTest(statistic: c.statistic, rows: remap(lossRows, table: table, groups: groups),
                                       groupCount: k, weights: weights, reference: reference,
                                       disparity: c.audit.disparity, alpha: c.audit.alpha)
        let (overall, perGroup) = test.pValues(permutations: c.permutations, seed: c.seed)
        p = overall
        lossGroupPValues = perGroup
      }
      pValue = p.value
      monteCarloError = p.monteCarloError
    case .bound:
      let bound = L2Bound(sizes: stats.map(\.count), weights: l2.effectiveWeights,
                          reference: boundReference(audit, configuration: c.audit))
      boundVariance = bound.variance
      boundMean = bound.meanBound
      pValue = bound.pValue(l2.value)
    case .tolerance:
      let bound = ToleranceBound(audit: audit)
      lowerBound = bound.lowerBound(delta: c.delta)
      pValue = bound.pValue(tolerance: c.tolerance!)
    }

    // Per-group tests, against the chosen reference (`GroupTestMethod`).
    let groupMethod = GroupTestMethod.forReference(c.audit.reference, binary: metric.isBinary, haveRows: lossRows != nil)
    var groupP: [Double]
    switch groupMethod {
    case .hypergeometricVersusRest:
      let total = stats.reduce(0) { $0 + $1.count }
      let losses = stats.reduce(0) { $0 + Int($1.sum.rounded()) }
      groupP = stats.map { s in
        let x = Int(s.sum.rounded())
        switch c.audit.disparity {
        case .oneSided: return Hypergeometric.upperTail(x, population: total, successes: losses, draws: s.count)
        // P(X ≤ x) = P(n_g − X ≥ n_g − x), n_g − X counting the group's rows with ℓ = 0.
        case .oneSidedLower:
          return Hypergeometric.upperTail(s.count - x, population: total, successes: total - losses, draws: s.count)
        case .twoSided: return Hypergeometric.twoSidedPValue(x, population: total, successes: losses, draws: s.count)
        }
      }
    case .binomialVersusValue(let v):
      groupP = stats.map { s in
        let x = Int(s.sum.rounded())
        switch c.audit.disparity {
        case .oneSided: return Binomial(count: s.count, probability: v).upperTail(x)
        // P(X ≤ x) as the upper tail of the count of rows with ℓ = 0.
        case .oneSidedLower: return Binomial(count: s.count, probability: 1 - v).upperTail(s.count - x)
        case .twoSided: return Binomial(count: s.count, probability: v).twoSidedPValue(x)
        }
      }
    case .fisherVersusGroup:
      guard case .group(let r) = reference else { preconditionFailure("a reference group") }
      let nr = stats[r].count, xr = Int(stats[r].sum.rounded())
      groupP = stats.indices.map { g in
        if g == r { return .nan }
        let n = stats[g].count, x = Int(stats[g].sum.rounded())
        switch c.audit.disparity {
        case .oneSided: return Hypergeometric.upperTail(x, population: n + nr, successes: x + xr, draws: n)
        case .oneSidedLower:
          return Hypergeometric.upperTail(n - x, population: n + nr, successes: (n - x) + (nr - xr), draws: n)
        case .twoSided: return Hypergeometric.twoSidedPValue(x, population: n + nr, successes: x + xr, draws: n)
        }
      }
    case .permutationVersusRest, .permutationVersusGroup:
      if let lossGroupPValues {
        groupP = lossGroupPValues.map(\.value)
      } else {
        let test = LossPermutationTest(statistic: c.statistic, rows: remap(lossRows!, table: table, groups: groups),
                                       groupCount: k, weights: weights, reference: reference,
                                       disparity: c.audit.disparity, alpha: c.audit.alpha)
        groupP = test.pValues(permutations: c.permutations, seed: c.seed).1.map(\.value)
      }
      if case .group(let r) = reference { groupP[r] = .nan }
    case .none:
      groupP = [Double](repeating: .nan, count: k)
    }
    let (holm, bh) = adjusted(groupP)
    let groupTests = (0..<k).map { g in
      GroupTest(key: groups[g].key, statistics: stats[g], disparity: groups[g].disparity,
                pValue: groupP[g], holm: holm[g], benjaminiHochberg: bh[g])
    }
    let tail = groups.filter(\.inTail).map {
      TailGroup(key: $0.key, disparity: $0.disparity, tailWeight: $0.tailWeight, contribution: $0.tailWeight * $0.disparity)
    }
    return DisparityTestResult(
      configuration: c, statistic: c.statistic, value: value, pValue: pValue, calibration: c.calibration,
      permutations: permutations, seed: seed, monteCarloError: monteCarloError, delta: c.delta,
      decision: pValue <= c.delta ? .violation : .noViolation, tolerance: c.calibration == .tolerance ? c.tolerance : nil,
      lowerConfidenceBound: lowerBound, boundVariance: boundVariance, boundMean: boundMean,
      l2Estimate: l2Estimate(l2, stats: stats, reference: audit.summary.referenceRate),
      tailGroups: tail, groups: groupTests, groupTest: groupMethod,
      groupsWithoutVariance: l2.droppedGroups.map { groups[$0].key }, audit: audit)
  }

  /// Holm and Benjamini–Hochberg over the groups with a p-value (NaN: not tested, left out of the family).
  static func adjusted(_ p: [Double]) -> (holm: [Double], benjaminiHochberg: [Double]) {
    let tested = p.indices.filter { !p[$0].isNaN }
    var holm = [Double](repeating: .nan, count: p.count), bh = holm
    let values = tested.map { p[$0] }
    for (i, (h, b)) in zip(tested, zip(MultipleTesting.holm(values), MultipleTesting.benjaminiHochberg(values))) {
      holm[i] = h
      bh[i] = b
    }
    return (holm, bh)
  }

  /// The reference rate of an audit as a function of permuted data.
  static func permutedReference(_ audit: AuditResult, configuration: AuditConfiguration) -> PermutedReference {
    if case .group(let key) = configuration.reference, let g = audit.groups.firstIndex(where: { $0.key == key }) {
      return .group(g)
    }
    return .fixed(audit.summary.referenceRate)
  }

  /// The reference of an audit as `L2Bound` sees it.
  static func boundReference(_ audit: AuditResult, configuration: AuditConfiguration) -> L2Bound.Reference {
    switch configuration.reference {
    case .pooled: return .pooled
    case .value: return .known
    case .group(let key):
      guard let g = audit.groups.firstIndex(where: { $0.key == key }) else {
        preconditionFailure("the audit has the reference group")
      }
      return .group(g)
    }
  }

  /// The count-based permutation test of `statistic` on an audit's groups
  /// (binary metric): sizes, loss counts, weights and reference as audited.
  ///
  /// - Complexity: O(K).
  static func countPermutationTest(_ statistic: TestStatistic, audit: AuditResult,
                                   configuration: AuditConfiguration) -> CountPermutationTest {
    let stats = audit.groups.map(\.statistics)
    return CountPermutationTest(statistic: statistic, sizes: stats.map(\.count), counts: stats.map { Int($0.sum.rounded()) },
                                weights: audit.groups.map(\.weight),
                                reference: permutedReference(audit, configuration: configuration),
                                disparity: configuration.disparity, alpha: configuration.alpha)
  }

  /// Row group ids of the table mapped to positions in the audit's group order.
  static func remap(_ rows: LossRows, table: GroupTable, groups: [GroupResult]) -> LossRows {
    var position = [Int32](repeating: -1, count: table.groupCount)
    for (i, g) in groups.enumerated() { position[table.existingGroup(for: g.key)!] = Int32(i) }
    var ids: [Int32] = []
    var losses: [Double] = []
    ids.reserveCapacity(rows.groups.count)
    losses.reserveCapacity(rows.groups.count)
    for (id, loss) in zip(rows.groups, rows.losses) where position[Int(id)] >= 0 {
      ids.append(position[Int(id)])
      losses.append(loss)
    }
    return LossRows(groups: ids, losses: losses)
  }

  /// The plug-in standard error of T_L2 as an estimate of Σ w̃ Δ²:
  ///
  ///     Var(U_g) ≈ 4 Δ_g² σ_g²/n_g + 2 σ_g⁴/(n_g(n_g − 1)),   Δ_g² ← max(U_g, 0), σ_g² ← s_g²
  ///     SE = √(Σ w̃_g² Var(U_g))
  ///
  /// (the reference treated as known).
  static func l2Estimate(_ l2: L2Statistic, stats: [SufficientStatistics], reference: Double) -> Estimate {
    var variance = 0.0
    for g in stats.indices where l2.effectiveWeights[g] > 0 {
      let n = Double(stats[g].count)
      let s2 = stats[g].variance
      let v = 4 * max(l2.unbiasedSquares[g], 0) * s2 / n + 2 * s2 * s2 / (n * (n - 1))
      variance += l2.effectiveWeights[g] * l2.effectiveWeights[g] * v
    }
    return Estimate(value: l2.value, standardError: variance.squareRoot())
  }
}
