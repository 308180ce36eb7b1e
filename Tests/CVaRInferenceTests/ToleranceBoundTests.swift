import Testing
import FixtureSupport
import CVaRAudit
import Distributions
@testable import CVaRInference

@Suite struct ToleranceBoundTests {
  static func tolerance(_ table: GroupTable, reference: Reference, disparity: DisparityKind = .oneSided,
                        epsilon: Double, delta: Double = 0.05, alpha: Double = 0.25) throws -> DisparityTestResult {
    try DisparityTest.run(table, configuration: DisparityTestConfiguration(
      audit: AuditConfiguration(metric: .errorRate, alpha: alpha, disparity: disparity, reference: reference),
      statistic: .cvar, calibration: .tolerance, delta: delta, tolerance: epsilon))
  }

  /// The lower end of `audit`'s two-sided simultaneous interval at level 1 − δ.
  static func auditLower(_ table: GroupTable, reference: Reference, disparity: DisparityKind = .oneSided,
                         delta: Double, alpha: Double = 0.25) throws -> Double {
    try DisparityAudit.run(table, configuration: AuditConfiguration(
      metric: .errorRate, alpha: alpha, disparity: disparity, reference: reference,
      confidenceLevel: 1 - delta)).summary.cvarInterval.lower
  }

  /// A one-sided disparity with a fixed or pooled reference: the one-sided
  /// bound at δ is the two-sided audit bound at 2δ, so the p-value is half
  /// the smallest δ at which the audit's lower end exceeds ε0 (the old
  /// p-value, built from two-sided Clopper–Pearson at δ/m).
  @Test(arguments: [Reference.value(0.25), .pooled])
  func oneSidedPValueIsHalfTheTwoSidedOne(reference: Reference) throws {
    let table = errorTable(sizes: [120, 120, 120, 120], errors: [66, 30, 36, 24])
    let epsilon = 0.1
    let p = try Self.tolerance(table, reference: reference, epsilon: epsilon).pValue
    try #require(p > 1e-6 && p < 0.2, "p = \(p)")
    // The audit's (two-sided) lower end crosses ε0 at 2p, not at p.
    #expect(try Self.auditLower(table, reference: reference, delta: 2 * p * (1 + 1e-6)) > epsilon)
    #expect(try Self.auditLower(table, reference: reference, delta: 2 * p * (1 - 1e-6)) <= epsilon)
    // The reported bound at δ is the audit's lower end at 2δ.
    let result = try Self.tolerance(table, reference: reference, epsilon: epsilon)
    #expect(isClose(result.lowerConfidenceBound!, try Self.auditLower(table, reference: reference, delta: 0.1), relative: 1e-12))
  }

  /// A two-sided disparity needs both ends: the p-value is where the audit's lower end crosses ε0.
  @Test func twoSidedPValueUsesTwoSidedIntervals() throws {
    let table = errorTable(sizes: [120, 120, 120, 120], errors: [66, 30, 36, 24])
    let p = try Self.tolerance(table, reference: .value(0.25), disparity: .twoSided, epsilon: 0.1).pValue
    #expect(try Self.auditLower(table, reference: .value(0.25), disparity: .twoSided, delta: p * (1 + 1e-6)) > 0.1)
    #expect(try Self.auditLower(table, reference: .value(0.25), disparity: .twoSided, delta: p * (1 - 1e-6)) <= 0.1)
  }

  /// Type I error at the boundary of the composite null, CVaR_α(Δ) = ε0
  /// exactly (α = 1/K, so CVaR is the max gap; every group but the reference
  /// sits at the boundary, which makes the union bound nearly tight): the
  /// rejection rate stays below δ + 3 s.e. (R = 2,000, δ = 0.1).
  @Test(arguments: 0..<3)
  func rejectionRateAtTheBoundaryStaysBelowDelta(setting: Int) throws {
    let sizes = [Int](repeating: 400, count: 4)
    let layouts: [(rates: [Double], reference: Reference, epsilon: Double)] = [
      ([0.4, 0.4, 0.4, 0.4], .value(0.3), 0.1),
      ([0.3, 0.4, 0.4, 0.4], .group(["0"]), 0.1),
      ([0.5, 0.3, 0.3, 0.3], .pooled, 0.15),  // pooled mean 0.35
    ]
    let (rates, reference, epsilon) = layouts[setting]
    let replicates = 2_000
    let delta = 0.1
    var generator = Xoshiro256StarStar(seed: 44, stream: UInt64(setting))
    var rejections = 0
    for _ in 0..<replicates {
      let errors = zip(sizes, rates).map { Binomial.sample(count: $0, probability: $1, using: &generator) }
      let result = try Self.tolerance(errorTable(sizes: sizes, errors: errors), reference: reference,
                                      epsilon: epsilon, delta: delta)
      #expect(result.pValue > 0 && result.pValue <= 1)
      if result.decision == .violation { rejections += 1 }
    }
    let rate = Double(rejections) / Double(replicates)
    let limit = delta + 3 * (delta * (1 - delta) / Double(replicates)).squareRoot()
    #expect(rate <= limit, "\(reference): rejection rate \(rate) at CVaR = ε0 exceeds \(limit)")
  }
}
