import Testing
import FixtureSupport
import Distributions
@testable import CVaRAudit

@Suite struct DisparityAuditTests {
  /// A table with random group sizes and error counts.
  static func randomTable(_ rng: inout Xoshiro256StarStar, groups k: Int) -> GroupTable {
    var table = GroupTable(attributes: ["g"], hasConfusion: true, hasLoss: false)
    for g in 0..<k {
      let index = table.group(for: ["\(g)"])
      let n = 1 + Int(rng.next() % 60)
      for _ in 0..<n {
        let y = Int(rng.next() % 2), p = rng.nextUnitDouble() < 0.3 ? 1 - y : y
        table.addConfusion(group: index, label: y, prediction: p, count: 1)
      }
      table.rowsRead += n
    }
    return table
  }

  @Test func summaryAgreesWithItsParts() throws {
    var rng = Xoshiro256StarStar(seed: 21)
    for _ in 0..<100 {
      let table = Self.randomTable(&rng, groups: 2 + Int(rng.next() % 30))
      let alpha = max(0.01, rng.nextUnitDouble())
      let weighting: GroupWeighting = rng.next() % 2 == 0 ? .uniform : .population
      let kind: DisparityKind = rng.next() % 2 == 0 ? .oneSided : .twoSided
      let config = AuditConfiguration(metric: .errorRate, alpha: alpha, weighting: weighting, disparity: kind)
      let r = try DisparityAudit.run(table, configuration: config)
      let s = r.summary
      #expect(abs(r.groups.map(\.weight).reduce(0, +) - 1) < 1e-12)
      #expect(abs(r.groups.map(\.tailWeight).reduce(0, +) - 1) < 1e-12)
      #expect(isClose(s.cvar, r.groups.map { $0.tailWeight * $0.disparity }.reduce(0, +), relative: 1e-12, absolute: 1e-14))
      #expect(s.meanDisparity <= s.cvar + 1e-12 && s.cvar <= s.maxGap + 1e-12)
      #expect(s.cvarInterval.lower <= s.cvar + 1e-12 && s.cvar <= s.cvarInterval.upper + 1e-12)
      // Sorted by disparity, descending.
      for i in 1..<r.groups.count { #expect(r.groups[i - 1].disparity >= r.groups[i].disparity) }
      for g in r.groups { #expect(g.confidenceInterval.contains(g.rate)) }
      #expect(s.effectiveGroups <= Double(s.groups) * (1 + 1e-12))
      if case .uniform = weighting { #expect(isClose(s.effectiveGroups, Double(s.groups), relative: 1e-12)) }
    }
  }

  @Test func referenceChoices() throws {
    var table = GroupTable(attributes: ["g"], hasConfusion: true, hasLoss: false)
    let a = table.group(for: ["a"]), b = table.group(for: ["b"])
    // Group a: 10 rows, 2 errors; group b: 30 rows, 12 errors.
    table.addConfusion(group: a, label: 1, prediction: 1, count: 8)
    table.addConfusion(group: a, label: 1, prediction: 0, count: 2)
    table.addConfusion(group: b, label: 0, prediction: 0, count: 18)
    table.addConfusion(group: b, label: 0, prediction: 1, count: 12)
    let pooled = try DisparityAudit.run(table, configuration: AuditConfiguration(metric: .errorRate, alpha: 0.5))
    #expect(isClose(pooled.summary.referenceRate, 14.0 / 40, relative: 1e-15))
    #expect(isClose(pooled.summary.cvar, 0.4 - 0.35, relative: 1e-12))
    let fixed = try DisparityAudit.run(table, configuration: AuditConfiguration(metric: .errorRate, alpha: 0.5, reference: .value(0.1)))
    #expect(isClose(fixed.summary.cvar, 0.3, relative: 1e-12))
    let named = try DisparityAudit.run(table, configuration: AuditConfiguration(metric: .errorRate, alpha: 1, disparity: .twoSided, reference: .group(["b"])))
    #expect(isClose(named.summary.cvar, 0.1, relative: 1e-12))  // (|0.2 − 0.4| + 0) / 2
    #expect(throws: AuditError.referenceGroupNotFound(["c"])) {
      _ = try DisparityAudit.run(table, configuration: AuditConfiguration(metric: .errorRate, reference: .group(["c"])))
    }
    // FNR: group b has no positives, so it has no rate (not a rate of 0).
    let fnr = try DisparityAudit.run(table, configuration: AuditConfiguration(metric: .falseNegativeRate))
    #expect(fnr.summary.groups == 1 && fnr.groupsWithoutRate == [["b"]])
    #expect(throws: AuditError.referenceGroupHasNoRate(["b"], metric: "fnr")) {
      _ = try DisparityAudit.run(table, configuration: AuditConfiguration(metric: .falseNegativeRate, reference: .group(["b"])))
    }
    // FPR: only b has negatives.
    let fpr = try DisparityAudit.run(table, configuration: AuditConfiguration(metric: .falsePositiveRate))
    #expect(fpr.summary.groups == 1)
  }

  @Test func noEligibleRows() {
    var table = GroupTable(attributes: ["g"], hasConfusion: true, hasLoss: false)
    let a = table.group(for: ["a"])
    table.addConfusion(group: a, label: 0, prediction: 0, count: 5)
    #expect(throws: AuditError.noEligibleRows(metric: "fnr")) {
      _ = try DisparityAudit.run(table, configuration: AuditConfiguration(metric: .falseNegativeRate))
    }
  }

