import Foundation
import Testing
import CVaRAudit
import FixtureSupport

/// The report's axis ticks: round steps (1, 2, 5 × 10^k), ends that cover the data.
@Suite struct AxisTicksTests {
  @Test(arguments: [
    (0.0123, 0.01), (0.0141, 0.01), (0.0142, 0.02), (0.0316, 0.02), (0.0317, 0.05), (0.0707, 0.05), (0.0708, 0.1),
    (1.0, 1.0), (3.0, 2.0), (4.0, 5.0), (700.0, 500.0), (8e-7, 1e-6),
  ])
  func niceStepIsTheNearestOneTwoFive(x: Double, step: Double) {
    #expect(isClose(AxisTicks.niceStep(x), step))
  }

  /// The forest plot of the COMPAS fpr audit ran from -0.3127 to 0.6537 and
  /// was labelled at fifths of that range (-0.31, -0.12, 0.07, …); now 0.2 apart from -0.4 to 0.8.
  @Test func roundTicksThatCoverTheRange() {
    let t = AxisTicks(lower: -0.3127, upper: 0.6537)
    #expect(isClose(t.step, 0.2))
    #expect(t.values.count == 7)
    for (v, e) in zip(t.values, [-0.4, -0.2, 0, 0.2, 0.4, 0.6, 0.8]) { #expect(abs(v - e) < 1e-12) }
    #expect(t.values.map(t.label) == ["-0.4", "-0.2", "0.0", "0.2", "0.4", "0.6", "0.8"])
    let small = AxisTicks(lower: 0.0012, upper: 0.0187)
    #expect(small.values.map(small.label) == ["0.000", "0.005", "0.010", "0.015", "0.020"])
  }

  /// Over seeded ranges: every tick a multiple of a 1-2-5 step, the ends
  /// cover the data, between 2 and 13 intervals for target 5, labels distinct.
  @Test func propertiesOverSeededRanges() {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    for _ in 0..<2000 {
      let scale = pow(10, Double(Int(next() * 12) - 6))
      let a = (next() * 2 - 1) * scale, b = (next() * 2 - 1) * scale
      let t = AxisTicks(lower: min(a, b), upper: max(a, b))
      #expect(t.lower <= min(a, b) && t.upper >= max(a, b), "\(a), \(b)")
      #expect(t.values.count >= 3 && t.values.count <= 14, "\(a), \(b): \(t.values)")
      let mantissa = t.step / pow(10, log10(t.step).rounded(.down))
      #expect([1, 2, 5].contains { abs(mantissa - Double($0)) < 1e-9 }, "\(t.step)")
      for v in t.values { #expect(abs(v / t.step - (v / t.step).rounded()) < 1e-9) }
      #expect(Set(t.values.map(t.label)).count == t.values.count, "\(t.values.map(t.label))")
    }
    // An empty range still gets an axis.
    #expect(AxisTicks(lower: 0, upper: 0).values.count >= 3)
    #expect(AxisTicks(lower: 0.25, upper: 0.25).values.count >= 3)
  }
}

