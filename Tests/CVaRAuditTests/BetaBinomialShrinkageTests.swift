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

  /// The simulation the CVaR-of-posterior-means estimate is for (README, small cells): Zipf-sized
  /// groups (8,000/g^1.5 rows, so from 8,000 down to 1), uniform weights, α = 0.1, pooled reference.
  /// Root-mean-square error of the CVaR estimate against the true CVaR_α(μ − μ_ref), over seeded
  /// replicates, for the plug-in (raw rates) and for posterior means.
  @Test(arguments: [Scenario.betaRates, Scenario.fewBadGroups])
  func shrunkenCVaRHasLowerError(_ scenario: Scenario) {
    let k = 400, replicates = 100, alpha = 0.1
    let sizes = (1...k).map { max(1, Int(8_000 / Double($0 * $0).squareRoot() / Double($0).squareRoot())) }
    let weights = [Double](repeating: 1, count: k)
    var rng = Xoshiro256StarStar(seed: scenario == .betaRates ? 1 : 2)
    var plugInSquares = 0.0, shrunkSquares = 0.0
    for _ in 0..<replicates {
      let rates: [Double] = (0..<k).map { g in
        switch scenario {
        case .betaRates: Beta.quantile(rng.nextOpenUnitDouble(), a: 2, b: 18)
        // 5 % of groups (every 20th, across all sizes) at 0.3, the rest at 0.1.
        case .fewBadGroups: g % 20 == 7 ? 0.3 : 0.1
        }
      }
      let x = zip(sizes, rates).map { Binomial.sample(count: $0, probability: $1, using: &rng) }
      let total = Double(sizes.reduce(0, +))
      let trueReference = zip(sizes, rates).reduce(0) { $0 + Double($1.0) * $1.1 } / total
      let pooled = Double(x.reduce(0, +)) / total
      let truth = CVaR.value(of: rates.map { $0 - trueReference }, weights: weights, alpha: alpha)
      let plugIn = CVaR.value(of: zip(x, sizes).map { Double($0) / Double($1) - pooled }, weights: weights, alpha: alpha)
      let prior = EmpiricalBayes.fit(successes: x, trials: sizes)!
      let post = EmpiricalBayes.posteriorMeans(successes: x, trials: sizes, prior: prior)
      let shrunk = CVaR.value(of: post.map { $0 - pooled }, weights: weights, alpha: alpha)
      plugInSquares += (plugIn - truth) * (plugIn - truth)
      shrunkSquares += (shrunk - truth) * (shrunk - truth)
    }
    let plugInRMSE = (plugInSquares / Double(replicates)).squareRoot()
    let shrunkRMSE = (shrunkSquares / Double(replicates)).squareRoot()
    print("shrinkage \(scenario): RMSE plug-in \(plugInRMSE), posterior means \(shrunkRMSE), ratio \(shrunkRMSE / plugInRMSE)")
    #expect(shrunkRMSE < 0.5 * plugInRMSE)
  }

  enum Scenario: String, CustomStringConvertible { case betaRates, fewBadGroups; var description: String { rawValue } }
}
