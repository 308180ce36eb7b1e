import CVaRAudit

/// What each group's own p-value (`GroupTest.pValue`) tests, which follows the
/// reference of the audit.
///
/// - Binary metrics: with the pooled reference, the group's loss count against
///   the rest of the rows (the 2×2 table group vs rest, hypergeometric given its
///   margins: Fisher's exact test); with a fixed reference v, the exact binomial
///   test of μ_g = v; with `group:X`, Fisher's exact test of the 2×2 table
///   group vs X (X itself is not tested: its p-value is NaN and it is left out
///   of the Holm and Benjamini–Hochberg families).
/// - A loss column: the per-group permutation p-value of Δ̂_g with the loss
///   shuffled over all rows. With the pooled or a fixed reference, Δ̂_g moves
///   only with the group's mean, so it tests the group against the rest of the
///   rows (not against a fixed v); with `group:X` the reference is recomputed in
///   every permutation (H0: the loss is exchangeable across all groups).
///
/// One-sided disparities use the upper tail (alternative "greater"), two-sided
/// ones the two-sided test.
public enum GroupTestMethod: Hashable, Sendable {
  case hypergeometricVersusRest
  case binomialVersusValue(Double)
  case fisherVersusGroup([String])
  case permutationVersusRest
  case permutationVersusGroup([String])
  /// No per-group test (a loss column without its rows).
  case none

  /// The method for a metric and a reference.
  public static func forReference(_ reference: Reference, binary: Bool, haveRows: Bool) -> GroupTestMethod {
    if !binary && !haveRows { return .none }
    switch reference {
    case .pooled: return binary ? .hypergeometricVersusRest : .permutationVersusRest
    case .value(let v): return binary ? .binomialVersusValue(v) : .permutationVersusRest
    case .group(let key): return binary ? .fisherVersusGroup(key) : .permutationVersusGroup(key)
    }
  }

  /// The null hypothesis of each group's test, in words.
  public var null: String {
    switch self {
    case .hypergeometricVersusRest, .permutationVersusRest: "rate_g = rate of the other rows"
    case .binomialVersusValue(let v): "rate_g = \(v)"
    case .fisherVersusGroup(let key): "rate_g = rate of group \(key.joined(separator: ","))"
    case .permutationVersusGroup: "the loss is exchangeable across all groups"
    case .none: "none"
    }
  }

  /// The test, in words.
  public var method: String {
    switch self {
    case .hypergeometricVersusRest: "exact hypergeometric"
    case .binomialVersusValue: "exact binomial"
    case .fisherVersusGroup: "Fisher's exact"
    case .permutationVersusRest, .permutationVersusGroup: "permutation"
    case .none: "none"
    }
  }
}
