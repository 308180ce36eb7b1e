import Distributions
import RealModule

/// One cell of a simulation study's grid.
///
/// In a study the audit weights are the population shares (w = p): the
/// CVaR, the reference (the w-weighted mean rate) and the two-stage draws
/// all use them.
public struct StudyCell: Sendable, Hashable, CustomStringConvertible {
  public var groupCount: Int
  public var profile: GroupProfile
  public var alternative: Alternative
  public var alpha: Double
  public var epsilon: Double
  public var baseRate: Double
  public var test: DisparityTest
  public var calibration: Calibration
  public var sampler: Sampler
  public var delta: Double
  public var power: Double

  public init(groupCount: Int, profile: GroupProfile, alternative: Alternative, alpha: Double, epsilon: Double,
              baseRate: Double, test: DisparityTest, calibration: Calibration, sampler: Sampler,
              delta: Double, power: Double) {
    self.groupCount = groupCount
    self.profile = profile
    self.alternative = alternative
    self.alpha = alpha
    self.epsilon = epsilon
    self.baseRate = baseRate
    self.test = test
    self.calibration = calibration
    self.sampler = sampler
    self.delta = delta
    self.power = power
  }

  public var description: String {
    "K=\(groupCount) profile=\(profile) alternative=\(alternative) α=\(fmt(alpha)) ε=\(fmt(epsilon)) base=\(fmt(baseRate)) test=\(test) calibration=\(calibration) sampler=\(sampler)"
  }

  /// The population shares (= audit weights).
  public var shares: [Double] { profile.shares(groupCount: groupCount) }

  /// The alternative's rates, or nil when ε is too large for the base rate.
  public var alternativeRates: [Double]? {
    let p = shares
    return alternative.rates(base: baseRate, epsilon: epsilon, alpha: alpha, weights: p, shares: p)
  }

  /// The largest feasible ε for this cell's alternative and base rate.
  public var largestEpsilon: Double {
    let p = shares
    return alternative.largestEpsilon(base: baseRate, alpha: alpha, weights: p, shares: p)
  }

  /// How the planner sizes this cell: the normal approximation for the
  /// Monte-Carlo calibration (an exact null quantile), Cantelli for the bound
  /// calibration (whose L2 threshold is Cantelli's).
  public var plannerBound: PlannerBound { calibration == .bound ? .cantelli : .normal }

  /// The planner's plan for this cell's population, at the cell's base rate
  /// (the bound calibration's threshold assumes σ² = 1/4, so its cells are
  /// planned at base rate 1/2).
  public var plan: SamplePlan {
    let p = shares
    return SamplePlanner.plan(PlanningProblem(shares: p, weights: p, alpha: alpha, epsilon: epsilon, delta: delta, power: power,
                                              baseRate: calibration == .bound ? 0.5 : baseRate, bound: plannerBound))
  }

  /// The planner's size for this cell's test and sampler, in rows (+∞ when
  /// unreachable); max gap under the stratified sampler: n_g / min_g π_g
  /// with the planner's per-group n_g.
  public var boundRows: Double {
    let plan = self.plan
    switch (test, sampler) {
    case (.maxGap, .iid), (.maxGap, .twoStage): return plan.maxGap.rows
    case (.maxGap, .stratified):
      let perGroup = SamplePlanner.maxGapRowsPerGroup(plan.problem, epsilon: epsilon)
      return (perGroup / plan.cvarStratified.allocation.min()!).rounded(.up)
    case (.l2, .iid): return plan.cvarIID.rows
    case (.l2, .stratified): return plan.cvarStratified.rows
    case (.l2, .twoStage): return plan.twoStage.rows
    }
  }

  /// `boundRows` as an `Int` (nil when it does not fit).
  public var boundSamples: Int? { SamplePlanner.wholeRows(boundRows) }

  /// The simulation design of this cell (the two-stage sampler keeps the planner's J/m).
  public func design(calibrationReplicates: Int) -> SimulationDesign {
    let p = shares
    return SimulationDesign(shares: p, weights: p, test: test, sampler: sampler, calibration: calibration, delta: delta,
                            twoStageRatio: plan.twoStageDesign.shapeRatio, calibrationReplicates: calibrationReplicates)
  }

  /// A seed for this cell: FNV-1a of its description mixed with the study
  /// seed, so that a cell's numbers do not depend on the other cells.
  public func seed(study: UInt64) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in description.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    var mixer = SplitMix64(seed: hash ^ study)
    return mixer.next()
  }
}

/// A cell's result: n* next to the closed-form bound.
public struct StudyCellResult: Sendable, Hashable {
  public var cell: StudyCell
  /// The planner's size (nil when it does not fit in an Int).
  public var boundSamples: Int?
  public var result: SampleComplexityResult
  /// bound / n* (nil when n* was not found or the bound does not fit).
  public var boundRatio: Double? {
    guard let b = boundSamples, let n = result.samples else { return nil }
    return Double(b) / Double(n)
  }
}

