import ArgumentParser
import CVaRAudit
import CVaRSequential
import Foundation

extension SamplerKind: ExpressibleByArgument {}

enum SequentialFormat: String, ExpressibleByArgument, CaseIterable {
  case table, json
}

/// `--reference pooled|population|NUMBER` for a sequential audit.
enum SequentialReferenceArgument: ExpressibleByArgument {
  case pooled, population, value(Double)
  init?(argument: String) {
    if argument == "pooled" {
      self = .pooled
    } else if argument == "population" {
      self = .population
    } else if let v = Double(argument), v.isFinite, (0...1).contains(v) {
      self = .value(v)
    } else {
      return nil
    }
  }
}

/// Options shared by `monitor` and `active`: what is tested and how.
struct SequentialOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Metric: error, accuracy, fnr, fpr, tpr, tnr, ppv, npv, fdr, for, selection, or loss:COLUMN (a loss in [0, 1]); fairlearn names such as recall, precision are accepted.", valueName: "metric"))
  var metric: Metric = .errorRate

  @Option(help: ArgumentHelp("CVaR level α in (0, 1]: the share of group weight in the tail."))
  var alpha: Double = 0.1

  @Option(help: "Group weights: uniform (each group counts the same) or population (share of the declared groups' eligible rows).")
  var weights: WeightsArgument = .uniform

  @Option(help: "Disparity: one-sided (μ_g − μ_ref) or two-sided (|μ_g − μ_ref|).")
  var disparity: DisparityKind = .oneSided

  @Option(help: ArgumentHelp("Which rates are worse, for a one-sided disparity: higher (Δ_g = μ_g − μ_ref) or lower (Δ_g = μ_ref − μ_g). Default: lower for tpr, tnr, ppv, npv and accuracy; higher for the others.", valueName: "higher|lower"))
  var worse: WorseDirection?

  @Option(help: ArgumentHelp("Reference: pooled (mean of the observations, own confidence sequence; monitor's default), population (Σ p_g μ_g with the declared groups' shares, bounded by the group sequences; active's default), or a known rate in [0, 1].",
                             valueName: "pooled|population|number"))
  var reference: SequentialReferenceArgument?

  @Option(help: ArgumentHelp("Tolerance ε0: violation when the CVaR lower bound exceeds it, within tolerance when the upper bound falls below it.", valueName: "ε0"))
  var tolerance: Double = 0.05

  @Option(help: ArgumentHelp("Error probability δ in (0, 1), valid under continuous monitoring."))
  var delta: Double = 0.05

  @Option(help: "Sampler: iid, stratified, two-stage or adaptive (for monitor: how the rows were collected).")
  var sampler: SamplerKind = .iid

  @Flag(name: .customLong("l2-test"), help: "Also run the sequential L2 test of no disparity (looks at n₀·2^k, δ/2 of the budget; not with --sampler adaptive).")
  var l2Test = false

  @Option(name: .customLong("l2-first-look"), help: ArgumentHelp("First look n₀ of the L2 test.", valueName: "n"))
  var l2FirstLook: Int = 256

  @Option(help: ArgumentHelp("Stop with budgetExhausted after this many observations.", valueName: "n"))
  var budget: Int?

  @Option(help: "Output: table or json.")
  var format: SequentialFormat = .table

  @Option(name: .customLong("report-every"), help: ArgumentHelp("Print a status line every N observations (0: never).", valueName: "N"))
  var reportEvery: Int = 0

  func validate() throws {
    guard alpha > 0 && alpha <= 1 else { throw ValidationError("--alpha must lie in (0, 1] (got \(alpha))") }
    guard delta > 0 && delta < 1 else { throw ValidationError("--delta must lie strictly between 0 and 1 (got \(delta))") }
    guard tolerance.isFinite && tolerance >= -1 && tolerance <= 1 else {
      throw ValidationError("--tolerance must be a disparity in [-1, 1] (got \(tolerance))")
    }
    if let worse, disparity == .twoSided {
      throw ValidationError("--worse \(worse.rawValue) applies to a one-sided disparity; --disparity two-sided counts both sides")
    }
    if let budget, budget <= 0 { throw ValidationError("--budget must be a positive number of observations (got \(budget))") }
    guard reportEvery >= 0 else { throw ValidationError("--report-every must be 0 or more (got \(reportEvery))") }
    guard l2FirstLook >= 2 else { throw ValidationError("--l2-first-look must be at least 2 (got \(l2FirstLook))") }
    if l2Test && sampler.isDataDependent {
      throw ValidationError("--l2-test needs a sampler that does not look at the losses; it is not valid with --sampler adaptive")
    }
  }

  /// The tester's configuration for declared groups.
  func configuration(groups: DeclaredGroups, label: String,
                     defaultReference: SequentialReferenceArgument) -> SequentialConfiguration {
    let w: [Double] = weights == .uniform ? Array(repeating: 1, count: groups.keys.count) : groups.shares
    let ref: SequentialReference
    switch reference ?? defaultReference {
    case .pooled: ref = .pooled
    case .population: ref = .population(groups.shares)
    case .value(let v): ref = .value(v)
    }
    return SequentialConfiguration(
      groupKeys: groups.keys, weights: w, alpha: alpha, tolerance: tolerance, delta: delta,
      disparity: DisparityKind(twoSided: disparity == .twoSided, worse: worse ?? metric.defaultWorse),
      reference: ref, l2FirstLook: l2Test ? l2FirstLook : nil,
      budget: budget, label: label)
  }
}

