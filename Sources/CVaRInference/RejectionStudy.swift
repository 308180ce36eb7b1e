import CVaRAudit
import Dispatch
import Distributions

/// Rejection rates of the disparity tests by seeded simulation: type I error
/// when every group has the same rate, power otherwise.
///
/// Replicate r draws each group's error count x_g ~ Binomial(n_g, μ_g) from
/// its own stream `Xoshiro256StarStar(seed: seed, stream: r)`, builds the
/// group table (errors as label 1, prediction 0), audits it once at level
/// 1 − δ (metric error, pooled reference, uniform weights) and decides, at δ:
///
/// - permutation (l2, max, cvar): p ≤ δ with the count permutation test and
///   B permutations seeded by the next number of the replicate's stream. The
///   statistics share one set of permutations (`CountPermutationTest.pValues`),
///   so each p-value is the one `DisparityTest.run` gives with that seed;
/// - bound (l2): Cantelli's p = V/(V + T²) ≤ δ, as `DisparityTest.run`;
/// - tolerance (cvar): the simultaneous (1 − δ) one-sided lower confidence
///   bound of CVaR (`ToleranceBound`) exceeds ε0, which is what p ≤ δ means for this calibration (the
///   bisection for the exact p is not needed for the decision).
///
/// Replicates run concurrently; each one's numbers depend on (seed, r) only,
/// so the counts are the same on any number of threads.
public struct RejectionStudy: Sendable {
  /// A statistic with its calibration.
  public struct Design: Hashable, Sendable, CustomStringConvertible {
    public var statistic: TestStatistic
    public var calibration: Calibration
    public init(_ statistic: TestStatistic, _ calibration: Calibration) {
      self.statistic = statistic
      self.calibration = calibration
    }
    public var description: String { "\(statistic.rawValue)/\(calibration.rawValue)" }
  }

  /// Every statistic × calibration the test offers.
  public static let allDesigns: [Design] = [
    Design(.l2, .permutation), Design(.max, .permutation), Design(.cvar, .permutation),
    Design(.l2, .bound), Design(.cvar, .tolerance),
  ]

  /// n_g.
  public var sizes: [Int]
  /// μ_g.
  public var rates: [Double]
  public var designs: [Design]
  public var alpha: Double
  public var delta: Double
  /// B.
  public var permutations: Int
  /// ε0 for the tolerance calibration.
  public var tolerance: Double

  /// - Precondition: K ≥ 2 groups, sizes ≥ 1 with at least one ≥ 2, rates in
  ///   [0, 1], a design; α, δ ∈ (0, 1); B ≥ 1.
  public init(sizes: [Int], rates: [Double], designs: [Design] = RejectionStudy.allDesigns,
              alpha: Double = 0.1, delta: Double = 0.05, permutations: Int = 199, tolerance: Double = 0) {
    precondition(sizes.count >= 2 && sizes.count == rates.count, "one rate per group, at least two groups")
    precondition(sizes.allSatisfy { $0 >= 1 } && sizes.contains { $0 >= 2 }, "sizes ≥ 1, one at least 2")
    precondition(rates.allSatisfy { $0 >= 0 && $0 <= 1 }, "rates in [0, 1]")
    precondition(!designs.isEmpty && alpha > 0 && alpha < 1 && delta > 0 && delta < 1 && permutations >= 1)
    self.sizes = sizes
    self.rates = rates
    self.designs = designs
    self.alpha = alpha
    self.delta = delta
    self.permutations = permutations
    self.tolerance = tolerance
  }

  /// Rejections per design over R replicates.
  public struct Result: Hashable, Sendable {
    public var replicates: Int
    /// Rejections, one per design (in the study's order).
    public var rejections: [Int]
    /// The rejection rate of design i.
    public func rate(_ i: Int) -> Double { Double(rejections[i]) / Double(replicates) }
    /// Its Monte-Carlo standard error √(r(1 − r)/R).
    public func standardError(_ i: Int) -> Double {
      let r = rate(i)
      return (r * (1 - r) / Double(replicates)).squareRoot()
    }
  }

