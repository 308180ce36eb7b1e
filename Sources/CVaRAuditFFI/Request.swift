import CVaRAudit
import CVaRInference
import CVaRPlanning
import Foundation

/// What the Python layer asks for, as the JSON text passed to `cvaraudit_call`
/// (the columns themselves travel as buffers). Field names follow the
/// Python keyword arguments; every value is checked here, with the CLI's
/// messages, before any precondition-guarded library call.
struct Request: Decodable {
  struct Attribute: Decodable {
    var name: String
    var levels: [String]
  }
  struct CustomWeight: Decodable {
    var key: [String]
    var weight: Double
  }
  var command: String
  var attributes: [Attribute]
  var metric: String
  var alpha: Double
  var weights: String
  var customWeights: [CustomWeight]?
  var disparity: String
  /// higher or lower, as `--worse`; nil: the metric's own.
  var worse: String?
  var referenceValue: Double?
  var referenceGroup: [String]?
  var confidenceLevel: Double
  var interval: String?
  var missing: String
  /// How error messages name the label and prediction columns.
  var labelName: String
  /// How messages name the row-weight column (`sample_weight=`), and its name in the document.
  var sampleWeightName: String?
  var sampleWeightColumn: String?
  var predictionName: String
  // test
  var statistic: String?
  var calibration: String
  var permutations: Int
  var seed: UInt64
  var delta: Double
  var tolerance: Double?
  // plan
  var shares: [Double]?
  var planWeights: [Double]?
  var epsilon: Double
  var power: Double
  var samples: Int?
  /// The rate of the groups without disparity (σ² = b(1 − b)), as `plan --base-rate`;
  /// nil: the observed rate of the metric's eligible rows with `planOnMetric`, else 0.5.
  var baseRate: Double?
  /// Plan on the rows eligible for `metric` (as `plan --metric`), from the data's labels and predictions.
  var planOnMetric: Bool
  /// normal or cantelli, as `plan --bound`.
  var bound: String

  enum CodingKeys: String, CodingKey {
    case command, attributes, metric, alpha, weights, customWeights, disparity, worse, referenceValue, referenceGroup
    case labelName, predictionName, sampleWeightName, sampleWeightColumn
    case confidenceLevel, interval, missing, statistic, calibration, permutations, seed, delta, tolerance
    case shares, planWeights, epsilon, power, samples, baseRate, bound, planOnMetric
  }

  /// Absent fields take the defaults of the CLI's options.
  init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    command = try c.decode(String.self, forKey: .command)
    attributes = try c.decodeIfPresent([Attribute].self, forKey: .attributes) ?? []
    metric = try c.decodeIfPresent(String.self, forKey: .metric) ?? "error"
    alpha = try c.decodeIfPresent(Double.self, forKey: .alpha) ?? 0.1
    weights = try c.decodeIfPresent(String.self, forKey: .weights) ?? "uniform"
    customWeights = try c.decodeIfPresent([CustomWeight].self, forKey: .customWeights)
    disparity = try c.decodeIfPresent(String.self, forKey: .disparity) ?? "one-sided"
    worse = try c.decodeIfPresent(String.self, forKey: .worse)
    referenceValue = try c.decodeIfPresent(Double.self, forKey: .referenceValue)
    referenceGroup = try c.decodeIfPresent([String].self, forKey: .referenceGroup)
    confidenceLevel = try c.decodeIfPresent(Double.self, forKey: .confidenceLevel) ?? 0.95
    interval = try c.decodeIfPresent(String.self, forKey: .interval)
    missing = try c.decodeIfPresent(String.self, forKey: .missing) ?? "keep"
    labelName = try c.decodeIfPresent(String.self, forKey: .labelName) ?? "y_true"
    sampleWeightName = try c.decodeIfPresent(String.self, forKey: .sampleWeightName)
    sampleWeightColumn = try c.decodeIfPresent(String.self, forKey: .sampleWeightColumn)
    predictionName = try c.decodeIfPresent(String.self, forKey: .predictionName) ?? "y_pred"
    statistic = try c.decodeIfPresent(String.self, forKey: .statistic)
    calibration = try c.decodeIfPresent(String.self, forKey: .calibration) ?? "permutation"
    permutations = try c.decodeIfPresent(Int.self, forKey: .permutations) ?? 9_999
    seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
    delta = try c.decodeIfPresent(Double.self, forKey: .delta) ?? 0.05
    tolerance = try c.decodeIfPresent(Double.self, forKey: .tolerance)
    shares = try c.decodeIfPresent([Double].self, forKey: .shares)
    planWeights = try c.decodeIfPresent([Double].self, forKey: .planWeights)
    epsilon = try c.decodeIfPresent(Double.self, forKey: .epsilon) ?? 0.1
    power = try c.decodeIfPresent(Double.self, forKey: .power) ?? 0.9
    samples = try c.decodeIfPresent(Int.self, forKey: .samples)
    baseRate = try c.decodeIfPresent(Double.self, forKey: .baseRate)
    planOnMetric = try c.decodeIfPresent(Bool.self, forKey: .planOnMetric) ?? false
    bound = try c.decodeIfPresent(String.self, forKey: .bound) ?? "normal"
  }
}

