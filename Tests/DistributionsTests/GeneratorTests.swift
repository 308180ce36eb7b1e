import Testing
import FixtureSupport
@testable import Distributions

@Suite struct GeneratorTests {
  @Test func sameSeedSameStream() {
    var a = Xoshiro256StarStar(seed: 42), b = Xoshiro256StarStar(seed: 42)
    for _ in 0..<100 { #expect(a.next() == b.next()) }
    var c = Xoshiro256StarStar(seed: 42, stream: 1)
    var d = Xoshiro256StarStar(seed: 42)
    let same = (0..<100).filter { _ in c.next() == d.next() }.count
    #expect(same == 0)
  }

  @Test func uniformsInRange() {
    var g = Xoshiro256StarStar(seed: 1)
    var sum = 0.0
    for _ in 0..<100_000 {
      let u = g.nextUnitDouble(), v = g.nextOpenUnitDouble()
      #expect(u >= 0 && u < 1 && v > 0 && v < 1)
      sum += u
    }
    // Mean of 10⁵ uniforms: s.e. 0.0009.
    #expect(abs(sum / 100_000 - 0.5) < 0.005)
  }

  @Test func categoricalMatchesProbabilities() {
    let weights = [0.5, 0.3, 0.15, 0.05, 0]
    let sampler = Categorical(weights: weights)
    var g = Xoshiro256StarStar(seed: 3)
    var counts = [Int](repeating: 0, count: weights.count)
    let n = 200_000
    for _ in 0..<n { counts[sampler.sample(using: &g)] += 1 }
    #expect(counts[4] == 0)
    // Pearson chi-square on 4 cells (3 d.f.): 99.9% quantile 16.27.
    var chi2 = 0.0
    for i in 0..<4 {
      let e = Double(n) * weights[i]
      chi2 += (Double(counts[i]) - e) * (Double(counts[i]) - e) / e
    }
    #expect(chi2 < 16.27)
  }
}
