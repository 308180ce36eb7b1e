import CVaRAudit
import CVaRPlanning
import Foundation

/// The JSON document of `plan` (schema version 1). The names `renyi23`,
/// `norm23`, `effectiveGroups` and `samples.{maxGap, cvarIID, cvarStratified,
/// twoStage}` are fixed; see README.md.
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
}

struct PlanReport {
  var labels: [String]
  var source: String
  var weights: String
  var plan: SamplePlan
  var detectable: DetectableEpsilon?
  var simulated: PlanSimulation?

  var bounds: [SampleSizeBound] { [plan.maxGap, plan.cvarIID, plan.cvarStratified, plan.twoStage] }
  static let designNames = ["max gap, i.i.d.", "CVaR L2, i.i.d. from the population",
                            "CVaR L2, stratified π ∝ w^(2/3)", "CVaR L2, two-stage (J groups × m rows)"]

  func designs<T>(_ values: [T]) -> PlanDocument.Designs<T> {
    PlanDocument.Designs(maxGap: values[0], cvarIID: values[1], cvarStratified: values[2], twoStage: values[3])
  }

  func document() -> PlanDocument {
    let p = plan.problem
    var doc = PlanDocument(
      source: source, groups: p.groupCount, weights: weights, alpha: p.alpha, epsilon: p.epsilon, delta: p.delta,
      power: p.power, baseRate: p.baseRate, boundMethod: p.bound.rawValue,
      renyi23: plan.renyi23, norm23: plan.norm23, effectiveGroups: plan.effectiveGroups,
      samples: designs(bounds.map(\.samples)), bounds: designs(bounds.map(\.formula)),
      twoStage: .init(groups: SamplePlanner.wholeRows(plan.twoStageDesign.groups),
                      rowsPerGroup: SamplePlanner.wholeRows(plan.twoStageDesign.rowsPerGroup),
                      splitConstant: plan.twoStageDesign.splitConstant),
      allocation: labels.indices.map { g in
        .init(group: labels[g], share: p.shares[g], weight: p.weights[g],
              stratifiedShare: plan.cvarStratified.allocation[g], rows: SamplePlanner.wholeRows(plan.stratifiedRows[g]))
      })
    if let d = detectable {
      doc.detectable = .init(samples: d.samples, epsilon: designs([d.maxGap, d.cvarIID, d.cvarStratified, d.twoStage].map(finite)))
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
  static func rows(_ n: Int?) -> String { n.map(AuditRendering.grouped) ?? "not reachable" }

  /// "53 groups", "1 row", or "not reachable" for a whole number kept as a `Double`.
  static func count(_ x: Double, _ noun: String) -> String {
    SamplePlanner.wholeRows(x).map { CountText.counted($0, noun) } ?? "not reachable"
  }

  func table() -> String {
    let p = plan.problem
    var out: [String] = []
    out.append("Audit plan: \(CountText.counted(p.groupCount, "group")) (\(source)), weights \(weights)")
    out.append("α = \(fmtShort(p.alpha)), ε = \(fmtShort(p.epsilon)), δ = \(fmtShort(p.delta)), power = \(fmtShort(p.power)), base rate = \(fmtShort(p.baseRate)) (σ² = \(fmtShort(p.nullVariance)))")
    out.append("Sizes: \(p.bound.label)")
    out.append("H_2/3(w) = \(AuditRendering.fixed(plan.renyi23)) nats, ‖w‖_2/3 = \(AuditRendering.fixed(plan.norm23)), effective groups exp(H_2/3) = \(AuditRendering.fixed(plan.effectiveGroups, 2))")
    out.append("")
    var header = [AuditRendering.pad("design", 40), AuditRendering.pad("rows (bound)", 13, right: true)]
    if let d = detectable { header.append(AuditRendering.pad("ε at n=\(AuditRendering.grouped(d.samples))", 16, right: true)) }
    if simulated != nil {
      header += [AuditRendering.pad("n* (simulated)", 15, right: true), AuditRendering.pad("bound/n*", 9, right: true),
                 AuditRendering.pad("power", 7, right: true), AuditRendering.pad("type I", 7, right: true)]
    }
    out.append(header.joined(separator: "  "))
    let eps = detectable.map { [$0.maxGap, $0.cvarIID, $0.cvarStratified, $0.twoStage] }
    for i in 0..<4 {
      var row = [AuditRendering.pad(Self.designNames[i], 40), AuditRendering.pad(Self.rows(bounds[i].samples), 13, right: true)]
      if let eps { row.append(AuditRendering.pad(AuditRendering.fixed(eps[i]), 16, right: true)) }
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
      out.append("Note: at these sizes the smallest group gets fewer than 5 rows (\(thin.map { Self.designNames[$0] }.joined(separator: "; "))): the sizes assume large groups, so they can fall short there; check with --simulate.")
    }
    out.append("")
    out.append("Two-stage design: J = \(Self.count(plan.twoStageDesign.groups, "group")) drawn from w, m = \(Self.count(plan.twoStageDesign.rowsPerGroup, "row")) each.")
    out.append("")
    out.append("Bounds used:")
    for i in 0..<4 { out.append("  \(Self.designNames[i]): \(bounds[i].formula)") }
    if let s = simulated {
      out.append("")
      out.append("Simulated: Monte-Carlo calibration (critical value from \(CountText.counted(s.settings.calibrationReplicates, "null replicate")) at each n), \(CountText.counted(s.settings.replicates, "replicate")) per power estimate, base rate \(fmtShort(s.baseRate)), seed \(s.settings.seed); alternatives: one bad group (max gap), Δ = ε on weight α (CVaR). n* is the smallest n on the bracketing search path with power ≥ \(fmtShort(p.power)); power and type I error are at n* (standard errors about \(AuditRendering.fixed((p.power * (1 - p.power) / Double(s.settings.replicates)).squareRoot(), 3)) and \(AuditRendering.fixed((p.delta * (1 - p.delta) / Double(s.settings.replicates)).squareRoot(), 3))).")
    }
    out.append("")
    out.append("Stratified allocation (π ∝ w^(2/3), rows = max(2, ⌈n π_g⌉) for n = \(Self.rows(plan.cvarStratified.samples))):")
    let width = max(5, min(40, labels.map(\.count).max() ?? 5))
    out.append([AuditRendering.pad("group", width), AuditRendering.pad("share", 8, right: true), AuditRendering.pad("weight", 8, right: true),
                AuditRendering.pad("π_g", 8, right: true), AuditRendering.pad("rows", 10, right: true)].joined(separator: "  "))
    for g in labels.indices {
      out.append([AuditRendering.pad(labels[g], width), AuditRendering.pad(AuditRendering.fixed(p.shares[g]), 8, right: true),
                  AuditRendering.pad(AuditRendering.fixed(p.weights[g]), 8, right: true),
                  AuditRendering.pad(AuditRendering.fixed(plan.cvarStratified.allocation[g]), 8, right: true),
                  AuditRendering.pad(Self.rows(SamplePlanner.wholeRows(plan.stratifiedRows[g])), 10, right: true)].joined(separator: "  "))
    }
    out.append("total rows: \(Self.rows(SamplePlanner.wholeRows(plan.stratifiedRows.reduce(0, +))))")
    return out.joined(separator: "\n") + "\n"
  }
}
