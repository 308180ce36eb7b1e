import CVaRAudit
import Distributions
import RealModule

/// The test statistic of a simulated audit.
public enum DisparityTest: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  /// T_max = max_g (μ̂_g − μ̂_ref) (`DisparityStatistics.maxGap`, one-sided).
  case maxGap = "max-gap"
  /// T_L2 = Σ_g w̃_g U_g (`DisparityStatistics.l2`); under the two-stage
  /// sampler, the mean of U over the drawn groups.
  case l2
  public var description: String { rawValue }
}

/// How a statistic becomes a test.
public enum Calibration: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  /// Critical value = the ⌈(1 − δ)(R₀ + 1)⌉-th smallest of R₀ seeded null
  /// replicates at the same design (n, K, shares, weights, base rate,
  /// sampler): a Monte-Carlo null calibration. The null is "every group at
  /// the base rate", so it is exact for that null (up to Monte-Carlo error in
  /// the critical value), not for other null rates.
  case monteCarlo = "monte-carlo"
  /// A closed-form bound, no resampling. L2: reject when
  /// T_L2 > k_δ √(Σ_g w̃_g² / (8 n_g (n_g − 1))), k_δ = √((1 − δ)/δ)
  /// (Cantelli with Var U_g = 2σ⁴/(n_g(n_g − 1)), σ² ≤ 1/4, reference
  /// treated as known). Max gap: reject when
  /// max_g (Δ̂_g − √(log(2K/δ)/(2 n_g))) > √(log(2/δ) Σ w̃_g²/n_g / 2)
  /// (Hoeffding per group at δ/(2K), plus Hoeffding for the reference at δ/2).
  case bound
  public var description: String { rawValue }
}

/// How rows are collected.
public enum Sampler: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  /// n rows i.i.d. from the population: group sizes Multinomial(n, p).
  case iid
  /// n_g = n π_g with π ∝ w^{2/3}, rounded by largest remainders (Σ n_g = n).
  case stratified
  /// J groups drawn from w with replacement, m rows from each (n ≈ J m; J/m
  /// fixed by the design's `twoStageRatio`, so both grow as √n).
  case twoStage = "two-stage"
  public var description: String { rawValue }
}

/// One simulated audit design: who is in the population, how they count,
/// how rows are collected, and which test is run.
public struct SimulationDesign: Sendable, Hashable {
  /// Population shares p (normalised).
  public var shares: [Double]
  /// Audit weights w (normalised).
  public var weights: [Double]
  public var test: DisparityTest
  public var sampler: Sampler
  public var calibration: Calibration
  /// Type I error δ.
  public var delta: Double
  /// J/m for the two-stage sampler (from the planner's J and m by default).
  public var twoStageRatio: Double
  /// Null replicates for the Monte-Carlo critical value.
  public var calibrationReplicates: Int

  /// - Precondition: K ≥ 2 shares and weights (non-negative, positive sums);
  ///   δ ∈ (0, 1); the max-gap test is not run under the two-stage sampler.
  public init(shares: [Double], weights: [Double], test: DisparityTest, sampler: Sampler, calibration: Calibration,
              delta: Double, twoStageRatio: Double = 1, calibrationReplicates: Int = 1000) {
    precondition(shares.count == weights.count && shares.count >= 2, "K ≥ 2")
    precondition(!(test == .maxGap && sampler == .twoStage), "the two-stage design is for the L2 test")
    precondition(delta > 0 && delta < 1 && twoStageRatio > 0 && calibrationReplicates >= 1)
    self.shares = SamplePlanner.normalized(shares)
    self.weights = SamplePlanner.normalized(weights)
    self.test = test
    self.sampler = sampler
    self.calibration = calibration
    self.delta = delta
    self.twoStageRatio = twoStageRatio
    self.calibrationReplicates = calibrationReplicates
  }

  public var groupCount: Int { shares.count }

  /// The stratified allocation π ∝ w^{2/3}.
  public var stratifiedAllocation: [Double] { SampleAllocation.stratified(weights) }

  /// J and m of the two-stage sampler for a budget of n rows:
  /// J = max(2, round(√(n · ratio))), m = max(2, ⌊n/J⌋).
  public func twoStageShape(samples n: Int) -> (groups: Int, rows: Int) {
    let j = max(2, Int((Double(n) * twoStageRatio).squareRoot().rounded()))
    return (j, max(2, n / j))
  }

  /// Rows actually collected for a budget of n (two-stage: J·m).
  public func rowsCollected(samples n: Int) -> Int {
    if sampler == .twoStage { let s = twoStageShape(samples: n); return s.groups * s.rows }
    return n
  }
}
