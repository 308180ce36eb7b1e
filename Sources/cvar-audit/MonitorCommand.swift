import ArgumentParser
import CVaRAudit
import CVaRSequential
import Foundation

/// `cvar-audit monitor`: a sequential audit of rows as they arrive.
struct MonitorCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "monitor",
    abstract: "Sequential audit of rows as they arrive: stops at the first anytime-valid decision.",
    discussion: """
      Reads CSV rows one at a time (a file, or '-' for standard input, which may be endless) and \
      after each row decides: violation (the CVaR lower confidence bound exceeds --tolerance), \
      withinTolerance (the upper bound is below it), disparityDetected (the --l2-test rejected the \
      null of no disparity; not evidence that CVaR exceeds the tolerance), budgetExhausted, or \
      continue. It stops reading at the decision. The guarantee P(false violation) ≤ δ holds \
      although the decision is checked after every row. The groups are declared up front: from \
      --groups-from FILE, or (for a regular --input file or the embedded data) from a first pass \
      over the input; their shares there are the p of the default population reference, which is \
      valid in any row order (e.g. a file sorted by group). --sampler only labels the run.
      """
  )

  @OptionGroup var input: InputOptions
  @OptionGroup var options: SequentialOptions

  @Option(name: .customLong("groups-from"), help: ArgumentHelp(
    "CSV file (same columns) whose groups are declared up front; its eligible-row shares are the population weights. Required with --input -.",
    valueName: "path"))
  var groupsFrom: String?

  @Flag(name: .customLong("skip-malformed"), help: "Skip and count lines that do not parse instead of stopping with an error.")
  var skipMalformed = false

  @Option(name: .customLong("save-state"), help: ArgumentHelp("Write the tester's state (JSON) here at the end.", valueName: "path"))
  var saveState: String?

  @Option(help: ArgumentHelp("Resume from a state file written by --save-state (same options required).", valueName: "path"))
  var resume: String?

  func validate() throws {
    try input.validate(metrics: [options.metric])
    if input.input == "-" && groupsFrom == nil {
      throw ValidationError("reading standard input needs --groups-from FILE: the groups (and δ/K) are fixed before the first row")
    }
    if groupsFrom == "-" {
      throw ValidationError("--groups-from must be a file, not standard input")
    }
    if let saveState {
      // --resume may name the same file: the state is read first and replaced at the end.
      try OutputPath.check(saveState, option: "--save-state", inputs: input.inputFiles + [("--groups-from", groupsFrom)])
    }
  }

  func run() throws {
    let metric = options.metric
    let inputPath = try input.inputPath()
    let declaringPath = try groupsFrom ?? input.inputPath()
    if groupsFrom == nil {
      try requireRereadable(inputPath, option: "--input",
                            remedy: "once to declare the groups and once to audit; declare the groups with --groups-from FILE")
    }
    let declared = try DeclaredGroups(path: declaringPath, input: input, metric: metric, skipMalformed: skipMalformed)
    let configuration = options.configuration(groups: declared, label: input.stateLabel(metric: metric))
    var tester: SequentialTester
    if let resume {
      let data = try readStateFile(resume)
      do { tester = try SequentialTester(restoring: data, configuration: configuration) } catch let error as SequentialStateError {
        throw InputError(file: resume, message: "\(error)")
      }
    } else {
      // Rows of an i.i.d. stream: the group of the next row is drawn from
      // the declared shares (what the betting method weights by).
      tester = SequentialTester(configuration: configuration, design: .probabilities(declared.shares))
    }

    var rowsRead = 0
    var ineligible = 0
    var skipped: [Int] = []
    var decisionLine: Int? = nil
    let statusToStdout = options.format == .table
    if tester.decision == .continue {
      let reader = try CSVReader(path: inputPath, delimiter: input.delimiterByte)
      let rows = try ObservationReader(reader: reader, columns: input.selection(for: metric), metric: metric,
                                       groups: declared.table, skipMalformed: skipMalformed)
      while let row = try rows.next() {
        rowsRead += 1
        switch row {
        case .observation(let g, let loss):
          tester.observe(group: g, loss: loss)
          if options.reportEvery > 0 && tester.observations % options.reportEvery == 0 {
            let line = SequentialRendering.status(tester, row: rows.line)
            if statusToStdout { try StandardOutput.print(line) } else { StandardError.write(line + "\n") }
          }
        case .ineligible:
          ineligible += 1
        case .malformed(let error):
          skipped.append(error.line ?? 0)
          StandardError.write("cvar-audit: skipped: \(error)\n")
        }
        if tester.decision != .continue {
          decisionLine = rows.line
          break
        }
      }
    }
    if let saveState {
      // Atomically (OutputPath writes through AtomicFile): a failed write
      // leaves the old state file (the one --resume read, maybe) as it was.
      try OutputPath(path: saveState, option: "--save-state").write(String(decoding: try tester.encodedState(), as: UTF8.self))
    }
    let inputName = input.inputName
    switch options.format {
    case .json:
      let document = MonitorDocument(
        result: SequentialRendering.document(tester, sampler: options.sampler, metric: metric,
                                             attributes: input.columns.groupBy),
        input: inputName, line: decisionLine, rowsRead: rowsRead, ineligibleRows: ineligible,
        skippedLines: skipped.count, firstSkippedLines: Array(skipped.prefix(20)),
        endOfInput: tester.decision == .continue)
      try StandardOutput.print(try AuditRendering.encodeJSON(document))
    case .table:
      var out = "Sequential CVaR audit (monitor) of the \(AuditRendering.metricName(metric)) across "
      out += input.columns.groupBy.joined(separator: " × ") + "\n"
      out += "input: \(inputName); \(AuditRendering.grouped(rowsRead)) rows read"
      if ineligible > 0 { out += " (\(AuditRendering.grouped(ineligible)) not eligible for the metric)" }
      out += "\n\n"
      var rows = SequentialRendering.summaryLines(tester, sampler: options.sampler)
      if let decisionLine { rows.insert(("decided at", "line \(decisionLine) of the input"), at: 1) }
      if tester.decision == .continue { rows.insert(("input", "ended before a decision"), at: 1) }
      if !skipped.isEmpty {
        rows.append(("skipped malformed lines", "\(skipped.count) (lines " + skipped.prefix(10).map(String.init).joined(separator: ", ") + (skipped.count > 10 ? ", …)" : ")")))
      }
      out += SequentialRendering.aligned(rows)
      try StandardOutput.write(out)
    }
  }
}

struct MonitorDocument: Encodable {
  var result: SequentialDocument
  var input: String
  /// The input line at which the decision was reached.
  var line: Int?
  var rowsRead: Int
  var ineligibleRows: Int
  var skippedLines: Int
  var firstSkippedLines: [Int]
  var endOfInput: Bool

  func encode(to encoder: Encoder) throws {
    try result.encode(to: encoder)
    enum Keys: String, CodingKey { case input, line, rowsRead, ineligibleRows, skippedLines, firstSkippedLines, endOfInput }
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(input, forKey: .input)
    try container.encode(line, forKey: .line)
    try container.encode(rowsRead, forKey: .rowsRead)
    try container.encode(ineligibleRows, forKey: .ineligibleRows)
    try container.encode(skippedLines, forKey: .skippedLines)
    try container.encode(firstSkippedLines, forKey: .firstSkippedLines)
    try container.encode(endOfInput, forKey: .endOfInput)
  }
}
