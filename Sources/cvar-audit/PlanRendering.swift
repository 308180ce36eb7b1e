import CVaRAudit
import CVaRPlanning
import Foundation

/// The JSON document of `plan` (schema version 1). The names `renyi23`,
/// `norm23`, `effectiveGroups` and `samples.{maxGap, cvarIID, cvarStratified,
/// twoStage}` are fixed; see docs/guide/plan.md.
struct PlanDocument: Encodable {
  struct Designs<T: Encodable>: Encodable {
    var maxGap: T
    var cvarIID: T
    var cvarStratified: T
    var twoStage: T
  }
  struct TwoStage: Encodable {
    var groups: Int?
    var rowsPerGroup: Int?
    var splitConstant: Double
  }
  struct Allocation: Encodable {
    var group: String
    var share: Double
    var weight: Double
    var stratifiedShare: Double
    var rows: Int?
  }
  struct Detectable: Encodable {
    var samples: Int
    var epsilon: Designs<Double?>
  }
  struct Simulated: Encodable {
    var baseRate: Double
    var calibration = "monte-carlo"
    var replicates: Int
    var calibrationReplicates: Int
    var seed: UInt64
    var alternatives = Designs(maxGap: "single", cvarIID: "flat-tail", cvarStratified: "flat-tail", twoStage: "flat-tail")
    var samples: Designs<Int?>
    var boundOverSimulated: Designs<Double?>
    var power: Designs<Double?>
    var powerStandardError: Designs<Double?>
    var typeIError: Designs<Double?>
    var typeIErrorStandardError: Designs<Double?>
  }
  var schemaVersion = 1
  var source: String
  var groups: Int
  var weights: String
  var alpha: Double
  var epsilon: Double
  var delta: Double
  var power: Double
  var baseRate: Double
  var boundMethod: String
  var renyi23: Double
  var norm23: Double
  var effectiveGroups: Double
  var samples: Designs<Int?>
  var bounds: Designs<String>
  var twoStage: TwoStage
  var allocation: [Allocation]
  var detectable: Detectable?
  var simulated: Simulated?
  /// With --metric: what the sizes count, and the sizes in total rows.
  var eligible: PlanEligibility.Summary<Designs<Int?>>?
  /// Allocations that ask a group for more rows than the data has (when it gives group sizes).
  var warnings: [String]
}

struct PlanReport {
  var labels: [String]
  var source: String
  var weights: String
  var plan: SamplePlan
  var detectable: DetectableEpsilon?
  var simulated: PlanSimulation?
  /// Rows each group has in the data (eligible rows with --metric), when known.
  var available: [Int]? = nil
  var eligibility: PlanEligibility? = nil
  /// The base rate in the metric's own scale (the planner's is 1 − b when lower is worse).
  var metricBaseRate: Double
  /// Whether --base-rate was given (else it is the observed rate, with --metric and data).
  var baseRateGiven = false
  /// Rows of the allocation table (`--top`); nil: every group.
  var top: Int? = nil

  /// The largest ε any group can show: 1 − b of the planner's base rate.
  var largestEpsilon: Double { 1 - plan.problem.baseRate }

  /// A detectable ε, or nil when it is above what a group can reach.
  func reachable(_ epsilon: Double) -> Double? { epsilon <= largestEpsilon ? epsilon : nil }

  /// Each design's size in total rows, with --metric (nil: not reachable).
  var totalRows: [Int?]? {
    eligibility?.totalRows(plan)
  }

  /// The warnings of allocations that ask more rows of a group than it has:
  /// the i.i.d. designs (more rows than the data), the stratified allocation
  /// (rows_g > n_g) and the two-stage design (m > n_g, for a drawn group).
  var warnings: [String] {
    guard let available else { return [] }
    let noun = eligibility.map { PlanEligibility.countsEveryRow($0.metric) ? "rows" : $0.shortNoun } ?? "rows"
    return PlanChecks.warnings(plan, labels: labels, available: available, noun: noun)
  }

  var bounds: [SampleSizeBound] { [plan.maxGap, plan.cvarIID, plan.cvarStratified, plan.twoStage] }
  /// A prose line wrapped at `AuditRendering.textWidth`, its continuation
  /// lines indented by `rest` (one string with "\n" between the lines).
  static func wrap(_ text: String, first: String = "", rest: String = "  ") -> String {
    String(AuditRendering.wrapped(text, first: first, rest: rest).dropLast())
  }

