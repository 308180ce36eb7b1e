import ArgumentParser
import CVaRAudit
import CVaRPlanning
import Dispatch
import Foundation

/// Options shared by `simulate` and `simulate scaling`.
struct SimulationOptions: ParsableArguments {
  @Option(range: .replicates, help: "Replicates per power and type I error estimate (R).")
  var replicates: Int = 1000

  @Option(name: .customLong("calibration-replicates"), range: .replicates, help: "Null replicates per Monte-Carlo critical value (R₀).")
  var calibrationReplicates: Int = 2000

  @Option(range: .seed, help: "Seed: the same seed gives the same numbers on any number of cores.")
  var seed: UInt64 = 1

  @Option(help: "Output: table, csv (one row per cell) or json (cells with their power curves).")
  var format: OutputFormat = .table

  @Flag(name: .customLong("no-progress"), help: "No progress bar (it is drawn only when standard error is a terminal).")
  var noProgress = false

}

struct SimulateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "Simulation study: type I error, power against n, and the empirical sample complexity n*.",
    discussion: """
      A grid over K, group-share profile, alternative, α, ε, base rate, test, calibration and \
      sampler (each option takes a comma-separated list). For every cell, n* (the smallest n with \
      power ≥ --power at level --delta) is found by a bracketing search (doubling, then bisection \
      on the log scale), and the type I error is measured at n* on fresh null replicates. \
      Audit weights equal the population shares. The max-gap test is not run under the two-stage \
      sampler (those cells are skipped).
      """,
    subcommands: [ScalingCommand.self]
  )

  @Option(name: .customLong("groups"), parsing: .unconditional, help: ArgumentHelp("Numbers of groups K, each \(NumericRange.groups).", valueName: "K,..."))
  var groups: String = "10"

  @Option(help: ArgumentHelp("Group-share profiles: uniform, zipf:S, file:PATH (a file fixes K).", valueName: "profile,..."))
  var profiles: String = "uniform"

  @Option(help: ArgumentHelp("Alternatives: single (one bad group), flat-tail (Δ = ε on weight α), spread.", valueName: "name,..."))
  var alternatives: String = "flat-tail"

  @Option(name: .customLong("alpha"), parsing: .unconditional, help: ArgumentHelp("CVaR levels α, each \(NumericRange.alpha).", valueName: "α,..."))
  var alphas: String = "0.1"

  @Option(name: .customLong("epsilon"), parsing: .unconditional, help: ArgumentHelp("Violations ε, each \(NumericRange.positive); one that no group can reach at the base rate is refused as not detectable.", valueName: "ε,..."))
  var epsilons: String = "0.1"

  @Option(name: .customLong("base-rate"), parsing: .unconditional, help: ArgumentHelp("Base error rates, each \(NumericRange.baseRate).", valueName: "b,..."))
  var baseRates: String = "0.3"

  @Option(help: ArgumentHelp("Tests: max-gap, l2.", valueName: "test,..."))
  var tests: String = "max-gap,l2"

  @Option(help: ArgumentHelp("Calibrations: monte-carlo, bound.", valueName: "name,..."))
  var calibrations: String = "monte-carlo"

  @Option(help: ArgumentHelp("Samplers: iid, stratified, two-stage.", valueName: "name,..."))
  var samplers: String = "iid"

  @Option(range: .probability, help: "Type I error δ.")
  var delta: Double = 0.05

  @Option(range: .probability, help: "Power 1 − β that defines n*.")
  var power: Double = 0.9

  @OptionGroup var options: SimulationOptions

  func validate() throws {
    _ = try cells()
  }

  /// The grid's cells, checked.
  func cells() throws -> [StudyCell] {
    let ks = try list(groups, "--groups") { try NumericRange.groups.parseInt($0) }
    let profileList = try list(profiles, "--profiles") { try parseProfile($0) }
    let alternativeList = try list(alternatives, "--alternatives", names: Alternative.allCases.map(\.rawValue)) { Alternative(rawValue: $0) }
    let alphaList = try list(alphas, "--alpha") { try NumericRange.alpha.parseDouble($0) }
    let epsilonList = try list(epsilons, "--epsilon") { try NumericRange.positive.parseDouble($0) }
    let baseList = try list(baseRates, "--base-rate") { try NumericRange.baseRate.parseDouble($0) }
    let testList = try list(tests, "--tests", names: DisparityTest.allCases.map(\.rawValue)) { DisparityTest(rawValue: $0) }
    let calibrationList = try list(calibrations, "--calibrations", names: Calibration.allCases.map(\.rawValue)) { Calibration(rawValue: $0) }
    let samplerList = try list(samplers, "--samplers", names: Sampler.allCases.map(\.rawValue)) { Sampler(rawValue: $0) }
    var cells: [StudyCell] = []
    for profile in profileList {
      for k in profile.fixedGroupCount.map({ [$0] }) ?? ks {
        for alternative in alternativeList {
          for alpha in alphaList {
            for epsilon in epsilonList {
              for base in baseList {
                for test in testList {
                  for calibration in calibrationList {
                    for sampler in samplerList where !(test == .maxGap && sampler == .twoStage) {
                      cells.append(StudyCell(groupCount: k, profile: profile, alternative: alternative, alpha: alpha,
                                             epsilon: epsilon, baseRate: base, test: test, calibration: calibration,
                                             sampler: sampler, delta: delta, power: power))
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    guard !cells.isEmpty else {
      throw ValidationError("the grid is empty: the max-gap test is not run under the two-stage sampler; add another test or sampler")
    }
    try checkFeasible(cells)
    try checkReachable(cells)
    return cells
  }

  func parseProfile(_ text: String) throws -> GroupProfile? {
    if text == "uniform" { return .uniform }
    if text.hasPrefix("zipf:") {
      guard let s = try? NumericRange.zipfExponent.parseDouble(String(text.dropFirst(5))) else {
        throw ValidationError("--profiles: zipf needs an exponent, \(NumericRange.zipfExponent), as in zipf:1.1 (got '\(text)')")
      }
      return .zipf(s)
    }
    if text.hasPrefix("file:") {
      let path = String(text.dropFirst(5))
      let file = try ShareFile.read(path, what: "share")
      if let g = file.values.firstIndex(of: 0) {
        throw InputError(file: path, message: "group \(file.labels?[g] ?? String(g + 1)) has share 0; leave it out or give it a positive share")
      }
      return .shares(name: path, values: file.values)
    }
    throw ValidationError("--profiles: unknown profile '\(text)'; use uniform, zipf:S or file:PATH")
  }

  func run() throws {
    let cells = try cells()
    let settings = SimulationSettings(replicates: options.replicates, calibrationReplicates: options.calibrationReplicates,
                                      seed: options.seed, targetPower: power)
    let progress = ProgressBar(total: cells.count, enabled: !options.noProgress)
    let started = DispatchTime.now()
    let results = SimulationStudy.run(cells, settings: settings, progress: progress.update)
    progress.finish()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
    let output = try SimulateRendering.render(results, settings: settings, seconds: seconds, format: options.format, slopes: nil)
    try StandardOutput.print(output)
  }
}

/// Checks that every cell's alternative keeps the rates in [0, 1].
func checkFeasible(_ cells: [StudyCell]) throws {
  for cell in cells where cell.alternativeRates == nil {
    throw ValidationError("not detectable: ε = \(fmtShort(cell.epsilon)) is beyond what base rate \(fmtShort(cell.baseRate)) allows for the \(cell.alternative) alternative with K = \(cell.groupCount), α = \(fmtShort(cell.alpha)) (a group's rate would exceed 1); --epsilon needs a value of at most \(fmtShort(cell.largestEpsilon)) here")
  }
}

/// Refuses a cell whose closed-form bound, where the n* search starts, is
/// above 2^53 rows (as `plan` does).
func checkReachable(_ cells: [StudyCell]) throws {
  for cell in cells where !(cell.boundRows <= Double(NumericRange.maximumRows)) {
    throw ValidationError("not reachable: the \(cell.test) test (\(cell.sampler) sampler) with K = \(cell.groupCount), α = \(fmtShort(cell.alpha)), ε = \(fmtShort(cell.epsilon)), δ = \(fmtShort(cell.delta)), power \(fmtShort(cell.power)) would need more than 2^53 = \(AuditRendering.grouped(NumericRange.maximumRows)) rows")
  }
}

/// A comma-separated list, each item parsed or rejected with a clear message.
func list<T>(_ text: String, _ option: String, names: [String]? = nil, _ parse: (String) throws -> T?) throws -> [T] {
  let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: " ") }
  guard !items.isEmpty, !items.contains(where: \.isEmpty) else {
    throw ValidationError("\(option) needs a comma-separated list without empty items (got '\(text)')")
  }
  return try items.map { item in
    let parsed: T?
    do { parsed = try parse(item) } catch let error as NumericOptionError {
      throw ValidationError("\(option): \(error)")
    }
    guard let value = parsed else {
      if let names { throw ValidationError("\(option): unknown name '\(item)'; use one of \(names.joined(separator: ", "))") }
      throw ValidationError("\(option): '\(item)' is not a valid number")
    }
    return value
  }
}

struct ScalingCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scaling",
    abstract: "The preset study of arXiv:2312.03867: n* against K for max gap, CVaR L2 (i.i.d.) and two-stage, with log-log slopes.",
    discussion: """
      K ∈ {10, 20, 40, …, 1280}, uniform groups, base rate 0.3, ε = 0.1, α = 0.1, δ = 0.05, power 0.9, \
      Monte-Carlo calibration. Max gap is run against one bad group, the CVaR tests against Δ = ε on \
      weight α. Expected slopes: about 1 (max gap), 1/2 (L2 i.i.d.), 0 (two-stage).
      """
  )

  @Option(name: .customLong("groups"), parsing: .unconditional, help: ArgumentHelp("Override the K values, each \(NumericRange.groups).", valueName: "K,..."))
  var groups: String?

  @Option(help: "Calibration: monte-carlo or bound.")
  var calibration: String = "monte-carlo"

  @OptionGroup var options: SimulationOptions

  func validate() throws { _ = try cells() }

  func cells() throws -> [StudyCell] {
    let ks = try groups.map { text in try list(text, "--groups") { try NumericRange.groups.parseInt($0) } } ?? ScalingStudy.defaultGroupCounts
    guard let c = Calibration(rawValue: calibration) else {
      throw ValidationError("--calibration: unknown name '\(calibration)'; use one of \(Calibration.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    let cells = ScalingStudy.cells(groupCounts: ks, calibration: c)
    try checkFeasible(cells)
    try checkReachable(cells)
    return cells
  }

  func run() throws {
    let cells = try cells()
    let settings = SimulationSettings(replicates: options.replicates, calibrationReplicates: options.calibrationReplicates,
                                      seed: options.seed, targetPower: 0.9)
    let progress = ProgressBar(total: cells.count, enabled: !options.noProgress)
    let started = DispatchTime.now()
    let results = SimulationStudy.run(cells, settings: settings, progress: progress.update)
    progress.finish()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
    let output = try SimulateRendering.render(results, settings: settings, seconds: seconds, format: options.format,
                                              slopes: ScalingStudy.slopes(results))
    try StandardOutput.print(output)
  }
}

/// A progress bar on standard error, drawn only when it is a terminal.
final class ProgressBar {
  let total: Int
  let enabled: Bool
  private var evaluations = 0

  init(total: Int, enabled: Bool) {
    self.total = total
    self.enabled = enabled && isatty(2) == 1
  }

  func update(cell: Int, point: PowerPoint) {
    guard enabled else { return }
    evaluations += 1
    let width = 30
    let filled = min(width, width * cell / max(1, total))
    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    StandardError.write("\r[\(bar)] cell \(cell + 1)/\(total), n = \(point.samples), power \(AuditRendering.fixed(point.power, 2)), \(evaluations) evaluations   ")
  }

  func finish() {
    if enabled { StandardError.write("\r" + String(repeating: " ", count: 100) + "\r") }
  }
}