extension Request {
  static func decode(_ text: String) throws -> Request {
    do {
      return try JSONDecoder().decode(Request.self, from: Data(text.utf8))
    } catch {
      throw ColumnError(description: "internal error: malformed request (\(error))")
    }
  }

  func fail(_ message: String) -> ColumnError { ColumnError(description: message) }

  var parsedMetric: Metric {
    get throws {
      guard let m = Metric(name: metric) else {
        throw fail("metric: unknown metric '\(metric)'; use error, accuracy, fnr, fpr, tpr, tnr, ppv, npv, fdr, for, selection or loss (or a fairlearn name such as false_negative_rate, recall, precision)")
      }
      return m
    }
  }

  var missingPolicy: MissingValuePolicy {
    get throws {
      guard let p = MissingValuePolicy(rawValue: missing) else { throw fail("missing must be 'keep' or 'exclude' (got '\(missing)')") }
      return p
    }
  }

  /// The audit configuration, checked as `cvar-audit audit` checks its options.
  func auditConfiguration(confidenceLevel level: Double? = nil) throws -> AuditConfiguration {
    let metric = try parsedMetric
    guard alpha > 0 && alpha <= 1 else { throw fail("alpha must lie in (0, 1] (got \(alpha))") }
    let level = level ?? confidenceLevel
    guard level > 0 && level < 1 else {
      throw fail("confidence_level must lie strictly between 0 and 1 (got \(level))")
    }
    // The worse side, as `--worse`: the metric's own unless given (lower for tpr, tnr, ppv, npv, accuracy).
    let kind = try disparityKind(disparity, worse: worse, default: metric.defaultWorse)
    var method: IntervalMethod? = nil
    if let interval {
      guard let m = IntervalMethod(rawValue: interval) else {
        throw fail("interval must be one of wilson, clopper-pearson, hoeffding, bernstein (got '\(interval)')")
      }
      if m.needsBinaryLoss && !metric.isBinary {
        throw fail("interval \(m.rawValue) needs a binary metric; use hoeffding or bernstein for \(metric)")
      }
      method = m
    }
    let reference: Reference
    if let v = referenceValue {
      guard (0...1).contains(v) else { throw fail("reference must be a rate in [0, 1] (got \(v))") }
      reference = .value(v)
    } else if let key = referenceGroup {
      guard key.count == attributes.count else {
        throw fail("reference group: needs \(attributes.count) value(s), one per sensitive feature (\(attributes.map(\.name).joined(separator: ","))), got \(key.count)")
      }
      reference = .group(key)
    } else {
      reference = .pooled
    }
    let weighting: GroupWeighting
    switch weights {
    case "uniform": weighting = .uniform
    case "population": weighting = .population
    case "custom":
      var given: [[String]: Double] = [:]
      for w in customWeights ?? [] {
        guard w.key.count == attributes.count else {
          throw fail("weights: the key \(w.key) needs \(attributes.count) value(s), one per sensitive feature")
        }
        given[w.key] = w.weight
      }
      weighting = .custom(given)
    default: throw fail("weights must be 'uniform', 'population' or a mapping from group to weight (got '\(weights)')")
    }
    return AuditConfiguration(metric: metric, alpha: alpha, weighting: weighting, disparity: kind,
                              reference: reference, confidenceLevel: level, interval: method)
  }

