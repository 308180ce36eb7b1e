import Testing
import FixtureSupport
import Distributions
@testable import CVaRAudit

@Suite struct SmallCellsTests {
  /// An error-rate table: group g has `trials[g]` rows of which `errors[g]` are errors.
  static func table(errors: [Int], trials: [Int]) -> GroupTable {
    var table = GroupTable(attributes: ["g"], hasConfusion: true, hasLoss: false)
    for (g, (x, n)) in zip(errors, trials).enumerated() {
      let index = table.group(for: ["\(g)"])
      table.addConfusion(group: index, label: 1, prediction: 0, count: x)
      table.addConfusion(group: index, label: 0, prediction: 0, count: n - x)
      table.rowsRead += n
    }
    return table
  }

  /// The tail share of the small groups, the warning's threshold, and the
  /// shrunken CVaR against a direct computation from the fitted prior.
  @Test func partsAgreeWithTheAudit() throws {
    var rng = Xoshiro256StarStar(seed: 5)
    for _ in 0..<60 {
      let k = 3 + Int(rng.next() % 80)
      let n = (0..<k).map { _ in 1 + Int(rng.next() % 120) }
      let x = n.map { Binomial.sample(count: $0, probability: 0.05 + 0.4 * rng.nextUnitDouble(), using: &rng) }
      let rule = SmallCellRule(size: 1 + Int(rng.next() % 60), share: rng.nextUnitDouble())
      let kind: DisparityKind = rng.next() % 2 == 0 ? .oneSided : .twoSided
      let config = AuditConfiguration(metric: .errorRate, alpha: max(0.02, rng.nextUnitDouble()),
                                      weighting: rng.next() % 2 == 0 ? .uniform : .population, disparity: kind, smallCells: rule)
      let r = try DisparityAudit.run(Self.table(errors: x, trials: n), configuration: config)
      let s = SmallCellSummary(r)
      let share = r.groups.filter { $0.statistics.count < rule.size }.map(\.tailWeight).reduce(0, +)
      #expect(isClose(s.tailShare, share, relative: 1e-12, absolute: 1e-15))
      #expect(s.smallGroups == n.filter { $0 < rule.size }.count)
      #expect(s.warning == (share > rule.share))
      guard let prior = s.prior else {
        #expect(x.allSatisfy { $0 == 0 } || zip(x, n).allSatisfy { $0 == $1 })
        continue
      }
      // Posterior means (x + a)/(n + a + b) in the audit's order, their disparities, and the CVaR by sorting.
      let post = r.groups.map { ($0.statistics.sum + prior.a) / (Double($0.statistics.count) + prior.concentration) }
      for (a, b) in zip(post, s.shrunkenRates) { #expect(isClose(a, b, relative: 1e-12)) }
      let d = post.map { kind.disparity($0, reference: r.summary.referenceRate) }
      let order = d.indices.sorted { d[$0] > d[$1] }
      var remaining = config.alpha, total = 0.0
      for g in order where remaining > 0 {
        let take = min(r.groups[g].weight, remaining)
        total += take * d[g]
        remaining -= take
      }
      #expect(isClose(s.shrunkenCVaR, total / config.alpha, relative: 1e-9, absolute: 1e-12))
    }
  }

  /// No prior for a loss metric (no counts), or when every rate is 0.
  @Test func noShrinkageWithoutCounts() throws {
    let zero = try DisparityAudit.run(Self.table(errors: [0, 0, 0], trials: [4, 9, 2]), configuration: AuditConfiguration(metric: .errorRate))
    #expect(SmallCellSummary(zero).prior == nil && SmallCellSummary(zero).shrunkenCVaR.isNaN)
    var table = GroupTable(attributes: ["g"], hasConfusion: false, hasLoss: true)
    for (g, v) in [0.1, 0.9, 0.4, 0.3].enumerated() { table.addLoss(group: table.group(for: ["\(g)"]), v) }
    let loss = try DisparityAudit.run(table, configuration: AuditConfiguration(metric: .loss(column: "l")))
    #expect(SmallCellSummary(loss).prior == nil)
    #expect(SmallCellSummary(loss).tailShare == 1)  // four groups of one row
  }

  /// The seeded simulation behind the README and docs/audit.md claim: Zipf-sized groups
  /// (n_g = ⌊8,000 / g^1.5⌋ ≥ 1, g = 1…400: from 8,000 rows down to 1), uniform weights,
  /// α = 0.1, pooled reference, error rate through `DisparityAudit` and `SmallCellSummary`.
  /// Root-mean-square error against the true CVaR_α(μ − μ_ref) over 100 replicates, of the
  /// plug-in CVaR and of the empirical-Bayes CVaR, in three worlds: rates drawn from
  /// Beta(2, 18); 5 % of groups at 0.3 and the rest at 0.1; every rate 0.1 (no disparity).
  @Test(arguments: [World.betaRates, .fewBadGroups, .noDisparity])
  func shrunkenCVaRHasLowerErrorOnZipfGroups(_ world: World) throws {
    let k = 400, replicates = 100
    let n = (1...k).map { max(1, Int(8_000 / (Double($0) * Double($0).squareRoot()))) }
    var rng = Xoshiro256StarStar(seed: 40 + UInt64(world.rawValue))
    var plugIn = 0.0, shrunk = 0.0
    for _ in 0..<replicates {
      let rates: [Double] = (0..<k).map { g in
        switch world {
        case .betaRates: Beta.quantile(rng.nextOpenUnitDouble(), a: 2, b: 18)
        case .fewBadGroups: g % 20 == 3 ? 0.3 : 0.1
        case .noDisparity: 0.1
        }
      }
      let x = zip(n, rates).map { Binomial.sample(count: $0, probability: $1, using: &rng) }
      let reference = zip(n, rates).reduce(0) { $0 + Double($1.0) * $1.1 } / Double(n.reduce(0, +))
      let truth = CVaR.value(of: rates.map { $0 - reference }, weights: [Double](repeating: 1, count: k), alpha: 0.1)
      let r = try DisparityAudit.run(Self.table(errors: x, trials: n), configuration: AuditConfiguration(metric: .errorRate))
      let s = SmallCellSummary(r)
      plugIn += (r.summary.cvar - truth) * (r.summary.cvar - truth)
      shrunk += (s.shrunkenCVaR - truth) * (s.shrunkenCVaR - truth)
    }
    let plugInRMSE = (plugIn / Double(replicates)).squareRoot(), shrunkRMSE = (shrunk / Double(replicates)).squareRoot()
    print("small cells \(world): RMSE plug-in \(plugInRMSE), empirical Bayes \(shrunkRMSE), ratio \(shrunkRMSE / plugInRMSE)")
    #expect(shrunkRMSE < 0.5 * plugInRMSE)
  }

  enum World: Int, CustomStringConvertible { case betaRates, fewBadGroups, noDisparity
    var description: String { ["beta rates", "few bad groups", "no disparity"][rawValue] }
  }
}