  static let designNames = PlanChecks.designNames

  func designs<T>(_ values: [T]) -> PlanDocument.Designs<T> {
    PlanDocument.Designs(maxGap: values[0], cvarIID: values[1], cvarStratified: values[2], twoStage: values[3])
  }

  func document() -> PlanDocument {
    let p = plan.problem
    var doc = PlanDocument(
      source: source, groups: p.groupCount, weights: weights, alpha: p.alpha, epsilon: p.epsilon, delta: p.delta,
      power: p.power, baseRate: metricBaseRate, boundMethod: p.bound.rawValue,
      renyi23: plan.renyi23, norm23: plan.norm23, effectiveGroups: plan.effectiveGroups,
      samples: designs(bounds.map(\.samples)), bounds: designs(bounds.map(\.formula)),
      twoStage: .init(groups: SamplePlanner.wholeRows(plan.twoStageDesign.groups),
                      rowsPerGroup: SamplePlanner.wholeRows(plan.twoStageDesign.rowsPerGroup),
                      splitConstant: plan.twoStageDesign.splitConstant),
      allocation: labels.indices.map { g in
        .init(group: labels[g], share: p.shares[g], weight: p.weights[g],
              stratifiedShare: plan.cvarStratified.allocation[g], rows: SamplePlanner.wholeRows(plan.stratifiedRows[g]))
      }, warnings: warnings)
    if let e = eligibility, let totals = totalRows {
      doc.eligible = .init(e, totalRows: designs(totals))
    }
    if let d = detectable {
      doc.detectable = .init(samples: d.samples, epsilon: designs([d.maxGap, d.cvarIID, d.cvarStratified, d.twoStage].map { finite($0).flatMap(reachable) }))
    }
    if let s = simulated {
      let at = s.results.map(\.atSamples)
      doc.simulated = .init(
        baseRate: s.baseRate, replicates: s.settings.replicates, calibrationReplicates: s.settings.calibrationReplicates,
        seed: s.settings.seed, samples: designs(s.results.map(\.samples)),
        boundOverSimulated: designs(zip(bounds, s.results).map { b, r in r.samples.flatMap { n in b.samples.map { Double($0) / Double(n) } } }),
        power: designs(at.map { $0?.power }), powerStandardError: designs(at.map { $0?.powerStandardError }),
        typeIError: designs(at.map { $0?.typeIError }), typeIErrorStandardError: designs(at.map { $0?.typeIErrorStandardError }))
    }
    return doc
  }

  func json() throws -> String { try AuditRendering.encodeJSON(document()) }

