import ArgumentParser
import CVaRAudit
import CVaRPlanning
import Foundation

/// `--weights uniform|population|FILE` for `plan`.
enum PlanWeights: ExpressibleByArgument {
  case uniform, population, file(String)
  init?(argument: String) {
    switch argument {
    case "uniform": self = .uniform
    case "population": self = .population
    case "": return nil
    default: self = .file(argument)
    }
  }
  var defaultValueDescription: String { "uniform" }
  var name: String {
    switch self {
    case .uniform: "uniform"
    case .population: "population"
    case .file(let path): "file:\(path)"
    }
  }
}

struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "How many rows an audit needs: max-gap and CVaR tests, i.i.d., stratified and two-stage designs.",
    discussion: """
      The groups come from --num-groups K (equal shares), --shares FILE (one share per line, or \
      CSV lines group,share), or the group sizes of a data file (--input with --group-by; without \
      any of these, the embedded COMPAS data). The sizes are closed forms at the per-row variance \
      σ² = b(1 − b) of --base-rate b (default 0.5, the worst case), with normal quantiles (--bound \
      normal, an estimate) or Cantelli multipliers (--bound cantelli, a distribution-free bound); \
      each is printed with its constants. --samples N adds the smallest ε each design detects with \
      N rows; --simulate adds the empirical sample complexity n* from a seeded simulation. \
      With --metric M the plan counts the rows eligible for M (positives for fnr and tpr, negatives \
      for fpr and tnr, predicted positives for ppv and fdr, …): shares and base rate come from the \
      eligible rows of --input, and each size is also given in total rows at the observed eligible \
      share (--eligible-share with --num-groups or --shares). An ε larger than any group can show \
      (above 1 − b, or above b when lower is worse) is reported as not detectable (exit 2).
      """
  )

  @Option(name: .customLong("num-groups"), range: .groups, help: "K groups with equal population shares.", valueName: "K")
  var numGroups: Int?

  @Option(help: ArgumentHelp("File of population shares: one per line, or CSV lines group,share.", valueName: "file"))
  var shares: String?

  @OptionGroup var input: InputOptions

  @Option(help: ArgumentHelp("Audit weights w: uniform, population (the shares), or a file like --shares.",
                             valueName: "uniform|population|file"))
  var weights: PlanWeights = .uniform

  @Option(range: .alpha, help: "CVaR level α.")
  var alpha: Double = 0.1

  @Option(range: .positive, help: "The violation to detect (CVaR_α ≥ ε; max gap ≥ ε). A value no group can reach (above 1 − b) is reported as not detectable, with exit status 2.")
  var epsilon: Double = 0.1

  @Option(help: ArgumentHelp("Plan on the rows eligible for this metric (fnr: the positives; fpr: the negatives; …), as audit takes it; with --input, the shares and the base rate come from those rows.", valueName: "metric"))
  var metric: Metric?

  @Option(name: .customLong("eligible-share"), range: .real(0, 1, lowerClosed: false), help: "With --metric and --num-groups or --shares: the share of all rows eligible for the metric (e.g. the positive rate for fnr), to convert the sizes to total rows.", valueName: "e")
  var eligibleShare: Double?

  @Option(range: .integers(0, 1_000_000_000), help: "Groups in the allocation table of the text output: the N that need the most rows (with data, those that are short first); 0 for all. Default: all up to 40 groups, else 20. JSON and CSV list every group.", valueName: "N")
  var top: Int?

  @Option(range: .probability, help: "Type I error δ.")
  var delta: Double = 0.05

  @Option(range: .probability, help: "Power 1 − β.")
  var power: Double = 0.9

  @Option(range: .rows, help: "Also report the smallest ε each design detects with this many rows.", valueName: "n")
  var samples: Int?

  @Flag(help: "Also estimate n* by simulation (Monte-Carlo calibration) and compare it with the bounds.")
  var simulate = false

  @Option(name: .customLong("base-rate"), range: .baseRate, help: "Rate of the groups without disparity: it sets the per-row variance σ² = b(1 − b) of the sizes, and the null of --simulate. Default: the metric's observed rate with --metric and --input, else 0.5, the worst case (σ² = 1/4).", valueName: "b")
  var baseRate: Double?

  @Option(help: ArgumentHelp("How the sizes are calibrated: normal (normal approximation, an estimate for the permutation test) or cantelli (a distribution-free bound, for --calibration bound).", valueName: "normal|cantelli"))
  var bound: PlannerBound = .normal

  @Option(range: .replicates, help: "Replicates per power estimate, for --simulate.")
  var replicates: Int = 400

  @Option(name: .customLong("calibration-replicates"), range: .replicates, help: "Null replicates per critical value, for --simulate.")
  var calibrationReplicates: Int = 1000

  @Option(range: .seed, help: "Seed of the simulation.")
  var seed: UInt64 = 1

  @Option(help: "Output: table, json, or csv (the per-group allocation of the stratified design).")
  var format: OutputFormat = .table

  @OptionGroup var csvOptions: CSVOutputOptions

  func validate() throws {
    let sources = [numGroups != nil, shares != nil, input.input != nil].filter { $0 }.count
    if sources > 1 {
      throw ValidationError("give the groups one way: --num-groups, --shares, or --input with --group-by")
    }
    if numGroups != nil || shares != nil, input.groupBy != nil {
      throw ValidationError("--group-by goes with --input")
    }
    if eligibleShare != nil {
      guard let metric else { throw ValidationError("--eligible-share goes with --metric") }
      if input.input != nil || (numGroups == nil && shares == nil) {
        throw ValidationError("--eligible-share goes with --num-groups or --shares; with data, the share of \(PlanEligibility.noun(metric)) is read from the rows")
      }
      if PlanEligibility.countsEveryRow(metric) {
        throw ValidationError("--eligible-share does not apply to \(metric): every row is eligible")
      }
    }
    if let metric {
      if numGroups != nil || shares != nil {
        if eligibleShare == nil && !PlanEligibility.countsEveryRow(metric) {
          throw ValidationError("--metric \(metric) with --num-groups or --shares needs --eligible-share e: the share of all rows that are \(PlanEligibility.noun(metric))")
        }
      } else {
        try input.validate(metrics: [metric])
      }
    }
    if format == .csv && simulate {
      throw ValidationError("--format csv writes the allocation table only; use table or json with --simulate")
    }
  }

  /// The groups: labels, population shares, where they came from, and with
  /// --metric the eligible rows they stand for.
  func groups() throws -> PlanGroups {
    let fixed = metric.map { m in
      PlanEligibility(metric: m, worse: m.defaultWorse, share: eligibleShare ?? 1, groupShares: nil, observedRate: nil, groupsLeftOut: 0)
    }
    if let k = numGroups {
      return PlanGroups(labels: (1...k).map(String.init), shares: .init(repeating: 1 / Double(k), count: k),
                        source: "\(CountText.counted(k, "group")) with equal shares", eligibility: fixed)
    }
    if let path = shares {
      let file = try ShareFile.read(path, what: "share")
      if let g = file.values.firstIndex(of: 0) {
        throw InputError(file: path, message: "group \(file.labels?[g] ?? String(g + 1)) has share 0: i.i.d. sampling never reaches it; leave it out or give it a positive share")
      }
      return PlanGroups(labels: file.labels ?? (1...file.values.count).map(String.init), shares: file.values,
                        source: "shares from \(path)", eligibility: fixed)
    }
    let table = try input.loadTable(metrics: metric.map { [$0] } ?? [])
    let rows = (0..<table.groupCount).map { table.rowCount(group: $0) }
    let by = table.attributes.joined(separator: ", ")
    guard let metric else {
      guard table.groupCount >= 2 else {
        throw CommandFailure(message: "\(input.inputName): \(CountText.counted(table.groupCount, "group")) with rows; planning needs at least 2")
      }
      return PlanGroups(labels: table.keys.map(AuditRendering.displayKey), shares: rows.map(Double.init),
                        source: "group sizes of \(input.inputName) (\(CountText.counted(rows.reduce(0, +), "row")), by \(by))",
                        available: rows)
    }
    let found = PlanEligibility.groups(of: table, metric: metric)
    let kept = found.kept
    guard kept.count >= 2 else {
      throw CommandFailure(message: "\(input.inputName): \(CountText.counted(kept.count, "group")) with \(PlanEligibility.noun(metric)) for \(metric); planning needs at least 2")
    }
    let eligible = found.eligible, eligibility = found.eligibility, totalRows = found.totalRows
    return PlanGroups(
      labels: kept.map { AuditRendering.displayKey(table.keys[$0]) }, shares: eligible.map(Double.init),
      source: PlanEligibility.countsEveryRow(metric)
        ? "group sizes of \(input.inputName) (\(CountText.counted(found.eligibleRows, "row")) with \(metric), by \(by))"
        : "\(PlanEligibility.noun(metric)) of \(input.inputName) (\(AuditRendering.grouped(found.eligibleRows)) of \(CountText.counted(totalRows, "row")), by \(by))",
      available: eligible, eligibility: eligibility)
  }

  /// The allocation rows the table shows: --top (0: all), else all up to 40 groups and 20 above.
  static func tableRows(_ top: Int?, groups: Int) -> Int? {
    switch top {
    case .some(0): nil
    case .some(let n): n
    case .none: groups <= 40 ? nil : 20
    }
  }

  /// The base rate b in the metric's own scale: --base-rate, else the
  /// observed rate with --metric and data, else 0.5.
  func metricBaseRate(_ groups: PlanGroups) -> Double {
    baseRate ?? groups.eligibility?.observedRate ?? 0.5
  }

  /// The planner's base rate: b, or 1 − b when lower is worse (the planner
  /// puts the violation above its base rate; b(1 − b) is the same).
  static func plannerBaseRate(_ b: Double, worse: WorseDirection) -> Double { worse == .lower ? 1 - b : b }

  /// Refuses an ε that no group can reach: a group's rate stays in [0, 1], so
  /// its disparity from the base rate b is at most 1 − b (b when lower is
  /// worse). The max gap and the CVaR are at most that disparity.
  static func checkDetectable(epsilon: Double, baseRate b: Double, worse: WorseDirection, metric: Metric?) throws {
    if let message = PlanChecks.notDetectable(epsilon: epsilon, baseRate: b, lowerIsWorse: worse == .lower,
                                              metric: metric.map { "\($0)" }, option: "--epsilon") {
      throw CommandFailure(message: message)
    }
  }

  func weightVector(labels: [String], shares: [Double]) throws -> [Double] {
    switch weights {
    case .uniform: return .init(repeating: 1, count: labels.count)
    case .population: return shares
    case .file(let path):
      let file = try ShareFile.read(path, what: "weight")
      if let named = file.labels {
        let byName = Dictionary(uniqueKeysWithValues: zip(named, file.values))
        return try labels.map { label in
          guard let w = byName[label] else {
            throw InputError(file: path, message: "no weight for group '\(label)' (the file names \(named.prefix(5).joined(separator: ", "))\(named.count > 5 ? ", …" : ""))")
          }
          return w
        }
      }
      guard file.values.count == labels.count else {
        throw InputError(file: path, message: "has \(file.values.count) weights for \(labels.count) groups")
      }
      return file.values
    }
  }

  func run() throws {
    let planGroups = try groups()
    let labels = planGroups.labels, populationShares = planGroups.shares
    let w = try weightVector(labels: labels, shares: populationShares)
    let b = metricBaseRate(planGroups)
    let worse = planGroups.eligibility?.worse ?? .higher
    let plannerRate = Self.plannerBaseRate(b, worse: worse)
    guard plannerRate < 1 else {
      throw CommandFailure(message: "not detectable: the base rate b = \(fmtShort(b)) is already the worst value of \(metric.map { "\($0)" } ?? "the rate") (every eligible row counts against it), so no group can be worse; give --base-rate")
    }
    try Self.checkDetectable(epsilon: epsilon, baseRate: b, worse: worse, metric: metric)
    let problem = PlanningProblem(shares: populationShares, weights: w, alpha: alpha, epsilon: epsilon, delta: delta, power: power,
                                  baseRate: plannerRate, bound: bound)
    let plan = SamplePlanner.plan(problem)
    try Self.checkReachable([plan.maxGap.rows, plan.cvarIID.rows, plan.cvarStratified.rows, plan.twoStage.rows],
                            names: PlanReport.designNames)
    let detectable = samples.map { SamplePlanner.detectableEpsilon(problem, samples: $0) }
    var simulated: PlanSimulation? = nil
    if simulate {
      simulated = try PlanSimulation.run(plan: plan, baseRate: plannerRate,
                                         settings: SimulationSettings(replicates: replicates, calibrationReplicates: calibrationReplicates,
                                                                      seed: seed, targetPower: power))
    }
    let report = PlanReport(labels: labels, source: planGroups.source, weights: weights.name, plan: plan,
                            detectable: detectable, simulated: simulated, available: planGroups.available,
                            eligibility: planGroups.eligibility, metricBaseRate: b, baseRateGiven: baseRate != nil,
                            top: Self.tableRows(top, groups: labels.count))
    let output: String
    switch format {
    case .table: output = report.table()
    case .json: output = try report.json()
    case .csv: output = report.csv(escapeFormulas: csvOptions.escapeFormulas)
    }
    try StandardOutput.print(output)
  }
}