/// The groups of a sequential audit, fixed before the first observation.
struct DeclaredGroups {
  var keys: [[String]]
  /// Encoded keys (`GroupTable.append`), index = group number.
  var table: ByteKeyTable
  /// Each group's share of the declaring file's eligible rows.
  var shares: [Double]
  /// Eligible rows per group in the declaring file.
  var counts: [Int]

  /// The groups with at least one row eligible for `metric` in the file at
  /// `path` (a first pass with the same row rules as the audit itself).
  init(path: String, input: InputOptions, metric: Metric, skipMalformed: Bool) throws {
    let reader = try CSVReader(path: path, delimiter: input.delimiterByte)
    let rows = try ObservationReader(reader: reader, columns: input.selection(for: metric), metric: metric,
                                     groups: ByteKeyTable(), skipMalformed: skipMalformed, declaring: true)
    var counts: [Int] = []
    while let row = try rows.next() {
      guard case .observation(let g, _) = row else { continue }
      if g == counts.count { counts.append(0) }
      counts[g] += 1
    }
    guard !counts.isEmpty else {
      throw CommandFailure(message: "\(reader.displayName): no row is eligible for the metric '\(metric)', so no group can be declared")
    }
    keys = counts.indices.map { rows.key($0) }
    self.counts = counts
    let total = Double(counts.reduce(0, +))
    shares = counts.map { Double($0) / total }
    table = rows.groups
  }
}

extension InputOptions {
  /// The columns an observation reader needs for `metric`.
  func selection(for metric: Metric) -> ColumnSelection {
    var selection = columns
    if case .loss(let column) = metric { selection.lossColumn = column }
    return selection
  }

  /// The input's path (the embedded COMPAS file when there is no --input).
  func inputPath() throws -> String { try input ?? EmbeddedData.compasPath() }

  /// A label of the data that a saved state must match.
  func stateLabel(metric: Metric) -> String {
    let c = selection(for: metric)
    var parts = ["metric=\(metric)", "groupBy=" + c.groupBy.joined(separator: ",")]
    if let label = c.label, metric.needsLabel { parts.append("label=\(label)") }
    switch c.prediction {
    case .column(let name)? where metric.needsPrediction: parts.append("prediction=\(name)")
    case .score(let name, let t)? where metric.needsPrediction: parts.append("score=\(name)>=\(t)")
    default: break
    }
    return parts.joined(separator: ";")
  }
}

/// Writes a line to standard output and flushes it (status lines must appear
/// while the input is still streaming).
func printFlushed(_ line: String) {
  print(line)
  fflush(nil)
}
