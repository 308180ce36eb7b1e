/// How a group's disparity is measured against the reference.
public enum DisparityKind: String, CaseIterable, Sendable, Codable {
  /// Δ_g = μ_g − μ_ref: a higher loss is worse.
  case oneSided = "one-sided"
  /// Δ_g = |μ_g − μ_ref|.
  case twoSided = "two-sided"
  /// Δ_g = μ_ref − μ_g: a lower rate is worse (tpr, accuracy, …; see
  /// `Metric.defaultWorse`). Every statistic, test and interval of a
  /// one-sided disparity follows from `disparity` and `disparityRange`, so
  /// this sign is the only difference from `.oneSided`.
  case oneSidedLower = "one-sided-lower"

  /// The one-sided disparity in which `worse` rates are the positive side,
  /// or the two-sided one.
  public init(twoSided: Bool, worse: WorseDirection) {
    self = twoSided ? .twoSided : (worse == .higher ? .oneSided : .oneSidedLower)
  }

  /// Which side is worse; nil for the two-sided disparity.
  public var worse: WorseDirection? {
    switch self {
    case .oneSided: .higher
    case .oneSidedLower: .lower
    case .twoSided: nil
    }
  }

  /// Whether only one side of the reference counts.
  public var isOneSided: Bool { self != .twoSided }

  /// Δ for a group mean and a reference value.
  @inlinable
  public func disparity(_ mean: Double, reference: Double) -> Double {
    switch self {
    case .oneSided: mean - reference
    case .oneSidedLower: reference - mean
    case .twoSided: abs(mean - reference)
    }
  }

  /// The range of Δ when the group mean lies in `mean` and the reference in
  /// `reference` (both intervals): by monotonicity of the difference, and of
  /// |·| on each side of 0.
  public func disparityRange(mean: ConfidenceInterval, reference: ConfidenceInterval) -> ConfidenceInterval {
    let low = mean.lower - reference.upper
    let high = mean.upper - reference.lower
    switch self {
    case .oneSided:
      return ConfidenceInterval(lower: low, upper: high)
    case .oneSidedLower:
      return ConfidenceInterval(lower: -high, upper: -low)
    case .twoSided:
      let lower = (low <= 0 && high >= 0) ? 0 : min(abs(low), abs(high))
      return ConfidenceInterval(lower: lower, upper: max(abs(low), abs(high)))
    }
  }
}

/// The reference performance μ_ref that disparities are measured against.
public enum Reference: Hashable, Sendable, CustomStringConvertible {
  /// The pooled mean Σ S_g / Σ n_g over the groups in the analysis.
  case pooled
  /// A fixed number, known without error.
  case value(Double)
  /// The mean of one named group (its attribute values, in group-by order).
  case group([String])

  public var description: String {
    switch self {
    case .pooled: "pooled"
    case .value(let v): "\(v)"
    case .group(let key): "group:" + key.joined(separator: ",")
    }
  }
}

/// How much each group counts in the CVaR.
public enum GroupWeighting: Hashable, Sendable, CustomStringConvertible {
  /// 1/K for each of the K groups with a rate.
  case uniform
  /// n_g / Σ n: the share of the metric's eligible rows (under row weights,
  /// of their total weight Σw).
  case population
  /// Given shares per group key (normalised over the groups with a rate).
  case custom([[String]: Double])

  public var description: String {
    switch self {
    case .uniform: "uniform"
    case .population: "population"
    case .custom: "custom"
    }
  }
}
