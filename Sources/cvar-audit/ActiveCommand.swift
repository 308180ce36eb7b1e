import ArgumentParser
import CVaRAudit
import CVaRSequential
import Foundation

/// `cvar-audit active`: a sequential audit that chooses which label to buy next.
struct ActiveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "active",
    abstract: "Sequential audit that picks which group to label next from a labeled pool; reports the labels it needed.",
    discussion: """
      The pool is a labeled CSV file (--pool, else --input, else the embedded COMPAS data). The \
      --sampler picks the group of each next row, which is drawn without replacement as if its \
      label were bought, until an anytime-valid decision (same rules as monitor); --sampler iid \
      draws a uniform row from all rows left. The confidence sequences are the \
      without-replacement ones for the pool's group means (an exhausted group's interval is its \
      known mean), and the default population reference is the pool's mean. The same pool fed \
      in a uniformly random (i.i.d.) order gives the comparison; a label saving is reported only \
      when both runs reach the same decision.
      """
  )

  @OptionGroup var input: InputOptions
  @OptionGroup var options: SequentialOptions

  @Option(help: ArgumentHelp("Labeled pool (CSV with the same columns). Default: --input, else the embedded data.", valueName: "path"))
  var pool: String?

  @Option(range: .seed, help: "Seed of the sampler and of the row draws.")
  var seed: UInt64 = 1

  @Option(range: .integers(1, 10_000), help: "Repeat with seeds seed, seed+1, …, seed+R−1 and also report median labels (the saving of one seed is noisy).", valueName: "R")
  var `repeat`: Int = 1

  @Option(name: .customLong("rows-per-group"), range: .rowsPerGroup, help: "Rows per drawn group for --sampler two-stage.", valueName: "m")
  var rowsPerGroup: Int = 64

  func validate() throws {
    try input.validate(metrics: [options.metric])
    if pool == "-" || (pool == nil && input.input == "-") {
      throw ValidationError("the pool must be a file: labels are drawn from it in any order")
    }
  }

  func run() throws {
    let metric = options.metric
    let path = try pool ?? input.inputPath()
    try requireRereadable(path, option: pool == nil ? "--input" : "--pool",
                          remedy: "once to declare the groups and once to collect the labels; give a file")
    let declared = try DeclaredGroups(path: path, input: input, metric: metric, skipMalformed: false)
    let configuration = options.configuration(groups: declared, label: input.stateLabel(metric: metric))
    var labelPool = LabelPool(groupCount: declared.keys.count)
    let reader = try CSVReader(path: path, delimiter: input.delimiterByte)
    let rows = try ObservationReader(reader: reader, columns: input.selection(for: metric), metric: metric,
                                     groups: declared.table, skipMalformed: false)
    while let row = try rows.next() {
      if case .observation(let g, let loss) = row { labelPool.append(group: g, loss: loss) }
    }
    let chosen = ActiveAudit.run(pool: labelPool, configuration: configuration, sampler: options.sampler,
                                 seed: seed, rowsPerGroup: rowsPerGroup)
    let baseline = ActiveAudit.runInRandomOrder(pool: labelPool, configuration: configuration, seed: seed)
    func labels(_ t: SequentialTester) -> Int { t.decisionObservation ?? t.observations }
    let used = labels(chosen)
    let iidUsed = labels(baseline)
    let decided = Self.isConclusive(chosen.decision)
    // A saving compares the labels two runs needed for the same answer; for
    // different answers (one of them then wrong, or one on a weaker route)
    // it means nothing.
    let sameDecision = decided && chosen.decision == baseline.decision
    let saving: Double? = sameDecision ? 1 - Double(used) / Double(iidUsed) : nil
    let poolName = pool ?? input.inputName
    var repeated: ActiveDocument.Repeats? = nil
    if `repeat` > 1 {
      var chosenLabels: [Int] = [], iidLabels: [Int] = [], decidedRuns = 0, agreeingRuns = 0
      for r in 0..<UInt64(`repeat`) {
        let a = ActiveAudit.run(pool: labelPool, configuration: configuration, sampler: options.sampler,
                                seed: seed &+ r, rowsPerGroup: rowsPerGroup)
        let b = ActiveAudit.runInRandomOrder(pool: labelPool, configuration: configuration, seed: seed &+ r)
        chosenLabels.append(labels(a))
        iidLabels.append(labels(b))
        if Self.isConclusive(a.decision) { decidedRuns += 1 }
        if Self.isConclusive(a.decision) && a.decision == b.decision { agreeingRuns += 1 }
      }
      func median(_ x: [Int]) -> Double {
        let s = x.sorted()
        return s.count % 2 == 1 ? Double(s[s.count / 2]) : Double(s[s.count / 2 - 1] + s[s.count / 2]) / 2
      }
      repeated = ActiveDocument.Repeats(runs: `repeat`, decidedRuns: decidedRuns, agreeingRuns: agreeingRuns,
                                        medianLabels: median(chosenLabels), medianIIDLabels: median(iidLabels))
    }
    switch options.format {
    case .json:
      let document = ActiveDocument(
        result: SequentialRendering.document(chosen, sampler: options.sampler, metric: metric,
                                             attributes: input.columns.groupBy),
        pool: poolName, poolRows: labelPool.rowCount, seed: seed, labelsUsed: used,
        iidDecision: baseline.decision.rawValue, iidLabelsUsed: iidUsed, labelSaving: saving, repeats: repeated)
      try StandardOutput.print(try AuditRendering.encodeJSON(document))
    case .table:
      var out = "Sequential CVaR audit (active) of the \(AuditRendering.metricName(metric)) across "
      out += input.columns.groupBy.joined(separator: " × ") + "\n"
      out += "pool: \(poolName); \(AuditRendering.grouped(labelPool.rowCount)) eligible rows; seed \(seed)\n\n"
      var lines = SequentialRendering.summaryLines(chosen, sampler: options.sampler)
      lines.insert(("labels used", "\(AuditRendering.grouped(used))" + (decided ? "" : " (no decision: \(chosen.decision == .continue ? "pool exhausted" : "budget spent"))")), at: 1)
      lines.append(("i.i.d. order, same pool", "\(baseline.decision.rawValue) after \(AuditRendering.grouped(iidUsed)) labels"))
      if let saving {
        lines.append(("label saving vs i.i.d.", String(format: "%.1f%%", 100 * saving)))
      } else if decided && Self.isConclusive(baseline.decision) {
        lines.append(("label saving vs i.i.d.", "none reported: the two runs reached different decisions"))
      }
      if let repeated {
        lines.append(("over \(repeated.runs) seeds (median)", "\(CountText.number(repeated.medianLabels)) labels vs \(CountText.number(repeated.medianIIDLabels)) in i.i.d. order (\(CountText.counted(repeated.decidedRuns, "run")) decided, \(AuditRendering.grouped(repeated.agreeingRuns)) with the i.i.d. order's decision)"))
      }
      out += SequentialRendering.aligned(lines)
      try StandardOutput.write(out)
    }
  }
}