  @Test func simultaneousIntervalCoversByMonotonicity() throws {
    // With the truth known, the simultaneous interval must cover the true CVaR
    // in at least 95% of seeded replicates (it is conservative, so typically all).
    var rng = Xoshiro256StarStar(seed: 31)
    let k = 12
    let truth = (0..<k).map { 0.2 + 0.4 * Double($0) / Double(k) }
    let trueCVaR = CVaR.value(of: truth.map { $0 - 0.3 }, weights: [Double](repeating: 1, count: k), alpha: 0.25)
    var covered = 0
    let replicates = 300
    for _ in 0..<replicates {
      var table = GroupTable(attributes: ["g"], hasConfusion: true, hasLoss: false)
      for g in 0..<k {
        let index = table.group(for: ["\(g)"])
        for _ in 0..<40 {
          let error = rng.nextUnitDouble() < truth[g]
          table.addConfusion(group: index, label: 1, prediction: error ? 0 : 1, count: 1)
        }
      }
      let r = try DisparityAudit.run(table, configuration: AuditConfiguration(metric: .errorRate, alpha: 0.25, reference: .value(0.3)))
      if r.summary.cvarInterval.contains(trueCVaR) { covered += 1 }
    }
    #expect(Double(covered) / Double(replicates) >= 0.95)
  }

  @Test func lossColumnMatchesRowMeans() throws {
    let path = try temporaryFile("g,l\na,0.5\na,0.25\nb,1\nb,0\nb,0.5\n")
    let table = try GroupAggregator.aggregate(try CSVReader(path: path), columns: ColumnSelection(groupBy: ["g"], lossColumn: "l"))
    let s = table.statistics(for: .loss(column: "l"))
    #expect(s[0] == SufficientStatistics(count: 2, sum: 0.75, sumOfSquares: 0.3125))
    #expect(isClose(s[1].variance, 0.25, relative: 1e-15))
    let r = try DisparityAudit.run(table, configuration: AuditConfiguration(metric: .loss(column: "l"), alpha: 0.5))
    #expect(isClose(r.summary.overallRate, 2.25 / 5, relative: 1e-15))
    #expect(r.configuration.intervalMethod == .hoeffding)
  }

  @Test func mergeEqualsWholeTable() throws {
    var rng = Xoshiro256StarStar(seed: 41)
    var text = "a,b,y,p\n"
    for _ in 0..<400 {
      text += "\(rng.next() % 4),\(["x", "y", ""][Int(rng.next() % 3)]),\(rng.next() % 2),\(rng.next() % 2)\n"
    }
    let lines = text.split(separator: "\n")
    let first = lines[0..<201].joined(separator: "\n") + "\n"
    let second = ([lines[0]] + lines[201...]).joined(separator: "\n") + "\n"
    let columns = ColumnSelection(groupBy: ["a", "b"], label: "y", prediction: .column("p"))
    let whole = try GroupAggregator.aggregate(try CSVReader(path: try temporaryFile(text)), columns: columns)
    var merged = try GroupAggregator.aggregate(try CSVReader(path: try temporaryFile(first)), columns: columns)
    merged.merge(try GroupAggregator.aggregate(try CSVReader(path: try temporaryFile(second)), columns: columns))
    #expect(merged.rowsRead == whole.rowsRead && merged.groupCount == whole.groupCount)
    for g in 0..<whole.groupCount {
      let h = try #require(merged.existingGroup(for: whole.keys[g]))
      #expect(merged.confusionCounts(group: h) == whole.confusionCounts(group: g))
    }
    // Excluding rows with a missing attribute counts them.
    var excluding = columns
    excluding.missingValues = .exclude
    let excluded = try GroupAggregator.aggregate(try CSVReader(path: try temporaryFile(text)), columns: excluding)
    let missing = whole.keys.indices.filter { whole.keys[$0][1].isEmpty }.map { whole.rowCount(group: $0) }.reduce(0, +)
    #expect(excluded.excluded.byReason["missingAttribute"] == missing)
    #expect(excluded.keys.allSatisfy { !$0[1].isEmpty })
  }

  @Test func l2StatisticIsUnbiasedUnderTheNull() {
    // E[U_g] = Δ_g² with a known reference: under no disparity the mean of
    // T_L2 over replicates is 0 within Monte-Carlo error.
    var rng = Xoshiro256StarStar(seed: 51)
    let k = 20, n = 15, p = 0.3, replicates = 4000
    var sum = 0.0, sumSquares = 0.0
    for _ in 0..<replicates {
      let stats = (0..<k).map { _ -> SufficientStatistics in
        var s = 0
        for _ in 0..<n where rng.nextUnitDouble() < p { s += 1 }
        return SufficientStatistics(count: n, positives: s)
      }
      let t = DisparityStatistics.l2(stats, weights: [Double](repeating: 1, count: k), reference: p).value
      sum += t
      sumSquares += t * t
    }
    let mean = sum / Double(replicates)
    let se = ((sumSquares / Double(replicates) - mean * mean) / Double(replicates)).squareRoot()
    #expect(abs(mean) < 4 * se)
    // Var(U_g) = 2σ⁴/(n(n − 1)) per group; T averages K of them.
    let sigma2 = p * (1 - p)
    let expectedVariance = 2 * sigma2 * sigma2 / Double(n * (n - 1)) / Double(k)
    let variance = sumSquares / Double(replicates) - mean * mean
    #expect(abs(variance / expectedVariance - 1) < 0.15)
  }

  @Test func l2DropsSingletons() {
    let stats = [SufficientStatistics(count: 1, positives: 1), SufficientStatistics(count: 4, positives: 2)]
    let t = DisparityStatistics.l2(stats, weights: [0.5, 0.5], reference: 0.25)
    #expect(t.droppedGroups == [0])
    #expect(t.effectiveWeights == [0, 1])
    // U = (0.5 − 0.25)² − s²/n with s² = (2 − 4/4)/3 = 1/3.
    #expect(isClose(t.value, 0.0625 - (1.0 / 3) / 4, relative: 1e-14))
  }
}
