/// A performance metric, defined by a per-row loss ℓ ∈ [0, 1] over the rows
/// eligible for it.
///
/// For the binary metrics ℓ is an indicator of the row's confusion cell
/// (label y, prediction ŷ); for tpr, tnr, ppv, npv and accuracy it marks a
/// success, so a lower rate is the worse one (`defaultWorse`).
public enum Metric: Hashable, Sendable, CustomStringConvertible {
  /// ℓ = 1[ŷ ≠ y] over all rows.
  case errorRate
  /// ℓ = 1[ŷ = 0] over rows with y = 1.
  case falseNegativeRate
  /// ℓ = 1[ŷ = 1] over rows with y = 0.
  case falsePositiveRate
  /// ℓ = ŷ over all rows.
  case selectionRate
  /// ℓ = 1[ŷ = 1] over rows with y = 1 (recall, sensitivity; 1 − fnr).
  case truePositiveRate
  /// ℓ = 1[ŷ = 0] over rows with y = 0 (specificity; 1 − fpr).
  case trueNegativeRate
  /// ℓ = 1[y = 1] over rows with ŷ = 1 (precision).
  case positivePredictiveValue
  /// ℓ = 1[y = 0] over rows with ŷ = 0.
  case negativePredictiveValue
  /// ℓ = 1[y = 0] over rows with ŷ = 1 (1 − ppv).
  case falseDiscoveryRate
  /// ℓ = 1[y = 1] over rows with ŷ = 0 (false omission rate; 1 − npv).
  case falseOmissionRate
  /// ℓ = 1[ŷ = y] over all rows (1 − error).
  case accuracy
  /// ℓ read from a column whose values lie in [0, 1].
  case loss(column: String)

  /// The binary metrics, in the order they are documented.
  public static let binaryMetrics: [Metric] = [
    .errorRate, .accuracy, .falseNegativeRate, .falsePositiveRate, .truePositiveRate, .trueNegativeRate,
    .positivePredictiveValue, .negativePredictiveValue, .falseDiscoveryRate, .falseOmissionRate, .selectionRate,
  ]

  /// The name used on the command line and in JSON: `error`, `accuracy`,
  /// `fnr`, `fpr`, `tpr`, `tnr`, `ppv`, `npv`, `fdr`, `for`, `selection` or
  /// `loss:COLUMN`.
  public var description: String {
    switch self {
    case .errorRate: "error"
    case .falseNegativeRate: "fnr"
    case .falsePositiveRate: "fpr"
    case .selectionRate: "selection"
    case .truePositiveRate: "tpr"
    case .trueNegativeRate: "tnr"
    case .positivePredictiveValue: "ppv"
    case .negativePredictiveValue: "npv"
    case .falseDiscoveryRate: "fdr"
    case .falseOmissionRate: "for"
    case .accuracy: "accuracy"
    case .loss(let column): "loss:\(column)"
    }
  }

  /// The metric in words, as the text output names it: "false negative
  /// rate", "mean loss 'COLUMN'".
  public var displayName: String {
    switch self {
    case .errorRate: "error rate"
    case .falseNegativeRate: "false negative rate"
    case .falsePositiveRate: "false positive rate"
    case .selectionRate: "selection rate"
    case .truePositiveRate: "true positive rate"
    case .trueNegativeRate: "true negative rate"
    case .positivePredictiveValue: "positive predictive value"
    case .negativePredictiveValue: "negative predictive value"
    case .falseDiscoveryRate: "false discovery rate"
    case .falseOmissionRate: "false omission rate"
    case .accuracy: "accuracy"
    case .loss(let c): "mean loss '\(c)'"
    }
  }

  /// The other names `init(name:)` accepts for each binary metric (besides
  /// `description`): the fairlearn and scikit-learn names
  /// (`false_negative_rate`, `recall_score`, …) and the usual synonyms; a `_`
  /// in a name may also be written `-` (`false-negative-rate`).
  public static let aliases: [(metric: Metric, names: [String])] = [
    (.errorRate, ["error_rate", "zero_one_loss"]),
    (.accuracy, ["accuracy_score"]),
    (.falseNegativeRate, ["false_negative_rate", "miss_rate"]),
    (.falsePositiveRate, ["false_positive_rate"]),
    (.truePositiveRate, ["true_positive_rate", "recall", "recall_score", "sensitivity"]),
    (.trueNegativeRate, ["true_negative_rate", "specificity"]),
    (.positivePredictiveValue, ["positive_predictive_value", "precision", "precision_score"]),
    (.negativePredictiveValue, ["negative_predictive_value"]),
    (.falseDiscoveryRate, ["false_discovery_rate"]),
    (.falseOmissionRate, ["false_omission_rate"]),
    (.selectionRate, ["selection_rate"]),
  ]