  /// The per-group allocation of the stratified design.
  func csv(escapeFormulas: Bool = false) -> String {
    var lines = ["group,share,weight,stratified_share,rows"]
    let p = plan.problem
    for g in labels.indices {
      lines.append([AuditRendering.csvField(labels[g], escapeFormulas: escapeFormulas), "\(p.shares[g])", "\(p.weights[g])",
                    "\(plan.cvarStratified.allocation[g])", SamplePlanner.wholeRows(plan.stratifiedRows[g]).map(String.init) ?? ""].joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// A size with thousands separators, or "not reachable" when it does not fit in an Int.
  static func rows(_ n: Int?) -> String { PlanChecks.rows(n) }

  /// "53 groups", "1 row", or "not reachable" for a whole number kept as a `Double`.
  static func count(_ x: Double, _ noun: String) -> String { PlanChecks.count(x, noun) }

  /// The groups of the allocation table: all of them when `top` is nil or
  /// covers K; else the `top` groups that need the most rows, or with the
  /// data's sizes the largest share of what they have (the short ones first).
  ///
  /// - Complexity: O(K log K) for K groups.
  func allocationRows() -> [Int] {
    guard let top, top < labels.count else { return Array(labels.indices) }
    let needs = plan.stratifiedRows
    // With the data's group sizes: needed over available rows (short groups have a ratio above 1).
    func key(_ g: Int) -> Double { available.map { needs[g] / Double(max($0[g], 1)) } ?? needs[g] }
    let ranked = labels.indices.sorted { a, b in key(a) != key(b) ? key(a) > key(b) : a < b }
    return Array(ranked.prefix(top))
  }

  func table() -> String {
    let p = plan.problem
    var out: [String] = []
    out.append("Audit plan: \(CountText.counted(p.groupCount, "group")) (\(source)), weights \(weights)")
    out.append("α = \(fmtShort(p.alpha)), ε = \(fmtShort(p.epsilon)), δ = \(fmtShort(p.delta)), power = \(fmtShort(p.power)), base rate = \(fmtShort(metricBaseRate)) (σ² = \(fmtShort(p.nullVariance)))")
    if let e = eligibility {
      let from = baseRateGiven ? "--base-rate" : e.observedRate.map { _ in "the observed \(e.metric)" } ?? "the default"
      var line = PlanEligibility.countsEveryRow(e.metric) ? "Planned for \(e.metric) (every row is eligible): base rate from \(from)" : "Planned on the eligible rows of \(e.metric), the \(e.noun): base rate from \(from)\(e.worse == .lower ? ", lower is worse (planned on 1 − \(e.metric))" : "")"
      if !PlanEligibility.countsEveryRow(e.metric) {
        line += "; \(e.shortNoun) are \(AuditRendering.fixed(100 * e.share, 1))% of the rows\(e.observedRate == nil ? " (--eligible-share)" : ""), so ≈ total rows = \(e.shortNoun) needed ÷ \(fmtShort(e.share))\(e.groupShares == nil ? "" : " (stratified and two-stage: ÷ each group's own share)")"
      }
      if e.groupsLeftOut > 0 { line += "; \(CountText.counted(e.groupsLeftOut, "group")) without \(e.shortNoun) left out" }
      // Wrapped at AuditRendering.textWidth (it runs to 470 characters at six attributes).
      out.append(Self.wrap(line + "."))
    }
    out.append("Sizes: \(p.bound.label)")
    out.append("H_2/3(w) = \(AuditRendering.fixed(plan.renyi23)) nats, ‖w‖_2/3 = \(AuditRendering.fixed(plan.norm23)), effective groups exp(H_2/3) = \(AuditRendering.fixed(plan.effectiveGroups, 2))")
    out.append("")
    let totals = eligibility.map { PlanEligibility.countsEveryRow($0.metric) } == false ? totalRows : nil
    let sizeHeader = totals == nil ? "rows (bound)" : "\(eligibility!.shortNoun) (bound)"
    let sizeWidth = max(13, sizeHeader.count)
    var header = [AuditRendering.pad("design", 40), AuditRendering.pad(sizeHeader, sizeWidth, right: true)]
    if totals != nil { header.append(AuditRendering.pad("≈ total rows", 13, right: true)) }
    if let d = detectable { header.append(AuditRendering.pad("ε at n=\(AuditRendering.grouped(d.samples))", 16, right: true)) }
    if simulated != nil {
      header += [AuditRendering.pad("n* (simulated)", 15, right: true), AuditRendering.pad("bound/n*", 9, right: true),
                 AuditRendering.pad("power", 7, right: true), AuditRendering.pad("type I", 7, right: true)]
    }
    out.append(header.joined(separator: "  "))
    let eps = detectable.map { [$0.maxGap, $0.cvarIID, $0.cvarStratified, $0.twoStage] }
    for i in 0..<4 {
      var row = [AuditRendering.pad(Self.designNames[i], 40), AuditRendering.pad(Self.rows(bounds[i].samples), sizeWidth, right: true)]
      if let totals { row.append(AuditRendering.pad(Self.rows(totals[i]), 13, right: true)) }
      if let eps { row.append(AuditRendering.pad(reachable(eps[i]).map { AuditRendering.fixed($0) } ?? "none ≤ \(fmtShort(largestEpsilon))", 16, right: true)) }
      if let s = simulated {
        let r = s.results[i]
        let at = r.atSamples
        row += [AuditRendering.pad(r.samples.map(AuditRendering.grouped) ?? "not reached", 15, right: true),
                AuditRendering.pad(r.samples.flatMap { n in bounds[i].samples.map { AuditRendering.fixed(Double($0) / Double(n), 2) } } ?? "—", 9, right: true),
                AuditRendering.pad(at.map { AuditRendering.fixed($0.power, 3) } ?? "—", 7, right: true),
                AuditRendering.pad(at.flatMap { $0.typeIError }.map { AuditRendering.fixed($0, 3) } ?? "—", 7, right: true)]
      }
      out.append(row.joined(separator: "  "))
    }
    let thin = bounds.indices.filter { bounds[$0].smallestGroupRows < 5 }
    if !thin.isEmpty {
      out.append("")
      out.append(Self.wrap("Note: at these sizes the smallest group gets fewer than 5 rows (\(thin.map { Self.designNames[$0] }.joined(separator: "; "))): the sizes assume large groups, so they can fall short there; check with --simulate."))
    }
    let warnings = self.warnings
    if !warnings.isEmpty {
      out.append("")
      // Wrapped like every prose line (a warning ran to 290 characters at
      // six attributes); a continuation line starts with two spaces.
      for w in warnings { out.append(Self.wrap("Warning: " + w)) }
    }
    out.append("")
    out.append("Two-stage design: J = \(Self.count(plan.twoStageDesign.groups, "group")) drawn from w, m = \(Self.count(plan.twoStageDesign.rowsPerGroup, "row")) each.")
    out.append("")
    out.append("Bounds used:")
    for i in 0..<4 { out.append(Self.wrap("\(Self.designNames[i]): \(bounds[i].formula)", first: "  ", rest: "      ")) }
    if let s = simulated {
      out.append("")
      out.append(Self.wrap("Simulated: Monte-Carlo calibration (critical value from \(CountText.counted(s.settings.calibrationReplicates, "null replicate")) at each n), \(CountText.counted(s.settings.replicates, "replicate")) per power estimate, base rate \(fmtShort(s.baseRate)), seed \(s.settings.seed); alternatives: one bad group (max gap), Δ = ε on weight α (CVaR). n* is the smallest n on the bracketing search path with power ≥ \(fmtShort(p.power)); power and type I error are at n* (standard errors about \(AuditRendering.fixed((p.power * (1 - p.power) / Double(s.settings.replicates)).squareRoot(), 3)) and \(AuditRendering.fixed((p.delta * (1 - p.delta) / Double(s.settings.replicates)).squareRoot(), 3)))."))
    }
    out.append("")
    out.append("Stratified allocation (π ∝ w^(2/3), rows = max(2, ⌈n π_g⌉) for n = \(Self.rows(plan.cvarStratified.samples))):")
    let width = max(5, min(60, labels.map(\.count).max() ?? 5))
    out.append(([AuditRendering.pad("group", width), AuditRendering.pad("share", 8, right: true), AuditRendering.pad("weight", 8, right: true),
                 AuditRendering.pad("π_g", 8, right: true), AuditRendering.pad("rows", 10, right: true)]
                + (available == nil ? [] : [AuditRendering.pad("has", 10, right: true)])).joined(separator: "  "))
    let shown = allocationRows()
    for g in shown {
      let needs = plan.stratifiedRows[g]
      let short = available.map { needs > Double($0[g]) } ?? false
      out.append(AuditRendering.trimmingTrailingSpaces(([AuditRendering.pad(labels[g], width), AuditRendering.pad(AuditRendering.fixed(p.shares[g]), 8, right: true),
                  AuditRendering.pad(AuditRendering.fixed(p.weights[g]), 8, right: true),
                  AuditRendering.pad(AuditRendering.fixed(plan.cvarStratified.allocation[g]), 8, right: true),
                  AuditRendering.pad(Self.rows(SamplePlanner.wholeRows(needs)), 10, right: true)]
                  + (available.map { [AuditRendering.pad(AuditRendering.grouped($0[g]), 10, right: true), short ? "short" : ""] } ?? [])).joined(separator: "  ")))
    }
    if shown.count < labels.count {
      let left = labels.count - shown.count
      out.append(Self.wrap("… \(CountText.counted(left, "more group")) (shown: the \(shown.count) that need \(available == nil ? "the most rows" : "the most rows for what they have, short ones first"); --top 0 for all, or --format csv or json for the whole allocation)"))
    }
    let stratifiedTotal = Self.rows(SamplePlanner.wholeRows(plan.stratifiedRows.reduce(0, +)))
    if let totals, let e = eligibility {
      out.append("total \(e.shortNoun): \(stratifiedTotal) (≈ \(Self.rows(totals[2])) rows)")
    } else {
      out.append("total rows: \(stratifiedTotal)")
    }
    return out.joined(separator: "\n") + "\n"
  }
}
