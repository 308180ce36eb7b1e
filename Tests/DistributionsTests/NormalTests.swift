import Testing
import FixtureSupport
@testable import Distributions

@Suite struct NormalTests {
  @Test func knownQuantiles() {
    #expect(isClose(Normal.quantile(0.975), 1.959963984540054, relative: 1e-14))
    #expect(Normal.quantile(0.5) == 0)
    #expect(Normal.quantile(0) == -.infinity)
    #expect(Normal.quantile(1) == .infinity)
    #expect(Normal.quantile(1.5).isNaN)
  }
}
