/// A performance metric, defined by a per-row loss ℓ ∈ [0, 1] over the rows
/// eligible for it.
public enum Metric: Hashable, Sendable, CustomStringConvertible {
  /// ℓ = 1[ŷ ≠ y] over all rows.
  case errorRate
  /// ℓ = 1[ŷ = 0] over rows with y = 1.
  case falseNegativeRate
  /// ℓ = 1[ŷ = 1] over rows with y = 0.
  case falsePositiveRate
  /// ℓ = ŷ over all rows.
  case selectionRate
  /// ℓ read from a column whose values lie in [0, 1].
  case loss(column: String)

  /// The name used on the command line and in JSON: `error`, `fnr`, `fpr`,
  /// `selection` or `loss:COLUMN`.
  public var description: String {
    switch self {
    case .errorRate: "error"
    case .falseNegativeRate: "fnr"
    case .falsePositiveRate: "fpr"
    case .selectionRate: "selection"
    case .loss(let column): "loss:\(column)"
    }
  }

  /// Parses a name as printed by `description`.
  public init?(name: String) {
    switch name {
    case "error", "error-rate": self = .errorRate
    case "fnr", "false-negative-rate": self = .falseNegativeRate
    case "fpr", "false-positive-rate": self = .falsePositiveRate
    case "selection", "selection-rate": self = .selectionRate
    default:
      guard name.hasPrefix("loss:"), name.count > 5 else { return nil }
      self = .loss(column: String(name.dropFirst(5)))
    }
  }

  /// Whether ℓ takes only the values 0 and 1.
  public var isBinary: Bool {
    if case .loss = self { return false }
    return true
  }

  /// Whether the metric needs the true label.
  public var needsLabel: Bool {
    switch self {
    case .errorRate, .falseNegativeRate, .falsePositiveRate: true
    case .selectionRate, .loss: false
    }
  }

  /// Whether the metric needs a prediction.
  public var needsPrediction: Bool { isBinary }

  /// The sufficient statistics of a binary metric from a group's confusion
  /// counts `c[2·y + ŷ]` (c₀₀ = TN, c₀₁ = FP, c₁₀ = FN, c₁₁ = TP).
  @inlinable
  public func statistics(confusion c: (Int, Int, Int, Int)) -> SufficientStatistics {
    switch self {
    case .errorRate: SufficientStatistics(count: c.0 + c.1 + c.2 + c.3, positives: c.1 + c.2)
    case .falseNegativeRate: SufficientStatistics(count: c.2 + c.3, positives: c.2)
    case .falsePositiveRate: SufficientStatistics(count: c.0 + c.1, positives: c.1)
    case .selectionRate: SufficientStatistics(count: c.0 + c.1 + c.2 + c.3, positives: c.1 + c.3)
    case .loss: preconditionFailure("a loss metric has no confusion counts")
    }
  }
}
