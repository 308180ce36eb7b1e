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
      N rows; --simulate adds the empirical sample complexity n* from a seeded simulation.
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

  @Option(range: .epsilon, help: "The violation to detect (CVaR_α ≥ ε; max gap ≥ ε).")
  var epsilon: Double = 0.1

  @Option(range: .probability, help: "Type I error δ.")
  var delta: Double = 0.05

  @Option(range: .probability, help: "Power 1 − β.")
  var power: Double = 0.9

  @Option(range: .rows, help: "Also report the smallest ε each design detects with this many rows.", valueName: "n")
  var samples: Int?

  @Flag(help: "Also estimate n* by simulation (Monte-Carlo calibration) and compare it with the bounds.")
  var simulate = false

  @Option(name: .customLong("base-rate"), range: .baseRate, help: "Rate of the groups without disparity: it sets the per-row variance σ² = b(1 − b) of the sizes, and the null of --simulate. The default 0.5 is the worst case (σ² = 1/4).", valueName: "b")
  var baseRate: Double = 0.5

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
    if format == .csv && simulate {
      throw ValidationError("--format csv writes the allocation table only; use table or json with --simulate")
    }
  }

  /// The groups: labels, population shares and where they came from.
  func groups() throws -> (labels: [String], shares: [Double], source: String) {
    if let k = numGroups {
      return ((1...k).map(String.init), .init(repeating: 1 / Double(k), count: k), "\(CountText.counted(k, "group")) with equal shares")
    }
    if let path = shares {
      let file = try ShareFile.read(path, what: "share")
      if let g = file.values.firstIndex(of: 0) {
        throw InputError(file: path, message: "group \(file.labels?[g] ?? String(g + 1)) has share 0: i.i.d. sampling never reaches it; leave it out or give it a positive share")
      }
      return (file.labels ?? (1...file.values.count).map(String.init), file.values, "shares from \(path)")
    }
    let table = try input.loadTable(metrics: [])
    guard table.groupCount >= 2 else {
      throw CommandFailure(message: "\(input.inputName): \(table.groupCount) group(s) with rows; planning needs at least 2")
    }
    let sizes = (0..<table.groupCount).map { Double(table.rowCount(group: $0)) }
    let labels = table.keys.map(AuditRendering.displayKey)
    let rows = Int(sizes.reduce(0, +))
    return (labels, sizes, "group sizes of \(input.inputName) (\(CountText.counted(rows, "row")), by \(table.attributes.joined(separator: ", ")))")
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
    let (labels, populationShares, source) = try groups()
    let w = try weightVector(labels: labels, shares: populationShares)
    let problem = PlanningProblem(shares: populationShares, weights: w, alpha: alpha, epsilon: epsilon, delta: delta, power: power,
                                  baseRate: baseRate, bound: bound)
    let plan = SamplePlanner.plan(problem)
    try Self.checkReachable([plan.maxGap.rows, plan.cvarIID.rows, plan.cvarStratified.rows, plan.twoStage.rows],
                            names: PlanReport.designNames)
    let detectable = samples.map { SamplePlanner.detectableEpsilon(problem, samples: $0) }
    var simulated: PlanSimulation? = nil
    if simulate {
      simulated = try PlanSimulation.run(plan: plan, baseRate: baseRate,
                                         settings: SimulationSettings(replicates: replicates, calibrationReplicates: calibrationReplicates,
                                                                      seed: seed, targetPower: power))
    }
    let report = PlanReport(labels: labels, source: source, weights: weights.name, plan: plan,
                            detectable: detectable, simulated: simulated)
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
        throw CommandFailure(message: "--epsilon \(p.epsilon) is beyond what --base-rate \(baseRate) allows for the \(alternative) alternative (some group's rate would exceed 1); the largest is \(fmtShort(largest))")
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
func fmtShort(_ x: Double) -> String {
  guard x.isFinite else { return x.isNaN ? "nan" : "∞" }
  let text = String(format: "%.4g", x)
  return text
}