extension PlanCommand {
  /// Refuses sample sizes above 2^53 rows (`NumericRange.maximumRows`): no
  /// audit collects them, and beyond that neither a double nor a JSON reader
  /// holds the count exactly (the bounds saturate near 9·10¹⁸, where Int ends).
  static func checkReachable(_ samples: [Double], names: [String]) throws {
    let beyond = samples.indices.filter { !(samples[$0] <= Double(NumericRange.maximumRows)) }
    guard !beyond.isEmpty else { return }
    throw CommandFailure(message: "not reachable: \(beyond.map { names[$0] }.joined(separator: "; ")) would need more than 2^53 = \(AuditRendering.grouped(NumericRange.maximumRows)) rows; raise --epsilon or --alpha, or lower --power, or raise --delta (or the smallest group share)")
  }
}

extension PlannerBound: ExpressibleByArgument {}

/// `plan --simulate`: n* of the four designs at the plan's parameters.
struct PlanSimulation {
  var baseRate: Double
  var settings: SimulationSettings
  /// n* per design (nil: not reached below the search's ceiling), in the
  /// order maxGap, cvarIID, cvarStratified, twoStage.
  var results: [SampleComplexityResult]

  static let designs: [(DisparityTest, Sampler, Alternative)] = [
    (.maxGap, .iid, .singleGroup), (.l2, .iid, .flatTail), (.l2, .stratified, .flatTail), (.l2, .twoStage, .flatTail),
  ]