  /// Parses a name as printed by `description`, or one of `aliases`.
  public init?(name: String) {
    if name.hasPrefix("loss:") {
      guard name.count > 5 else { return nil }
      self = .loss(column: String(name.dropFirst(5)))
      return
    }
    let spelled = name.replacingUnderscores()
    for metric in Metric.binaryMetrics where metric.description == name {
      self = metric
      return
    }
    for (metric, names) in Metric.aliases where names.contains(where: { $0.replacingUnderscores() == spelled }) {
      self = metric
      return
    }
    return nil
  }

  /// Whether ℓ takes only the values 0 and 1.
  public var isBinary: Bool {
    if case .loss = self { return false }
    return true
  }

  /// Whether the metric needs the true label.
  public var needsLabel: Bool {
    switch self {
    case .selectionRate, .loss: false
    default: true
    }
  }

  /// Whether the metric needs a prediction.
  public var needsPrediction: Bool { isBinary }

  /// The direction in which a group's rate is worse, when the user does not
  /// say: lower for the success rates (tpr, tnr, ppv, npv, accuracy), higher
  /// for the error rates and a loss column. The selection rate has no
  /// natural direction; higher is chosen (ŷ = 1 read as the adverse
  /// decision, as COMPAS's "high risk"); audit a benefit (hired, approved,
  /// as the four-fifths rule reads it) with `.lower`.
  public var defaultWorse: WorseDirection {
    switch self {
    case .truePositiveRate, .trueNegativeRate, .positivePredictiveValue, .negativePredictiveValue, .accuracy: .lower
    default: .higher
    }
  }

  /// The sufficient statistics of a binary metric from a group's confusion
  /// counts `c[2·y + ŷ]` (c₀₀ = TN, c₀₁ = FP, c₁₀ = FN, c₁₁ = TP).
  @inlinable
  public func statistics(confusion c: (Int, Int, Int, Int)) -> SufficientStatistics {
    switch self {
    case .errorRate: SufficientStatistics(count: c.0 + c.1 + c.2 + c.3, positives: c.1 + c.2)
    case .falseNegativeRate: SufficientStatistics(count: c.2 + c.3, positives: c.2)
    case .falsePositiveRate: SufficientStatistics(count: c.0 + c.1, positives: c.1)
    case .selectionRate: SufficientStatistics(count: c.0 + c.1 + c.2 + c.3, positives: c.1 + c.3)
    case .truePositiveRate: SufficientStatistics(count: c.2 + c.3, positives: c.3)
    case .trueNegativeRate: SufficientStatistics(count: c.0 + c.1, positives: c.0)
    case .positivePredictiveValue: SufficientStatistics(count: c.1 + c.3, positives: c.3)
    case .negativePredictiveValue: SufficientStatistics(count: c.0 + c.2, positives: c.0)
    case .falseDiscoveryRate: SufficientStatistics(count: c.1 + c.3, positives: c.1)
    case .falseOmissionRate: SufficientStatistics(count: c.0 + c.2, positives: c.2)
    case .accuracy: SufficientStatistics(count: c.0 + c.1 + c.2 + c.3, positives: c.0 + c.3)
    case .loss: preconditionFailure("a loss metric has no confusion counts")
    }
  }

  /// The loss of one row with label y and prediction ŷ (each 0 or 1), or nil
  /// when the row is not eligible for the metric.
  ///
  /// - Precondition: a binary metric.
  public func indicator(label y: UInt8, prediction yHat: UInt8) -> Double? {
    let cell = 2 * Int(y) + Int(yHat)
    let s = statistics(confusion: (cell == 0 ? 1 : 0, cell == 1 ? 1 : 0, cell == 2 ? 1 : 0, cell == 3 ? 1 : 0))
    return s.count == 1 ? s.sum : nil
  }
}

/// Which side of the reference is worse for a one-sided disparity.
public enum WorseDirection: String, CaseIterable, Sendable, Codable {
  /// A rate above the reference is worse: Δ_g = μ_g − μ_ref.
  case higher
  /// A rate below the reference is worse: Δ_g = μ_ref − μ_g.
  case lower
}

extension String {
  /// The string with `_` written `-` (metric names accept both).
  fileprivate func replacingUnderscores() -> String {
    String(map { $0 == "_" ? "-" : $0 })
  }
}
