import Testing
import FixtureSupport
import Distributions
@testable import CVaRAudit

@Suite struct CVaRTests {
  @Test func matchesLinearProgram() throws {
    let fixture = try Fixtures.json("cvar.json")
    let cases = fixture["cases"] as! [[String: Any]]
    #expect(cases.count == 200)
    for c in cases {
      let delta = (c["delta"] as! [Any]).map { number($0)! }
      let weights = (c["weights"] as! [Any]).map { number($0)! }
      let alpha = number(c["alpha"])!
      let tail = CVaR.tail(of: delta, weights: weights, alpha: alpha)
      let id = c["id"]!
      #expect(isClose(tail.cvar, number(c["cvar"])!, relative: 1e-10, absolute: 1e-12), "case \(id) cvar")
      #expect(isClose(tail.valueAtRisk, number(c["var"])!, relative: 1e-12, absolute: 1e-15), "case \(id) var \(tail.valueAtRisk)")
      let lambda = (c["tailWeights"] as! [Any]).map { number($0)! }
      for g in lambda.indices {
        #expect(abs(tail.tailWeights[g] - lambda[g]) < 1e-12, "case \(id) λ[\(g)]")
      }
    }
  }

  /// Random disparities and weights for the property tests.
  static func randomCase(_ rng: inout Xoshiro256StarStar) -> (delta: [Double], weights: [Double]) {
    let k = 1 + Int(rng.next() % 40)
    let ties = rng.next() % 3 == 0
    let delta = (0..<k).map { _ in ties ? Double(Int(rng.next() % 5)) / 10 - 0.2 : rng.nextUnitDouble() - 0.5 }
    let uniform = rng.next() % 2 == 0
    let weights = (0..<k).map { _ in uniform ? 1.0 : 0.05 + rng.nextUnitDouble() }
    return (delta, weights)
  }

  @Test func limitsInAlpha() {
    var rng = Xoshiro256StarStar(seed: 101)
    for _ in 0..<500 {
      let (delta, weights) = Self.randomCase(&rng)
      let total = weights.reduce(0, +)
      let mean = zip(delta, weights).map { $0 * $1 }.reduce(0, +) / total
      #expect(isClose(CVaR.value(of: delta, weights: weights, alpha: 1), mean, relative: 1e-12, absolute: 1e-14))
      // α at most the worst group's weight: CVaR = max Δ.
      let worst = delta.indices.max { delta[$0] < delta[$1] || (delta[$0] == delta[$1] && $0 > $1) }!
      let smallAlpha = weights[worst] / total * 0.999
      #expect(isClose(CVaR.value(of: delta, weights: weights, alpha: smallAlpha), delta.max()!, relative: 1e-12, absolute: 1e-14))
    }
  }

  @Test func nonIncreasingInAlphaAndBetweenMeanAndMax() {
    var rng = Xoshiro256StarStar(seed: 102)
    for _ in 0..<300 {
      let (delta, weights) = Self.randomCase(&rng)
      var previous = Double.infinity
      for step in 1...50 {
        let alpha = Double(step) / 50
        let v = CVaR.value(of: delta, weights: weights, alpha: alpha)
        #expect(v <= previous + 1e-12)
        #expect(v <= delta.max()! + 1e-12)
        previous = v
      }
    }
  }

  @Test func monotoneAndLipschitzInDisparities() {
    var rng = Xoshiro256StarStar(seed: 103)
    for _ in 0..<500 {
      let (delta, weights) = Self.randomCase(&rng)
      let alpha = max(1e-3, rng.nextUnitDouble())
      let base = CVaR.value(of: delta, weights: weights, alpha: alpha)
      // Componentwise larger → CVaR no smaller.
      let raised = delta.map { $0 + 0.2 * rng.nextUnitDouble() }
      #expect(CVaR.value(of: raised, weights: weights, alpha: alpha) >= base - 1e-12)
      // |CVaR(Δ) − CVaR(Δ')| ≤ max |Δ − Δ'|.
      let moved = delta.map { $0 + 0.3 * (rng.nextUnitDouble() - 0.5) }
      let gap = zip(delta, moved).map { abs($0 - $1) }.max()!
      #expect(abs(CVaR.value(of: moved, weights: weights, alpha: alpha) - base) <= gap + 1e-12)
    }
  }

