import CVaRAudit

/// Which statistic of the group disparities a test uses.
public enum TestStatistic: String, CaseIterable, Sendable, Codable {
  /// T_L2 = Σ w̃_g U_g, the debiased weighted second moment (its sample
  /// complexity grows like √K).
  case l2
  /// T_CVaR = CVaR_α^w(Δ̂), the plug-in CVaR.
  case cvar
  /// T_max = max_g Δ̂_g, the max gap (the baseline).
  case max
}

extension TestStatistic {
  /// The statistic of per-group sufficient statistics (through `DisparityStatistics`).
  ///
  /// - Complexity: O(K) (O(K log K) for cvar).
  public func value(of stats: [SufficientStatistics], weights: [Double], reference: Double,
                    disparity: DisparityKind, alpha: Double) -> Double {
    switch self {
    case .l2: DisparityStatistics.l2(stats, weights: weights, reference: reference).value
    case .max: DisparityStatistics.maxGap(stats, reference: reference, kind: disparity)
    case .cvar: DisparityStatistics.cvar(stats, weights: weights, reference: reference, kind: disparity, alpha: alpha)
    }
  }
}

/// How a statistic is turned into a decision.
public enum Calibration: String, CaseIterable, Sendable, Codable {
  /// Exact permutation p-value for H0: the loss is independent of the group.
  case permutation
  /// Cantelli's (one-sided Chebyshev) inequality on T_L2: closed form, conservative.
  case bound
  /// Composite H0: CVaR_α^w(Δ) ≤ ε0, decided by the simultaneous lower confidence bound.
  case tolerance
}

/// The outcome of a test at level δ.
public enum TestDecision: String, Sendable, Codable {
  case violation
  case noViolation = "no-violation"
}

/// What a disparity test computes and how.
public struct DisparityTestConfiguration: Sendable {
  /// The metric, α, weights, disparity kind and reference (as for an audit).
  public var audit: AuditConfiguration
  public var statistic: TestStatistic
  public var calibration: Calibration
  /// B, the number of random permutations.
  public var permutations: Int
  public var seed: UInt64
  /// The level δ: the decision is `violation` when p ≤ δ.
  public var delta: Double
  /// ε0 for `.tolerance`.
  public var tolerance: Double?

  public init(audit: AuditConfiguration, statistic: TestStatistic = .l2, calibration: Calibration = .permutation,
              permutations: Int = 9_999, seed: UInt64 = 0, delta: Double = 0.05, tolerance: Double? = nil) {
    self.audit = audit
    self.statistic = statistic
    self.calibration = calibration
    self.permutations = permutations
    self.seed = seed
    self.delta = delta
    self.tolerance = tolerance
  }
}

/// A configuration the test cannot run with (user input, not a caller bug).
public enum DisparityTestError: Error, CustomStringConvertible, Equatable, Sendable {
  case invalidDelta(Double)
  case invalidPermutations(Int)
  case invalidTolerance(Double?)
  case boundNeedsL2(TestStatistic)
  case toleranceNeedsCVaR(TestStatistic)
  case tooFewGroups(metric: String, eligible: Int)
  case noUsableGroups(metric: String)
  case jointNeedsBinaryMetrics(String)
  case jointNeedsPooledReference
  case jointNeedsPermutation

  public var description: String {
    switch self {
    case .invalidDelta(let d): "the level δ must lie strictly between 0 and 1 (got \(d))"
    case .invalidPermutations(let b): "the number of permutations must be at least 1 (got \(b))"
    case .invalidTolerance(let e):
      e == nil ? "the tolerance calibration needs a tolerance ε0 (--tolerance)"
        : "the tolerance ε0 must be a finite number in [-1, 1] (got \(e!))"
    case .boundNeedsL2(let s):
      "the bound calibration exists only for the l2 statistic (Cantelli's inequality on T_L2), not for \(s.rawValue)"
    case .toleranceNeedsCVaR(let s):
      "the tolerance calibration tests CVaR ≤ ε0 and needs the cvar statistic, not \(s.rawValue)"
    case .tooFewGroups(let metric, let eligible):
      "a disparity test needs at least two groups with rows eligible for '\(metric)' (found \(eligible))"
    case .noUsableGroups(let metric):
      "no group has two or more rows eligible for '\(metric)': the l2 statistic is undefined (every U_g needs n_g ≥ 2)"
    case .jointNeedsBinaryMetrics(let m):
      "the joint test over several metrics needs binary metrics (\(Metric.binaryMetrics.map(\.description).joined(separator: ", "))), not \(m)"
    case .jointNeedsPooledReference: "the joint test over several metrics measures disparities against the pooled rates: use --reference pooled"
    case .jointNeedsPermutation: "the joint test over several metrics is calibrated by permutation only"
    }
  }
}
