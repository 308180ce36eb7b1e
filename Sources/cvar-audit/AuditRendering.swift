import CVaRAudit
import Foundation

/// The JSON document of an audit (schema version 1). The names of this
/// schema are fixed; see docs/guide/audit.md.
struct AuditDocument: Encodable {
  struct Group: Encodable {
    var key: [String: String]
    var n: Int
    var sum: Double
    var rate: Double?
    var ci: [Double?]
    var disparity: Double?
    var disparityInterval: [Double?]
    var weight: Double
    var tailWeight: Double
    var inTail: Bool
    /// rate / reference rate.
    var ratio: Double?
    /// ratio < 0.8, for the selection rate only.
    var belowFourFifths: Bool?
    /// Confusion counts, when labels and predictions were read.
    var tn: Int?
    var fp: Int?
    var fn: Int?
    var tp: Int?
    /// Under --sample-weight: Σw over the eligible rows, and Kish's effective n.
    var weightSum: Double?
    var effectiveN: Double?
  }
  struct Excluded: Encodable {
    var total: Int
    var byReason: [String: Int]
  }
  var schemaVersion = 1
  var metric: String
  var alpha: Double
  var groupBy: [String]
  var weights: String
  var disparity: String
  /// higher, lower (one-sided) or either (two-sided).
  var worse: String
  /// The row-weight column (--sample-weight), absent without.
  var sampleWeight: String?
  var reference: String
  var confidenceLevel: Double
  var interval: String
  var simultaneousInterval: String
  var groups: [Group]
  var groupsWithoutRate: [[String: String]]
  var summary: AuditSummaryDocument
  var excludedRows: Excluded
  /// The plain-language verdict (the text output's first lines).
  var verdict: Verdict
}

/// A finite number, or nil (JSON null) for NaN and infinities.
func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }

enum AuditRendering {
  static func keyObject(_ attributes: [String], _ key: [String]) -> [String: String] {
    Dictionary(uniqueKeysWithValues: zip(attributes, key))
  }

  /// `one-sided` or `two-sided` (the side is `worseName`).
  static func sidesName(_ kind: DisparityKind) -> String { kind.isOneSided ? "one-sided" : "two-sided" }

  /// `higher`, `lower`, or `either` for a two-sided disparity.
  static func worseName(_ kind: DisparityKind) -> String { kind.worse?.rawValue ?? "either" }

  /// The disparity as the header lines name it: `one-sided`, `two-sided`, or
  /// for a lower-is-worse metric the definition too.
  static func disparityText(_ kind: DisparityKind) -> String {
    kind == .oneSidedLower ? "one-sided disparity (lower is worse: Δ = reference − rate)" : "\(sidesName(kind)) disparity"
  }

  /// Whether the four-fifths flag applies (the selection rate).
  static func hasFourFifths(_ r: AuditResult) -> Bool { r.configuration.metric == .selectionRate }

  static func document(_ r: AuditResult, sampleWeight: String? = nil) -> AuditDocument {
    let fourFifths = hasFourFifths(r)
    return AuditDocument(
      metric: r.configuration.metric.description, alpha: r.configuration.alpha, groupBy: r.attributes,
      weights: r.configuration.weighting.description, disparity: sidesName(r.configuration.disparity),
      worse: worseName(r.configuration.disparity), sampleWeight: sampleWeight,
      reference: r.configuration.reference.description, confidenceLevel: r.configuration.confidenceLevel,
      interval: r.configuration.intervalMethod.rawValue,
      simultaneousInterval: r.configuration.simultaneousMethod.rawValue,
      groups: r.groups.map { g in
        AuditDocument.Group(
          key: keyObject(r.attributes, g.key), n: g.statistics.count, sum: g.statistics.sum, rate: finite(g.rate),
          ci: [finite(g.confidenceInterval.lower), finite(g.confidenceInterval.upper)],
          disparity: finite(g.disparity),
          disparityInterval: [finite(g.disparityInterval.lower), finite(g.disparityInterval.upper)],
          weight: g.weight, tailWeight: g.tailWeight, inTail: g.inTail, ratio: finite(g.ratio),
          belowFourFifths: fourFifths ? g.belowFourFifths : nil,
          tn: g.confusion?.trueNegatives, fp: g.confusion?.falsePositives,
          fn: g.confusion?.falseNegatives, tp: g.confusion?.truePositives,
          weightSum: g.weighted?.weight, effectiveN: g.weighted?.effectiveCount)
      },
      groupsWithoutRate: r.groupsWithoutRate.map { keyObject(r.attributes, $0) },
      summary: AuditSummaryDocument(r),
      excludedRows: AuditDocument.Excluded(total: r.excluded.total, byReason: r.excluded.byReason),
      verdict: .audit(r))
  }

