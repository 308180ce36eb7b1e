/// When the CVaR is "made of small cells": groups with fewer than `size`
/// rows are small, and a warning is due when more than `share` of the tail
/// weight (Σ λ_g = 1) sits on them.
public struct SmallCellRule: Hashable, Sendable {
  /// Groups with n < size rows are small. Default 30 (the usual rule of thumb
  /// for a normal approximation of a proportion).
  public var size: Int
  /// The share of tail weight above which the audit warns. Default 0.5.
  public var share: Double

  public static let defaultSize = 30
  public static let defaultShare = 0.5

  public init(size: Int = SmallCellRule.defaultSize, share: Double = SmallCellRule.defaultShare) {
    self.size = size
    self.share = share
  }
}

/// How much of an audit's CVaR rests on small groups, and the CVaR of
/// empirical-Bayes (beta-binomial) shrunken rates beside the plug-in
/// (method §12).
///
/// The shrunken CVaR replaces each group's rate by its posterior mean under
/// the beta prior fitted to all groups (`EmpiricalBayes`), forms the
/// disparities against the audit's own reference rate with the audit's
/// disparity, weights and α, and takes their CVaR. It is an estimate less
/// driven by noise in tiny groups, not a test. It exists for binary metrics
/// without row weights (counts of successes); otherwise `prior` is nil and
/// `shrunkenCVaR` NaN.
public struct SmallCellSummary: Hashable, Sendable {
  public var rule: SmallCellRule
  /// Groups with a rate and fewer than `rule.size` rows.
  public var smallGroups: Int
  /// Σ λ_g over the small groups: the share of the CVaR's tail weight they carry.
  public var tailShare: Double
  /// tailShare > rule.share.
  public var warning: Bool
  /// The fitted prior; nil for a loss metric, under row weights, or when the
  /// counts have no maximiser (every rate 0, every rate 1, one group).
  public var prior: BetaPrior?
  /// Posterior-mean rates, in the audit's group order (NaN without a prior).
  public var shrunkenRates: [Double]
  /// CVaR_α of the shrunken disparities (NaN without a prior).
  public var shrunkenCVaR: Double

  /// The summary of `result` under its configuration's rule.
  ///
  /// - Complexity: O(K log K) plus the prior's fit (O(P · I) for P distinct
  ///   (x, n) pairs, `EmpiricalBayes.fit`).
  public init(_ result: AuditResult) {
    let rule = result.configuration.smallCells
    self.rule = rule
    let small = result.groups.filter { $0.statistics.count < rule.size }
    smallGroups = small.count
    tailShare = small.reduce(0) { $0 + $1.tailWeight }
    warning = tailShare > rule.share
    let c = result.configuration
    let counts = c.metric.isBinary && result.groups.allSatisfy { $0.weighted == nil }
    if counts {
      let successes = result.groups.map { Int($0.statistics.sum.rounded()) }
      let trials = result.groups.map(\.statistics.count)
      prior = EmpiricalBayes.fit(successes: successes, trials: trials)
      if let prior {
        shrunkenRates = EmpiricalBayes.posteriorMeans(successes: successes, trials: trials, prior: prior)
        let reference = result.summary.referenceRate
        let disparities = shrunkenRates.map { c.disparity.disparity($0, reference: reference) }
        shrunkenCVaR = CVaR.value(of: disparities, weights: result.groups.map(\.weight), alpha: c.alpha)
        return
      }
    } else {
      prior = nil
    }
    shrunkenRates = [Double](repeating: .nan, count: result.groups.count)
    shrunkenCVaR = .nan
  }
}