  @Test func dualWeightsAreFeasible() {
    var rng = Xoshiro256StarStar(seed: 104)
    for _ in 0..<500 {
      let (delta, weights) = Self.randomCase(&rng)
      let total = weights.reduce(0, +)
      let alpha = max(1e-3, rng.nextUnitDouble())
      let t = CVaR.tail(of: delta, weights: weights, alpha: alpha)
      #expect(abs(t.tailWeights.reduce(0, +) - 1) < 1e-12)
      for g in delta.indices {
        #expect(t.tailWeights[g] >= 0 && t.tailWeights[g] <= weights[g] / total / alpha * (1 + 1e-12))
      }
      // The primal objective at VaR equals the CVaR.
      let primal = t.valueAtRisk + zip(delta, weights).map { max(0, $0 - t.valueAtRisk) * $1 / total }.reduce(0, +) / alpha
      #expect(isClose(primal, t.cvar, relative: 1e-10, absolute: 1e-12))
      // Second-moment inequality Σ w Δ² ≥ α CVaR² when CVaR > 0.
      if t.cvar > 0 {
        let second = zip(delta, weights).map { $0 * $0 * $1 / total }.reduce(0, +)
        #expect(second >= alpha * t.cvar * t.cvar * (1 - 1e-12))
      }
    }
  }

  /// `CVaR.value` (selection) is `CVaR.tail(...).cvar` (full sort) bit for bit:
  /// large K (so the partition runs), heavy ties, zero and non-uniform
  /// weights, α on cumulative-weight boundaries, α = 1 and tiny α.
  @Test func selectionValueEqualsSortedTail() {
    var rng = Xoshiro256StarStar(seed: 105)
    var checked = 0
    for round in 0..<400 {
      let k = [1, 2, 25, 26, 100, 777, 4096][round % 7] + Int(rng.next() % 3)
      let levels = [0, 2, 5, 50][Int(rng.next() % 4)]  // 0: continuous values; else that many distinct values
      let delta = (0..<k).map { _ in
        levels == 0 ? rng.nextUnitDouble() - 0.5 : Double(Int(rng.next() % UInt64(levels))) / Double(levels) - 0.3
      }
      let weightKind = rng.next() % 4
      var weights = (0..<k).map { _ -> Double in
        switch weightKind {
        case 0: 1.0
        case 1: 0.05 + rng.nextUnitDouble()
        case 2: rng.next() % 4 == 0 ? 0 : 1 + Double(rng.next() % 3)  // some zero weights, integer ratios
        default: Double(1 + rng.next() % 1000)
        }
      }
      if weights.allSatisfy({ $0 == 0 }) { weights[0] = 1 }
      let total = weights.reduce(0, +)
      // The tail order, to put α exactly on cumulative weights.
      let order = delta.indices.sorted { delta[$0] > delta[$1] || (delta[$0] == delta[$1] && $0 < $1) }
      var boundaries: [Double] = []
      var cumulative = 0.0
      for g in order {
        cumulative += weights[g] / total
        boundaries.append(cumulative)
      }
      var alphas: [Double] = [1, 1e-6, 0.1, 0.05, rng.nextUnitDouble() * 0.999 + 0.001]
      for _ in 0..<4 {
        let b = boundaries[Int(rng.next() % UInt64(k))]
        if b > 0 && b <= 1 { alphas += [b, min(b.nextUp, 1), b.nextDown] }
      }
      for alpha in alphas where alpha > 0 && alpha <= 1 {
        let sorted = CVaR.tail(of: delta, weights: weights, alpha: alpha).cvar
        let selected = CVaR.value(of: delta, weights: weights, alpha: alpha)
        #expect(selected == sorted, "k \(k) levels \(levels) weights \(weightKind) α \(alpha)")
        checked += 1
      }
    }
    #expect(checked > 3000)
  }
}