extension ActiveCommand {
  /// A decision that answers the audit (not `continue` or `budgetExhausted`).
  static func isConclusive(_ d: SequentialDecision) -> Bool {
    d == .violation || d == .withinTolerance || d == .disparityDetected
  }
}

struct ActiveDocument: Encodable {
  var result: SequentialDocument
  var pool: String
  var poolRows: Int
  var seed: UInt64
  var labelsUsed: Int
  var iidDecision: String
  var iidLabelsUsed: Int
  /// 1 − labelsUsed / iidLabelsUsed when both reached the same decision.
  var labelSaving: Double?
  var repeats: Repeats?
  struct Repeats: Encodable {
    var runs: Int
    var decidedRuns: Int
    /// Runs whose decision equals the i.i.d. order's (same seed).
    var agreeingRuns: Int
    var medianLabels: Double
    var medianIIDLabels: Double
  }

  func encode(to encoder: Encoder) throws {
    try result.encode(to: encoder)
    enum Keys: String, CodingKey { case pool, poolRows, seed, labelsUsed, iidDecision, iidLabelsUsed, labelSaving, repeats }
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(pool, forKey: .pool)
    try container.encode(poolRows, forKey: .poolRows)
    try container.encode(seed, forKey: .seed)
    try container.encode(labelsUsed, forKey: .labelsUsed)
    try container.encode(iidDecision, forKey: .iidDecision)
    try container.encode(iidLabelsUsed, forKey: .iidLabelsUsed)
    try container.encode(labelSaving, forKey: .labelSaving)
    try container.encodeIfPresent(repeats, forKey: .repeats)
  }
}