  /// The test configuration, checked as `cvar-audit test` checks its options.
  func testConfiguration() throws -> DisparityTestConfiguration {
    guard delta > 0 && delta < 1 else { throw fail("delta must lie strictly between 0 and 1 (got \(delta))") }
    guard permutations >= 1 else { throw fail("permutations must be at least 1 (got \(permutations))") }
    guard let c = CVaRInference.Calibration(rawValue: calibration) else {
      throw fail("calibration must be 'permutation', 'bound' or 'tolerance' (got '\(calibration)')")
    }
    var s: TestStatistic = c == .tolerance ? .cvar : .l2
    if let statistic {
      guard let parsed = TestStatistic(rawValue: statistic) else {
        throw fail("statistic must be 'l2', 'cvar' or 'max' (got '\(statistic)')")
      }
      s = parsed
    }
    if let tolerance, !(tolerance.isFinite && tolerance >= -1 && tolerance <= 1) {
      throw fail("tolerance must be a number in [-1, 1] (got \(tolerance))")
    }
    if c != .tolerance && tolerance != nil { throw fail("tolerance goes with calibration='tolerance'") }
    if c == .bound && s != .l2 {
      throw fail("calibration='bound' exists only for statistic='l2' (Cantelli's inequality on T_L2), not \(s.rawValue)")
    }
    if c == .tolerance && s != .cvar {
      throw fail("calibration='tolerance' tests CVaR ≤ ε0 and needs statistic='cvar', not \(s.rawValue)")
    }
    if c == .tolerance && tolerance == nil { throw fail("calibration='tolerance' needs tolerance=ε0") }
    let configuration = DisparityTestConfiguration(
      audit: try auditConfiguration(confidenceLevel: 1 - delta), statistic: s, calibration: c,
      permutations: permutations, seed: seed, delta: delta, tolerance: tolerance)
    try DisparityTest.validate(configuration)
    return configuration
  }

  /// The planning problem, checked as `cvar-audit plan` checks its options.
  ///
  /// - Parameter plannerRate: the base rate the planner works with (1 − b when lower is worse).
  func planningProblem(shares given: [Double], plannerRate: Double) throws -> PlanningProblem {
    guard alpha > 0 && alpha <= 1 else { throw fail("alpha must lie in (0, 1] (got \(alpha))") }
    guard epsilon > 0 && epsilon.isFinite else { throw fail("epsilon must be > 0 (got \(epsilon))") }
    guard delta > 0 && delta < 1 else { throw fail("delta must lie strictly between 0 and 1 (got \(delta))") }
    guard power > 0 && power < 1 else { throw fail("power must lie strictly between 0 and 1 (got \(power))") }
    if let samples, samples < 1 { throw fail("samples must be at least 1 (got \(samples))") }
    if let baseRate, !(baseRate >= 0 && baseRate < 1) { throw fail("base_rate must lie in [0, 1) (got \(baseRate))") }
    guard let method = PlannerBound(rawValue: bound) else {
      throw fail("bound must be 'normal' or 'cantelli' (got '\(bound)')")
    }
    guard given.count >= 2 else { throw fail("\(given.count) group(s); planning needs at least 2") }
    func check(_ values: [Double], _ what: String) throws {
      guard values.allSatisfy({ $0.isFinite && $0 >= 0 }), values.reduce(0, +) > 0 else {
        throw fail("\(what) must be finite, non-negative numbers with a positive sum")
      }
    }
    try check(given, "shares")
    if let g = given.firstIndex(of: 0) {
      throw fail("group \(g + 1) has share 0: i.i.d. sampling never reaches it; leave it out or give it a positive share")
    }
    let w: [Double]
    switch weights {
    case "uniform": w = [Double](repeating: 1, count: given.count)
    case "population": w = given
    case "custom":
      guard let planWeights, planWeights.count == given.count else {
        throw fail("weights: give one weight per group (\(given.count))")
      }
      w = planWeights
    default: throw fail("weights must be 'uniform', 'population' or one weight per group (got '\(weights)')")
    }
    try check(w, "weights")
    return PlanningProblem(shares: given, weights: w, alpha: alpha, epsilon: epsilon, delta: delta, power: power,
                           baseRate: plannerRate, bound: method)
  }
}

/// The disparity of the options `disparity` (one-sided or two-sided) and
/// `worse` (higher or lower, for a one-sided disparity; nil: `defaultSide`),
/// checked as `--disparity` and `--worse` are.
func disparityKind(_ disparity: String, worse: String?, default defaultSide: WorseDirection) throws -> DisparityKind {
  guard disparity == "one-sided" || disparity == "two-sided" else {
    throw ColumnError(description: "disparity must be 'one-sided' or 'two-sided' (got '\(disparity)')")
  }
  guard let worse else { return DisparityKind(twoSided: disparity == "two-sided", worse: defaultSide) }
  guard let side = WorseDirection(rawValue: worse) else {
    throw ColumnError(description: "worse must be 'higher' or 'lower' (got '\(worse)')")
  }
  guard disparity == "one-sided" else {
    throw ColumnError(description: "worse='\(worse)' applies to a one-sided disparity; disparity='two-sided' counts both sides")
  }
  return DisparityKind(twoSided: false, worse: side)
}