  static func json(_ r: AuditResult, sampleWeight: String? = nil) throws -> String {
    try encodeJSON(document(r, sampleWeight: sampleWeight))
  }

  /// Pretty-printed JSON with sorted keys (Foundation's `JSONEncoder` text,
  /// written by `SortedJSONEncoder`, which is several times faster).
  static func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    try SortedJSONEncoder.encode(value)
  }

  /// A CSV text field, quoted when it needs to be (RFC 4180). With
  /// `escapeFormulas`, a value that a spreadsheet would run as a formula (its
  /// first byte is =, +, -, @, a tab or a carriage return) gets a leading
  /// single quote first, as OWASP's CSV-injection advice and spreadsheet
  /// writers do: the cell then shows the text instead of evaluating it.
  ///
  /// - Complexity: O(s.utf8.count).
  static func csvField(_ s: String, escapeFormulas: Bool = false) -> String {
    var s = s
    if escapeFormulas, let first = s.utf8.first, formulaBytes.contains(first) { s = "'" + s }
    // By byte, not by Character: "\r\n" is one Character, equal to neither "\r" nor "\n".
    if s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
      return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return s
  }

  /// The first bytes that make a spreadsheet read a cell as a formula: = + - @ tab CR.
  static let formulaBytes: Set<UInt8> = [0x3D, 0x2B, 0x2D, 0x40, 0x09, 0x0D]

  static func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "" }

  static func csv(_ r: AuditResult, escapeFormulas: Bool = false) -> String {
    var lines: [String] = []
    let fourFifths = hasFourFifths(r)
    let weighted = r.groups.first?.weighted != nil
    let header = r.attributes + ["n", "sum", "rate", "ci_low", "ci_high", "disparity",
                                 "disparity_low", "disparity_high", "weight", "tail_weight", "in_tail",
                                 "ratio", "tn", "fp", "fn", "tp"] + (fourFifths ? ["below_four_fifths"] : [])
      + (weighted ? ["weight_sum", "effective_n"] : [])
    lines.append(header.map { csvField($0, escapeFormulas: escapeFormulas) }.joined(separator: ","))
    func count(_ n: Int?) -> String { n.map(String.init) ?? "" }
    for g in r.groups {
      let fields = g.key.map { csvField($0, escapeFormulas: escapeFormulas) } + [
        "\(g.statistics.count)", number(g.statistics.sum), number(g.rate),
        number(g.confidenceInterval.lower), number(g.confidenceInterval.upper), number(g.disparity),
        number(g.disparityInterval.lower), number(g.disparityInterval.upper),
        number(g.weight), number(g.tailWeight), g.inTail ? "1" : "0",
        number(g.ratio), count(g.confusion?.trueNegatives), count(g.confusion?.falsePositives),
        count(g.confusion?.falseNegatives), count(g.confusion?.truePositives),
      ] + (fourFifths ? [g.belowFourFifths ? "1" : "0"] : [])
        + (weighted ? [number(g.weighted?.weight ?? .nan), number(g.weighted?.effectiveCount ?? .nan)] : [])
      lines.append(fields.joined(separator: ","))
    }
    // Groups with rows but none eligible for the metric: n = 0 eligible rows, every other field empty.
    let empty = Array(repeating: "", count: header.count - r.attributes.count - 1)
    for key in r.groupsWithoutRate {
      lines.append((key.map { csvField($0, escapeFormulas: escapeFormulas) } + ["0"] + empty).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func fixed(_ x: Double, _ digits: Int = 4) -> String {
    guard x.isFinite else { return "—" }
    return String(format: "%.\(digits)f", x)
  }

  static func signed(_ x: Double, _ digits: Int = 4) -> String {
    guard x.isFinite else { return "—" }
    return String(format: "%+.\(digits)f", x)
  }

  static func grouped(_ n: Int) -> String { NumberText.grouped(n) }

  static func displayKey(_ key: [String]) -> String {
    key.map { $0.isEmpty ? "(missing)" : $0 }.joined(separator: " | ")
  }

  /// `s` without the spaces at its end (the padding of a table's last
  /// column). A loop over the end, not a regular expression: `\\s+$` is
  /// tried at every space of the line, which made a table with one
  /// 100,000-character group value take over 30 s.
  ///
  /// - Complexity: O(number of trailing spaces).
  static func trimmingTrailingSpaces(_ s: String) -> String {
    var s = s
    while s.utf8.last == 0x20 { s.removeLast() }
    return s
  }

  static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
    let n = s.count
    if n >= width { return s }
    let padding = String(repeating: " ", count: width - n)
    return right ? padding + s : s + padding
  }

  static func metricName(_ m: Metric) -> String { m.displayName }

  static func table(_ r: AuditResult, inputName: String, sampleWeight: String? = nil,
                    list: GroupListSettings = GroupListSettings()) -> String {
    let c = r.configuration
    let s = r.summary
    let level = fixed(100 * c.confidenceLevel, c.confidenceLevel * 100 == (c.confidenceLevel * 100).rounded() ? 0 : 1)
    var out = "CVaR audit of the \(metricName(c.metric)) across \(r.attributes.joined(separator: " × "))\n"
    out += "input: \(inputName); \(grouped(s.rows)) rows, \(grouped(s.groups)) groups with a rate"
    out += ", \(grouped(s.eligibleRows)) eligible rows"
    out += s.blankLines > 0 ? "; \(grouped(s.blankLines)) blank line\(s.blankLines == 1 ? "" : "s") skipped\n" : "\n"
    out += "α (tail share) = \(c.alpha), weights \(c.weighting), \(disparityText(c.disparity)) against the \(referenceName(c.reference)) rate\n"
    if let sampleWeight {
      out += "row weights '\(sampleWeight)': weighted rates\(c.weighting == .population ? " and group shares" : ""); n counts rows; intervals from Kish's effective n (approximate)\n"
    }
    out += "\n" + verdictText(.audit(r))
    out += smallCellWarning(SmallCellSummary(r), cvar: s.cvar)
    out += "\n"
    let fourFifths = hasFourFifths(r)
    let headers = ["group", "n", "rate", "\(level)% CI (\(c.intervalMethod.rawValue))", "disparity", "ratio", "weight", "tail"]
    let listing = GroupListing(r.groups, options: list, rows: \.statistics.count, sortValue: sortValue(list.sort))
    let rows: [[String]] = listing.shown.map { g in
      [displayKey(g.key), grouped(g.statistics.count), fixed(g.rate),
       "[\(fixed(g.confidenceInterval.lower)), \(fixed(g.confidenceInterval.upper))]",
       signed(g.disparity), fixed(g.ratio, 2) + (fourFifths && g.belowFourFifths ? "†" : ""), fixed(g.weight),
       g.inTail ? (g.tailWeight < g.weight / c.alpha * (1 - 1e-9) ? "* (part)" : "*") : ""]
    }
    var widths = headers.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    let rightAligned: Set<Int> = [1, 2, 4, 5, 6]
    func line(_ cells: [String]) -> String {
      trimmingTrailingSpaces(cells.enumerated().map { pad($1, widths[$0], right: rightAligned.contains($0)) }.joined(separator: "  "))
    }
    out += line(headers) + "\n"
    out += line(widths.map { String(repeating: "-", count: $0) }) + "\n"
    for row in rows { out += line(row) + "\n" }
    out += listing.footer(formats: "json/csv", minN: list.minN)
    out += tailFootnote(r) + "\n\n"
    let alphaText = "\(c.alpha)"
    var summaryRows: [(String, String)] = [
      ("overall rate", fixed(s.overallRate)),
      ("reference rate", fixed(s.referenceRate)),
      ("CVaR_\(alphaText) of disparities", signed(s.cvar)),
      ("  simultaneous \(level)% interval", "[\(signed(s.cvarInterval.lower)), \(signed(s.cvarInterval.upper))]  (\(c.simultaneousMethod.rawValue) at δ/\(s.simultaneousIntervals))"),
      ("VaR_\(alphaText)", signed(s.valueAtRisk)),
      ("max gap (max disparity)", signed(s.maxGap)),
      ("max − min rate (between groups)", fixed(s.betweenGroupsDifference)),
      ("min / max ratio to reference", "\(fixed(s.minRatio, 2)) / \(fixed(s.maxRatio, 2))"),
      ("weighted mean disparity", signed(s.meanDisparity)),
      ("tail groups (*)", "\(r.groups.filter(\.inTail).count)"),
      ("H_2/3(w)", "\(fixed(s.renyi23)) nats"),
      ("‖w‖_2/3", fixed(s.norm23)),
      ("effective groups exp(H_2/3)", fixed(s.effectiveGroups, 2)),
      ("excluded rows", r.excluded.total == 0 ? "0" : "\(r.excluded.total) (" + r.excluded.byReason.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")"),
    ]
    if sampleWeight != nil {
      summaryRows.insert(("eligible weight Σw", fixed(s.eligibleWeight, 2)), at: 0)
    }
    if fourFifths {
      summaryRows.append(("below four fifths († ratio < 0.8)", "\(r.groups.filter(\.belowFourFifths).count)"))
    }
    let small = SmallCellSummary(r)
    summaryRows.insert(contentsOf: smallCellRows(small, alpha: c.alpha), at: 4)
    let labelWidth = summaryRows.map(\.0.count).max()!
    for (label, value) in summaryRows { out += pad(label, labelWidth) + "  " + value + "\n" }
    out += withoutRateLine(r.groupsWithoutRate, formats: "json/csv")
    return out
  }

  /// The verdict's lines under a "verdict" heading, each item indented by
  /// two spaces and wrapped at `textWidth` with four.
  static func verdictText(_ v: Verdict) -> String {
    "verdict\n" + v.lines.map { wrapped($0, first: "  ", rest: "    ") }.joined()
  }

  /// The width the verdict, the warnings and the list of groups without a rate are wrapped at.
  static let textWidth = 100

  /// `text` broken at spaces into lines of at most `textWidth` characters
  /// (a longer word stays whole), the first line prefixed by `first`, the
  /// others by `rest`; each line ends with a newline.
  ///
  /// - Complexity: O(text.count).
  static func wrapped(_ text: String, first: String, rest: String) -> String {
    var out = "", line = first, empty = true
    for word in text.split(separator: " ", omittingEmptySubsequences: false) {
      if !empty && line.count + 1 + word.count > textWidth {
        out += line + "\n"
        line = rest + word
      } else {
        line += (empty ? "" : " ") + word
      }
      empty = false
    }
    return out + line + "\n"
  }

  /// The summary rows of the small-cell check: the small groups' share of
  /// the tail, and the empirical-Bayes CVaR beside the plug-in.
  static func smallCellRows(_ small: SmallCellSummary, alpha: Double) -> [(String, String)] {
    let shrunk: String
    if let prior = small.prior {
      shrunk = "\(signed(small.shrunkenCVaR))  (beta-binomial prior: mean \(fixed(prior.mean)), worth \(CountText.number(prior.concentration, digits: 1)) rows)"
    } else {
      shrunk = "—  (binary metrics without row weights, with rates not all 0 or all 1)"
    }
    return [("  empirical-Bayes (shrunken) CVaR_\(alpha)", shrunk),
            ("  tail weight from n < \(AuditRendering.grouped(small.rule.size))",
             "\(fixed(100 * small.tailShare, 1))%  (\(CountText.counted(small.smallGroups, "group")) with n < \(AuditRendering.grouped(small.rule.size)))")]
  }

  /// The warning when small cells make up more than --small-share of the tail, or "".
  static func smallCellWarning(_ small: SmallCellSummary, cvar: Double) -> String {
    guard small.warning else { return "" }
    let n = AuditRendering.grouped(small.rule.size)
    var out = "warning: \(fixed(100 * small.tailShare, 1))% of the CVaR's tail weight comes from groups with fewer than \(n) rows "
    out += "(more than \(fixed(100 * small.rule.share, 0))%, --small-n/--small-share): the plug-in CVaR \(signed(cvar)) is driven by small, noisy cells"
    if small.prior != nil { out += "; the empirical-Bayes CVaR, which shrinks them, is \(signed(small.shrunkenCVaR))" }
    return wrapped(out + ". --sort lower-bound or --min-n \(n) lists the groups shown worse with confidence.", first: "", rest: "  ")
  }

  /// What --sort orders an audit's groups by (nil: the disparity order they are in).
  static func sortValue(_ sort: GroupSort) -> ((GroupResult) -> Double)? {
    switch sort {
    case .disparity, .p: nil
    case .n: { Double($0.statistics.count) }
    case .lowerBound: { $0.disparityInterval.lower }
    }
  }

  /// The footnote under a table with tail marks: what * means and the tie rule.
  /// Wrapped at `textWidth` (179 characters on one line before).
  static func tailFootnote(_ r: AuditResult) -> String {
    String(wrapped("*: in the CVaR tail (the worst α = \(r.configuration.alpha) of group weight), (part): partly; "
      + DisparityAudit.tieRule + ".", first: "", rest: "  ").dropLast())
  }

  /// Most examples of groups without a rate the text output lists.
  static let withoutRateExamples = 5

  /// "12 groups with rows but no rate for this metric (e.g. a | b; …); all in --format json/csv", or "".
  static func withoutRateLine(_ keys: [[String]], formats: String) -> String {
    guard !keys.isEmpty else { return "" }
    let examples = keys.prefix(withoutRateExamples).map(displayKey).joined(separator: "; ")
    let more = keys.count > withoutRateExamples ? "e.g. \(examples); …" : examples
    return wrapped("\(CountText.counted(keys.count, "group")) with rows but no rate for this metric: \(more)"
      + (keys.count > withoutRateExamples ? " (all in --format \(formats))" : ""), first: "", rest: "  ")
  }

  static func referenceName(_ r: Reference) -> String {
    switch r {
    case .pooled: "pooled"
    case .value(let v): "fixed \(v)"
    case .group(let key): "group \(displayKey(key))"
    }
  }
}