/// Runs a grid of cells.
public enum SimulationStudy {
  /// Runs every cell (cells one after another, each cell's replicates on all cores).
  ///
  /// - Precondition: every cell's alternative is feasible (`alternativeRates != nil`),
  ///   the max-gap test is not paired with the two-stage sampler.
  public static func run(_ cells: [StudyCell], settings: SimulationSettings,
                         progress: ((Int, PowerPoint) -> Void)? = nil) -> [StudyCellResult] {
    cells.enumerated().map { index, cell in
      var cellSettings = settings
      cellSettings.seed = cell.seed(study: settings.seed)
      cellSettings.targetPower = cell.power
      let rates = cell.alternativeRates!
      let design = cell.design(calibrationReplicates: settings.calibrationReplicates)
      let bound = cell.boundRows
      let null = [Double](repeating: cell.baseRate, count: cell.groupCount)
      let start = SampleComplexity.startingBudget(bound: bound, settings: settings)
      let result = SampleComplexity.search(design: design, nullRates: null, alternativeRates: rates,
                                           start: start, settings: cellSettings,
                                           progress: progress.map { report in { point in report(index, point) } })
      return StudyCellResult(cell: cell, boundSamples: SamplePlanner.wholeRows(bound), result: result)
    }
  }
}

/// A least-squares line through (log x, log y): the slope of a log-log plot.
public struct LogLogFit: Sendable, Hashable {
  public var slope: Double
  public var intercept: Double
  public var points: Int

  /// Fits log y = a + b log x by ordinary least squares (closed form:
  /// b = Σ (u − ū)(v − v̄) / Σ (u − ū)², a = v̄ − b ū with u = log x, v = log y).
  ///
  /// - Precondition: at least two points with distinct positive x, positive y.
  public init(x: [Double], y: [Double]) {
    precondition(x.count == y.count && x.count >= 2 && x.allSatisfy { $0 > 0 } && y.allSatisfy { $0 > 0 })
    let u = x.map { Double.log($0) }, v = y.map { Double.log($0) }
    let uBar = u.reduce(0, +) / Double(u.count), vBar = v.reduce(0, +) / Double(v.count)
    var sxy = 0.0, sxx = 0.0
    for i in u.indices {
      sxy += (u[i] - uBar) * (v[i] - vBar)
      sxx += (u[i] - uBar) * (u[i] - uBar)
    }
    precondition(sxx > 0, "x values must differ")
    slope = sxy / sxx
    intercept = vBar - slope * uBar
    points = x.count
  }
}

/// The preset study reproducing the three claims of arXiv:2312.03867: n*
/// against K for the max-gap test (single bad group), the CVaR L2 test under
/// i.i.d. sampling (flat α-tail) and the two-stage strategy (flat α-tail),
/// uniform groups, Monte-Carlo calibration.
public enum ScalingStudy {
  public static let defaultGroupCounts = [10, 20, 40, 80, 160, 320, 640, 1280]

  /// The three (test, sampler, alternative) rows of the preset.
  public static let arms: [(DisparityTest, Sampler, Alternative)] = [
    (.maxGap, .iid, .singleGroup), (.l2, .iid, .flatTail), (.l2, .twoStage, .flatTail),
  ]

  public static func cells(groupCounts: [Int] = defaultGroupCounts, baseRate: Double = 0.3, epsilon: Double = 0.1,
                           alpha: Double = 0.1, delta: Double = 0.05, power: Double = 0.9,
                           calibration: Calibration = .monteCarlo) -> [StudyCell] {
    arms.flatMap { test, sampler, alternative in
      groupCounts.map { k in
        StudyCell(groupCount: k, profile: .uniform, alternative: alternative, alpha: alpha, epsilon: epsilon,
                  baseRate: baseRate, test: test, calibration: calibration, sampler: sampler, delta: delta, power: power)
      }
    }
  }

  /// The fitted log-log slope of n* against K per arm (arms with fewer than
  /// two n* found get nil).
  public static func slopes(_ results: [StudyCellResult]) -> [(DisparityTest, Sampler, Alternative, LogLogFit?)] {
    arms.map { test, sampler, alternative in
      let rows = results.filter { $0.cell.test == test && $0.cell.sampler == sampler && $0.cell.alternative == alternative }
      let found = rows.compactMap { r in r.result.samples.map { (Double(r.cell.groupCount), Double($0)) } }
      let distinctK = Set(found.map(\.0)).count
      return (test, sampler, alternative, distinctK >= 2 ? LogLogFit(x: found.map(\.0), y: found.map(\.1)) : nil)
    }
  }
}
