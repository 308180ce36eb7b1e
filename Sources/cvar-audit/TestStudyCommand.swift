import ArgumentParser
import CVaRInference
import CVaRPlanning
import Foundation

/// How the study's group sizes are laid out.
enum StudySizes: String, ExpressibleByArgument, CaseIterable {
  /// m rows in every group.
  case balanced
  /// ⌈3m/g^1.1⌉ rows in group g, the last three groups of sizes 1, 2, 1.
  case zipf

  func sizes(groups k: Int, rowsPerGroup m: Int) -> [Int] {
    switch self {
    case .balanced: return .init(repeating: m, count: k)
    case .zipf:
      var sizes = (1...k).map { max(1, Int((3 * Double(m) / pow(Double($0), 1.1)).rounded(.up))) }
      if k >= 4 { sizes[k - 1] = 1; sizes[k - 2] = 2; sizes[k - 3] = 1 }
      return sizes
    }
  }
}

/// Hidden: the README's validity and power tables for `cvar-audit test`, run
/// through the library (`RejectionStudy`) from per-group sizes, on all cores.
struct TestStudyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "test-study",
    abstract: "Rejection rates of `cvar-audit test` by seeded simulation (type I error, or power with --alternative).",
    discussion: """
      Without --alternative every group has error rate --rate (H0): one row per K × size layout. \
      With --alternative, n = each of --samples rows are split evenly over the K groups and the \
      rates are those of the alternative (CVaRPlanning.Alternative, uniform weights): one row per K × n. \
      Each cell prints the rejection rate at δ and its Monte-Carlo standard error.
      """,
    shouldDisplay: false
  )

  @Option(parsing: .unconditional, help: ArgumentHelp("Numbers of groups K, each \(NumericRange.groups).", valueName: "K,..."))
  var groups: String = "2,8"

  @Option(help: ArgumentHelp("Size layouts under H0: balanced, zipf.", valueName: "layout,..."))
  var sizes: String = "balanced,zipf"

  @Option(name: .customLong("rows-per-group"), range: .integers(2, 1_000_000), help: "m: rows per group (balanced), scale 3m of the Zipf sizes.")
  var rowsPerGroup: Int = 20

  @Option(range: .baseRate, help: "Error rate of every group under H0 (the base rate of an alternative).")
  var rate: Double = 0.3

  @Option(help: ArgumentHelp("Alternative for power: single, flat-tail, spread.", valueName: "name"))
  var alternative: Alternative?

  @Option(range: .epsilon, help: "ε of the alternative.")
  var epsilon: Double = 0.1

  @Option(parsing: .unconditional, help: ArgumentHelp("Total rows n for power (split evenly over the groups).", valueName: "n,..."))
  var samples: String = ""

  @Option(help: ArgumentHelp("Designs statistic/calibration (default: all five).", valueName: "s/c,..."))
  var designs: String = "l2/permutation,max/permutation,cvar/permutation,l2/bound,cvar/tolerance"

  @Option(range: .replicates, help: "Replicates per cell (R).")
  var replicates: Int = 2000

  @Option(range: .permutations, help: "Permutations per test (B); p = (1 + #{T_b ≥ T})/(B + 1) is exact for any B.")
  var permutations: Int = 199

  @Option(range: .seed, help: "Seed: the same seed gives the same numbers on any number of cores.")
  var seed: UInt64 = 1

  @Option(range: .alpha, help: "CVaR level α.") var alpha: Double = 0.1
  @Option(range: .probability, help: "Level δ.") var delta: Double = 0.05
  @Option(range: .disparity, help: "ε0 of the tolerance calibration.") var tolerance: Double = 0

  var groupCounts: [Int] { columnList(groups).compactMap { Int($0) } }
  var layouts: [StudySizes] { columnList(sizes).compactMap { StudySizes(argument: $0) } }
  var sampleSizes: [Int] { columnList(samples).compactMap { Int($0) } }
  var parsedDesigns: [RejectionStudy.Design] {
    columnList(designs).compactMap { item in
      let parts = item.split(separator: "/").map(String.init)
      guard parts.count == 2, let s = TestStatistic(argument: parts[0]), let c = Calibration(argument: parts[1]) else { return nil }
      return RejectionStudy.Design(s, c)
    }
  }

  func validate() throws {
    guard !groupCounts.isEmpty, groupCounts.count == columnList(groups).count, groupCounts.allSatisfy({ NumericRange.groups.contains(Double($0)) }) else {
      throw ValidationError("--groups needs integers, each \(NumericRange.groups) (got '\(groups)')")
    }
    guard !layouts.isEmpty, layouts.count == columnList(sizes).count else {
      throw ValidationError("--sizes takes balanced, zipf (got '\(sizes)')")
    }
    let designList = parsedDesigns
    guard !designList.isEmpty, designList.count == columnList(designs).count else {
      throw ValidationError("--designs takes statistic/calibration pairs such as l2/permutation (got '\(designs)')")
    }
    for d in designList {
      switch d.calibration {
      case .bound where d.statistic != .l2: throw ValidationError("--designs: the bound calibration exists for l2 only")
      case .tolerance where d.statistic != .cvar: throw ValidationError("--designs: the tolerance calibration needs cvar")
      default: break
      }
    }
    if alternative != nil {
      guard !sampleSizes.isEmpty, sampleSizes.count == columnList(samples).count,
            sampleSizes.allSatisfy({ NumericRange.rows.contains(Double($0)) }) else {
        throw ValidationError("--alternative needs --samples n,... (total rows)")
      }
      for k in groupCounts where sampleSizes.contains(where: { $0 < 2 * k }) {
        throw ValidationError("--samples: every n needs at least 2 rows per group (K = \(k))")
      }
    }
  }

  func run() throws {
    let designList = parsedDesigns
    let clock = ContinuousClock()
    let started = clock.now
    let header = alternative == nil ? "| K | sizes |" : "| K | n | n/K |"
    try emit("R = \(CountText.counted(replicates, "replicate")) per cell, B = \(AuditRendering.grouped(permutations)), δ = \(delta), α = \(alpha), seed \(seed); "
          + (alternative.map { "alternative \($0) with base rate \(rate), ε = \(epsilon)" } ?? "H0: error rate \(rate) in every group"))
    try emit("")
    try emit(header + designList.map { " \($0) |" }.joined() + " seconds |")
    try emit("|" + String(repeating: "---|", count: (alternative == nil ? 2 : 3) + designList.count + 1))
    for k in groupCounts {
      var cells: [(label: String, sizes: [Int], rates: [Double])] = []
      if let alternative {
        let uniform = [Double](repeating: 1 / Double(k), count: k)
        guard let rates = alternative.rates(base: rate, epsilon: epsilon, alpha: alpha, weights: uniform, shares: uniform) else {
          let largest = alternative.largestEpsilon(base: rate, alpha: alpha, weights: uniform, shares: uniform)
          throw CommandFailure(message: "not detectable: ε = \(fmtShort(epsilon)) is too large for base rate \(fmtShort(rate)) with K = \(k) (a group's rate would exceed 1); the largest is \(fmtShort(largest))")
        }
        for n in sampleSizes {
          let sizes = (0..<k).map { n / k + ($0 < n % k ? 1 : 0) }
          cells.append(("\(AuditRendering.grouped(n)) | \(CountText.number(Double(n) / Double(k)))", sizes, rates))
        }
      } else {
        for layout in layouts {
          let sizes = layout.sizes(groups: k, rowsPerGroup: rowsPerGroup)
          let small = sizes.filter { $0 <= 2 }.count
          let label = layout == .balanced ? "balanced, \(AuditRendering.grouped(rowsPerGroup)) each"
            : "zipf, \(CountText.counted(sizes.reduce(0, +), "row")), \(AuditRendering.grouped(small)) of size ≤ 2"
          cells.append((label, sizes, [Double](repeating: rate, count: k)))
        }
      }
      for cell in cells {
        let cellStart = clock.now
        let study = RejectionStudy(sizes: cell.sizes, rates: cell.rates, designs: designList, alpha: alpha, delta: delta,
                                   permutations: permutations, tolerance: tolerance)
        let result = study.run(replicates: replicates, seed: seed &+ UInt64(k))
        let rates = designList.indices.map { String(format: " %.4f ± %.4f |", result.rate($0), result.standardError($0)) }
        let seconds = (clock.now - cellStart) / .seconds(1)
        try emit("| \(AuditRendering.grouped(k)) | \(cell.label) |" + rates.joined() + String(format: " %.0f |", seconds))
      }
    }
    try emit("")
    try emit(String(format: "total wall time %.0f s", (clock.now - started) / .seconds(1)))
  }
}

/// A line to standard output, unbuffered (the study prints rows as they finish).
private func emit(_ line: String) throws {
  try StandardOutput.write(line + "\n")
}

extension Alternative: ExpressibleByArgument {}
