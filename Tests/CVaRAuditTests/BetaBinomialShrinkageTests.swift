import Testing
import FixtureSupport
import Distributions
@testable import CVaRAudit

@Suite struct BetaBinomialShrinkageTests {
  /// The marginal likelihood and the fitted prior against scipy (betabinom.logpmf, L-BFGS-B).
  @Test func matchesScipy() throws {
    let fixture = try Fixtures.json("shrinkage.json")
    let cases = fixture["cases"] as! [[String: Any]]
    #expect(cases.count == 4)
    for c in cases {
      let x = (c["successes"] as! [Any]).map { Int(number($0)!) }
      let n = (c["trials"] as! [Any]).map { Int(number($0)!) }
      let logChoose = number(c["logChooseSum"])!
      for e in c["evaluations"] as! [[String: Any]] {
        let a = number(e["a"])!, b = number(e["b"])!
        let prior = BetaPrior(mean: a / (a + b), concentration: a + b)
        let ours = EmpiricalBayes.logMarginalLikelihood(successes: x, trials: n, prior: prior) + logChoose
        // log-gamma differences at n = 10^6 (both sides) carry ~1e-9 absolute error.
        #expect(isClose(ours, number(e["logLikelihood"])!, relative: 1e-12, absolute: 1e-8), "\(c["name"]!) at a = \(a), b = \(b)")
      }
      let fitted = try #require(EmpiricalBayes.fit(successes: x, trials: n))
      let ours = EmpiricalBayes.logMarginalLikelihood(successes: x, trials: n, prior: fitted) + logChoose
      let scipy = number(c["fitLogLikelihood"])!
      // At least as likely as scipy's optimum, and the same optimum.
      #expect(ours >= scipy - 1e-8, "\(c["name"]!): \(ours) < scipy's \(scipy)")
      let a = number(c["fitA"])!, b = number(c["fitB"])!
      #expect(isClose(fitted.mean, a / (a + b), relative: 1e-4), "\(c["name"]!) mean")
      #expect(isClose(fitted.concentration, a + b, relative: 1e-3), "\(c["name"]!) concentration")
    }
  }

  /// Posterior means lie between the raw rate and the prior mean, and move less for larger groups.
  @Test func posteriorMeansShrinkTowardThePriorMean() {
    var rng = Xoshiro256StarStar(seed: 11)
    for _ in 0..<60 {
      let k = 2 + Int(rng.next() % 60)
      let n = (0..<k).map { _ in 1 + Int(rng.next() % 200) }
      let p = 0.02 + 0.5 * rng.nextUnitDouble()
      let x = n.map { Binomial.sample(count: $0, probability: p, using: &rng) }
      guard let prior = EmpiricalBayes.fit(successes: x, trials: n) else {
        #expect(x.allSatisfy { $0 == 0 } || zip(x, n).allSatisfy { $0 == $1 })
        continue
      }
      #expect(prior.mean > 0 && prior.mean < 1)
      #expect(prior.concentration >= EmpiricalBayes.minimumConcentration)
      #expect(prior.concentration <= EmpiricalBayes.maximumConcentration)
      let post = EmpiricalBayes.posteriorMeans(successes: x, trials: n, prior: prior)
      for g in 0..<k {
        let raw = Double(x[g]) / Double(n[g])
        #expect(post[g] >= min(raw, prior.mean) - 1e-12 && post[g] <= max(raw, prior.mean) + 1e-12)
        let pull = abs(post[g] - raw) / max(abs(prior.mean - raw), 1e-300)
        #expect(isClose(pull, prior.concentration / (Double(n[g]) + prior.concentration), relative: 1e-9, absolute: 1e-12)
                || abs(prior.mean - raw) < 1e-15)
      }
    }
  }

  /// Degenerate data: fewer than two groups, no successes, all successes.
  @Test func degenerateCountsHaveNoPrior() {
    #expect(EmpiricalBayes.fit(successes: [3], trials: [10]) == nil)
    #expect(EmpiricalBayes.fit(successes: [0, 0, 0], trials: [5, 9, 1]) == nil)
    #expect(EmpiricalBayes.fit(successes: [5, 9], trials: [5, 9]) == nil)
    #expect(EmpiricalBayes.fit(successes: [0, 2, 0], trials: [0, 4, 0]) == nil)
  }

  /// With identical rates (no spread beyond binomial noise) the concentration runs to the top of its
  /// range and every posterior mean is the pooled rate.
  @Test func noSpreadShrinksEveryGroupToThePool() throws {
    let n = [Int](repeating: 1_000, count: 40)
    let x = [Int](repeating: 100, count: 40)
    let prior = try #require(EmpiricalBayes.fit(successes: x, trials: n))
    #expect(prior.concentration > 1e6)
    #expect(isClose(prior.mean, 0.1, relative: 1e-5))
  }

  // The simulation of the shrunken CVaR's error on Zipf-sized groups (plug-in against
  // posterior means) runs through the audit: SmallCellsTests.shrunkenCVaRHasLowerErrorOnZipfGroups.
}
