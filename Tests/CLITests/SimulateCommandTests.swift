import Foundation
import Testing
import FixtureSupport

@Suite struct SimulateCommandTests {
  static let small = ["--groups", "4,8", "--alternatives", "flat-tail", "--alpha", "0.25", "--epsilon", "0.2",
                      "--tests", "l2,max-gap", "--samplers", "iid,two-stage", "--replicates", "150",
                      "--calibration-replicates", "200", "--seed", "42"]

  /// A small grid: max-gap × two-stage is skipped; n* has power ≥ 0.9;
  /// the same seed gives byte-identical output.
  @Test func smallGridIsReproducible() throws {
    let a = try runCLI(["simulate"] + Self.small + ["--format", "csv"])
    #expect(a.status == 0, "\(a.stderr)")
    let lines = a.stdout.split(separator: "\n")
    #expect(lines.count == 1 + 2 * 3)
    #expect(lines[0].hasPrefix("groups,profile,alternative,alpha,epsilon,base_rate,test,calibration,sampler,bound_samples,samples"))
    #expect(!a.stdout.contains("max-gap,monte-carlo,two-stage"))
    for line in lines.dropFirst() {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false)
      #expect(Int(fields[10]) != nil, "n* found: \(line)")
      #expect(Double(fields[13])! >= 0.9)
    }
    let b = try runCLI(["simulate"] + Self.small + ["--format", "csv"])
    #expect(a.stdout == b.stdout)
    #expect(a.stderr.isEmpty, "no progress bar when stderr is not a terminal")
  }

  @Test func jsonCarriesPowerCurves() throws {
    let r = try runCLI(["simulate", "--groups", "6", "--tests", "l2", "--replicates", "100", "--calibration-replicates", "100",
                        "--epsilon", "0.25", "--alpha", "0.2", "--profiles", "zipf:1", "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let cells = try #require(doc["cells"] as? [[String: Any]])
    #expect(cells.count == 1)
    let curve = try #require(cells[0]["curve"] as? [[String: Any]])
    #expect(curve.count >= 2)
    #expect(cells[0]["profile"] as? String == "zipf:1")
  }

  @Test(arguments: [
    (["simulate", "--groups", "1"], "--groups: expected an integer in [2, 100000], found 1"),
    (["simulate", "--replicates", "0"], "'--replicates <replicates>': expected an integer in [1, 1000000], found 0"),
    (["simulate", "--profiles", "pareto"], "unknown profile 'pareto'"),
    // An InputError from validate() (ArgumentParser alone exits 1 for it).
    (["simulate", "--profiles", "file:/nonexistent-shares.txt"], "/nonexistent-shares.txt: cannot read the share file"),
    (["simulate", "--alternatives", "worst"], "--alternatives: unknown name 'worst'"),
    (["simulate", "--epsilon", "0"], "--epsilon: expected a number in (0, ∞), found 0"),
    (["simulate", "--base-rate", "0.95", "--epsilon", "0.2"], "not detectable: ε = 0.2 is beyond what base rate 0.95 allows"),
    (["simulate", "--epsilon", "1.5"], "not detectable: ε = 1.5"),
    (["simulate", "--tests", "max-gap", "--samplers", "two-stage"], "the grid is empty"),
    (["simulate", "scaling", "--groups", "10,1"], "--groups: expected an integer in [2, 100000], found 1"),
  ])
  func badInputExitsTwo(arguments: [String], message: String) throws {
    let r = try runCLI(arguments)
    #expect(r.status == 2)
    #expect(r.stderr.contains(message), "\(r.stderr)")
  }

  @Test func scalingPresetOnSmallK() throws {
    let r = try runCLI(["simulate", "scaling", "--groups", "4,8", "--replicates", "60", "--calibration-replicates", "60"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("Log-log slope of n* against K"))
    #expect(r.stdout.contains("max-gap / iid / single"))
  }

  /// Counts in the footer: singular for one, thousands separators (before: "1 replicates", "1000 null replicates").
  @Test func footerCounts() throws {
    let r = try runCLI(["simulate", "--groups", "4", "--tests", "l2", "--epsilon", "0.3", "--replicates", "1",
                        "--calibration-replicates", "1000"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("1 replicate per power estimate, 1,000 null replicates per Monte-Carlo critical value"), "\(r.stdout)")
    #expect(r.stdout.contains("at n* on 1 fresh null replicate with"), "\(r.stdout)")
  }
}