  /// Runs R replicates.
  ///
  /// - Complexity: O(R · (B · K + K log K)), on all cores when `parallel`.
  public func run(replicates: Int, seed: UInt64, parallel: Bool = true) -> Result {
    precondition(replicates >= 1)
    let flags = SlotBuffer<UInt8>(count: replicates * designs.count)  // one slot per (replicate, design)
    let keys = (0..<sizes.count).map { ["\($0)"] }
    let work: @Sendable (Int) -> Void = { r in
      let row = decisions(replicate: r, seed: seed, keys: keys)
      for (i, rejects) in row.enumerated() { flags.pointer[r * designs.count + i] = rejects ? 1 : 0 }
    }
    if parallel {
      DispatchQueue.concurrentPerform(iterations: replicates, execute: work)
    } else {
      for r in 0..<replicates { work(r) }
    }
    var rejections = [Int](repeating: 0, count: designs.count)
    for r in 0..<replicates {
      for i in designs.indices { rejections[i] += Int(flags.pointer[r * designs.count + i]) }
    }
    return Result(replicates: replicates, rejections: rejections)
  }

  /// The error counts of replicate r and the seed of its permutations.
  func data(replicate r: Int, seed: UInt64) -> (errors: [Int], permutationSeed: UInt64) {
    var generator = Xoshiro256StarStar(seed: seed, stream: UInt64(r))
    let errors = zip(sizes, rates).map { Binomial.sample(count: $0, probability: $1, using: &generator) }
    return (errors, generator.next())
  }

  /// The configuration `DisparityTest.run` would get for a design.
  func configuration(_ design: Design, permutationSeed: UInt64) -> DisparityTestConfiguration {
    DisparityTestConfiguration(audit: AuditConfiguration(metric: .errorRate, alpha: alpha), statistic: design.statistic,
                               calibration: design.calibration, permutations: permutations, seed: permutationSeed,
                               delta: delta, tolerance: design.calibration == .tolerance ? tolerance : nil)
  }

  /// The decisions (true: violation) of replicate r, one per design.
  func decisions(replicate r: Int, seed: UInt64, keys: [[String]]) -> [Bool] {
    let (errors, permutationSeed) = data(replicate: r, seed: seed)
    var table = GroupTable(attributes: ["g"], hasConfusion: true, hasLoss: false)
    for (g, (n, x)) in zip(sizes, errors).enumerated() {
      let index = table.group(for: keys[g])
      table.addConfusion(group: index, label: 1, prediction: 0, count: x)
      table.addConfusion(group: index, label: 0, prediction: 0, count: n - x)
    }
    table.rowsRead = sizes.reduce(0, +)
    var auditConfiguration = configuration(designs[0], permutationSeed: permutationSeed).audit
    auditConfiguration.confidenceLevel = 1 - delta
    guard let audit = try? DisparityAudit.run(table, configuration: auditConfiguration) else {
      preconditionFailure("the audit of a simulated table cannot fail")
    }
    var result = [Bool](repeating: false, count: designs.count)
    var permuted: [(index: Int, test: CountPermutationTest)] = []
    for (i, design) in designs.enumerated() {
      switch design.calibration {
      case .permutation:
        permuted.append((i, DisparityTest.countPermutationTest(design.statistic, audit: audit, configuration: auditConfiguration)))
      case .bound:
        let stats = audit.groups.map(\.statistics)
        let l2 = DisparityStatistics.l2(stats, weights: audit.groups.map(\.weight), reference: audit.summary.referenceRate)
        let bound = L2Bound(sizes: stats.map(\.count), weights: l2.effectiveWeights,
                            reference: DisparityTest.boundReference(audit, configuration: auditConfiguration))
        result[i] = bound.pValue(l2.value) <= delta
      case .tolerance:
        result[i] = ToleranceBound(audit: audit).lowerBound(delta: delta) > tolerance
      }
    }
    if !permuted.isEmpty {
      // One thread: the replicates already run concurrently.
      let p = CountPermutationTest.pValues(permuted.map(\.test), permutations: permutations, seed: permutationSeed,
                                           threads: 1)
      for (j, entry) in permuted.enumerated() { result[entry.index] = p[j].value <= delta }
    }
    return result
  }
}
