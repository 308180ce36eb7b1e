import CVaRAudit

/// An estimate with its standard error.
public struct Estimate: Hashable, Sendable {
  public var value: Double
  public var standardError: Double
  public init(value: Double, standardError: Double) {
    self.value = value
    self.standardError = standardError
  }
}

/// A group in the tail of the CVaR and what it adds to it.
public struct TailGroup: Hashable, Sendable {
  public var key: [String]
  public var disparity: Double
  /// λ_g (0 < λ_g ≤ w_g/α).
  public var tailWeight: Double
  /// λ_g Δ̂_g: the CVaR is the sum of the contributions.
  public var contribution: Double
}

/// One group's own test: is its loss higher (one-sided) or different
/// (two-sided) than the reference's? (`GroupTestMethod` says against what.)
public struct GroupTest: Hashable, Sendable {
  public var key: [String]
  public var statistics: SufficientStatistics
  public var disparity: Double
  /// The p-value of the test `DisparityTestResult.groupTest` names (NaN for
  /// the reference group itself, which is not tested).
  public var pValue: Double
  /// Holm-adjusted (family-wise error rate).
  public var holm: Double
  /// Benjamini–Hochberg-adjusted (false discovery rate).
  public var benjaminiHochberg: Double
}

/// The result of a disparity test, in the style of scipy.stats results.
public struct DisparityTestResult: Sendable {
  public var configuration: DisparityTestConfiguration
  /// Which statistic (`statistic.rawValue` is its name).
  public var statistic: TestStatistic
  /// Its observed value.
  public var value: Double
  /// The p-value (tolerance: the smallest δ at which the lower bound exceeds ε0).
  public var pValue: Double
  public var calibration: Calibration
  /// B for `.permutation`, nil otherwise.
  public var permutations: Int?
  /// The seed for `.permutation`, nil otherwise.
  public var seed: UInt64?
  /// Monte-Carlo standard error of a permutation p-value.
  public var monteCarloError: Double?
  public var delta: Double
  public var decision: TestDecision
  /// ε0 for `.tolerance`.
  public var tolerance: Double?
  /// The simultaneous (1 − δ) lower confidence bound of CVaR from one-sided
  /// bounds (`.tolerance`, `ToleranceBound`); not the lower end of the audit's
  /// two-sided interval.
  public var lowerConfidenceBound: Double?
  /// V, the variance bound behind `.bound` (sup Var(T_L2) under H0).
  public var boundVariance: Double?
  /// m, the bound on E[T_L2] under H0 behind `.bound` (0 unless the reference is a named group).
  public var boundMean: Double? = nil
  /// Σ w̃ Δ² estimated by T_L2, with a plug-in standard error.
  public var l2Estimate: Estimate
  /// The tail of the CVaR of the observed disparities, largest first.
  public var tailGroups: [TailGroup]
  /// Every group's own test, by disparity from largest.
  public var groups: [GroupTest]
  /// What the groups' own tests test (it follows the reference).
  public var groupTest: GroupTestMethod = .none
  /// Groups with n_g = 1: they take part in the permutation but have no U_g
  /// (weight 0 in T_L2).
  public var groupsWithoutVariance: [[String]]
  /// The audit of the same data (rates, intervals at level 1 − δ, CVaR).
  public var audit: AuditResult
}