  static func run(plan: SamplePlan, baseRate: Double, settings: SimulationSettings) throws -> PlanSimulation {
    let p = plan.problem
    let bounds = [plan.maxGap.rows, plan.cvarIID.rows, plan.cvarStratified.rows, plan.twoStage.rows]
    var results: [SampleComplexityResult] = []
    for (index, (test, sampler, alternative)) in designs.enumerated() {
      guard let rates = alternative.rates(base: baseRate, epsilon: p.epsilon, alpha: p.alpha, weights: p.weights, shares: p.shares) else {
        let largest = alternative.largestEpsilon(base: baseRate, alpha: p.alpha, weights: p.weights, shares: p.shares)
        throw CommandFailure(message: "not detectable by --simulate: ε = \(fmtShort(p.epsilon)) is beyond what base rate \(fmtShort(baseRate)) allows for the \(alternative) alternative of the \(PlanReport.designNames[index]) design (its disparities are measured from the weighted mean, so some group's rate would exceed 1); the largest is \(fmtShort(largest))")
      }
      let design = SimulationDesign(
        shares: p.shares, weights: p.weights, test: test, sampler: sampler, calibration: .monteCarlo, delta: p.delta,
        twoStageRatio: plan.twoStageDesign.shapeRatio,
        calibrationReplicates: settings.calibrationReplicates)
      var cellSettings = settings
      cellSettings.seed = settings.seed &+ UInt64(index) &* 0x9E37_79B9
      let null = [Double](repeating: baseRate, count: p.groupCount)
      results.append(SampleComplexity.search(design: design, nullRates: null, alternativeRates: rates,
                                             start: SampleComplexity.startingBudget(bound: bounds[index], settings: settings),
                                             settings: cellSettings))
    }
    return PlanSimulation(baseRate: baseRate, settings: settings, results: results)
  }
}

/// A short decimal for messages.
func fmtShort(_ x: Double) -> String { NumberText.short(x) }
