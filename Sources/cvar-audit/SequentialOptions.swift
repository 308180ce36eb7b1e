import ArgumentParser
import CVaRAudit
import CVaRSequential
import Foundation

extension SamplerKind: ExpressibleByArgument {}
extension SequentialMethod: ExpressibleByArgument {}
extension BettingStrategy: ExpressibleByArgument {}

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
      self = .value(v == 0 ? 0 : v)  // -0 is 0
    } else {
      return nil
    }
  }
}

/// Options shared by `monitor` and `active`: what is tested and how.
struct SequentialOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Metric: error, accuracy, fnr, fpr, tpr, tnr, ppv, npv, fdr, for, selection, or loss:COLUMN (a loss in [0, 1]); fairlearn names such as recall, precision are accepted.", valueName: "metric"))
  var metric: Metric = .errorRate

  @Option(range: .alpha, help: "CVaR level α: the share of group weight in the tail.")
  var alpha: Double = 0.1

  @Option(help: "Group weights: uniform (each group counts the same) or population (share of the declared groups' eligible rows).")
  var weights: WeightsArgument = .uniform

  @Option(help: "Disparity: one-sided (μ_g − μ_ref) or two-sided (|μ_g − μ_ref|).")
  var disparity: DisparityKind = .oneSided

  @Option(help: ArgumentHelp("Which rates are worse, for a one-sided disparity: higher (Δ_g = μ_g − μ_ref) or lower (Δ_g = μ_ref − μ_g). Default: lower for tpr, tnr, ppv, npv and accuracy; higher for the others.", valueName: "higher|lower"))
  var worse: WorseDirection?

  @Option(parsing: .unconditional, help: ArgumentHelp("Reference: population (the default: Σ p_g μ_g with the declared groups' shares, bounded by the group sequences; valid in any arrival order), pooled (mean of all observations with its own confidence sequence; valid only for rows in exchangeable order, i.e. an i.i.d. stream or a uniformly shuffled file, not a file sorted by group or time; refused with a --sampler other than iid), or a known rate in [0, 1].",
                             valueName: "population|pooled|number"))
  var reference: SequentialReferenceArgument = .population

  @Option(range: .disparity, help: "Tolerance ε0: violation when the CVaR lower bound exceeds it, within tolerance when the upper bound falls below it.", valueName: "ε0")
  var tolerance: Double = 0.05

  @Option(range: .probability, help: "Error probability δ, valid under continuous monitoring.")
  var delta: Double = 0.05

  @Option(help: "Sampler: iid, stratified, two-stage or adaptive. For active it picks the group of each next label. For monitor it only labels how the rows were collected: it is printed, refuses --l2-test with adaptive and --reference pooled with anything but iid, and changes nothing else.")
  var sampler: SamplerKind = .iid

  @Option(help: ArgumentHelp("How a violation is decided: betting (the default: a betting e-process on the CVaR dual contrast pooled over all groups, rejecting when its wealth reaches 1/δ; needs the group of each row drawn with known probabilities: the declared shares for monitor, the sampler's for active) or confidence-sequence (the CVaR of the groups' confidence sequences at δ/K; valid in any arrival order, slower at many groups). With --tolerance 0, --weights population and the population reference (the null is then no disparity) the violation e-value is the average of that e-process and one on the spread of all group means (the L2 contrast, or the blocks' spread with --sampler two-stage). Within tolerance is certified by the confidence sequences with either. docs/guide/sequential.md.", valueName: "betting|confidence-sequence"))
  var method: SequentialMethod = .betting

  @Option(name: .customLong("betting-strategy"), help: ArgumentHelp("How the betting method sizes its bets: agrapa (the default; adaptive to the payoffs so far) or mixture (an average over 12 fixed bet fractions).", valueName: "agrapa|mixture"))
  var bettingStrategy: BettingStrategy = .agrapa

  @Flag(name: .customLong("l2-test"), help: "Also run a sequential L2 test of no disparity (δ/2 of the budget): with --method betting a betting e-process on the L2 contrast; with --method confidence-sequence looks at n₀·2^k, not with --sampler adaptive.")
  var l2Test = false

  @Option(name: .customLong("l2-first-look"), range: .firstLook, help: "First look n₀ of the L2 test.", valueName: "n")
  var l2FirstLook: Int = 256

  @Option(range: .rows, help: "Stop with budgetExhausted after this many observations.", valueName: "n")
  var budget: Int?

  @Option(help: "Output: table or json.")
  var format: SequentialFormat = .table

  @Option(name: .customLong("report-every"), range: .integers(0, NumericRange.maximumRows), help: "Print a status line every N observations (0: never).", valueName: "N")
  var reportEvery: Int = 0

  func validate() throws {
    if let worse, disparity == .twoSided {
      throw ValidationError("--worse \(worse.rawValue) applies to a one-sided disparity; --disparity two-sided counts both sides")
    }
    if l2Test && sampler.isDataDependent && method == .confidenceSequence {
      throw ValidationError("--l2-test with --method confidence-sequence needs a sampler that does not look at the losses; it is not valid with --sampler adaptive (use --method betting)")
    }
    if case .pooled = reference, sampler != .iid {
      throw ValidationError("--reference pooled needs rows in exchangeable order; with --sampler \(sampler.rawValue) the next row's mean is that of the chosen group, so the pooled sequence is not valid: use --reference population (the default)")
    }
  }

  /// The tester's configuration for declared groups.
  func configuration(groups: DeclaredGroups, label: String) -> SequentialConfiguration {
    let w: [Double] = weights == .uniform ? Array(repeating: 1, count: groups.keys.count) : groups.shares
    let ref: SequentialReference
    switch reference {
    case .pooled: ref = .pooled
    case .population: ref = .population(groups.shares)
    case .value(let v): ref = .value(v)
    }
    return SequentialConfiguration(
      groupKeys: groups.keys, weights: w, alpha: alpha, tolerance: tolerance, delta: delta,
      disparity: DisparityKind(twoSided: disparity == .twoSided, worse: worse ?? metric.defaultWorse),
      reference: ref, l2FirstLook: l2Test ? l2FirstLook : nil,
      budget: budget, label: label, method: method, bettingStrategy: bettingStrategy)
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

/// Refuses a path that is not a regular file (a pipe such as `<(...)`, a
/// device) where the command reads the file twice: the second read of a
/// pipe finds it drained ("the file is empty" was the message before).
/// A path that cannot be opened is left to the reader's message.
func requireRereadable(_ path: String, option: String, remedy: String) throws {
  var info = stat()
  guard stat(path, &info) == 0 else { return }
  if (info.st_mode & S_IFMT) != S_IFREG && (info.st_mode & S_IFMT) != S_IFDIR {
    throw CommandFailure(message: "\(path): \(option) is not a regular file (a pipe or a device, which can be read only once), but it is read twice: \(remedy)")
  }
}

/// Reads a state file given to --resume: a regular file (a device such as
/// /dev/zero would be read without end).
func readStateFile(_ path: String) throws -> Data {
  var info = stat()
  if stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
    throw InputError(file: path, message: "not a regular file: expected a state file written by --save-state")
  }
  do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
    throw InputError(file: path, message: "cannot read the state file: \(error.localizedDescription)")
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
