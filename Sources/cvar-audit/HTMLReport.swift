import CVaRAudit
import Foundation

/// A self-contained HTML audit report: inline SVG, inline CSS, no scripts and
/// no network, so it opens anywhere and can be archived as one file.
enum HTMLReport {
  /// The colours, one per meaning, from the Okabe–Ito palette (distinct
  /// under the common colour-vision deficiencies); each also has a shape or
  /// a text mark, so that no meaning rests on colour alone.
  enum Palette {
    /// A group in the CVaR tail: vermillion, with "*" in tables.
    static let tail = "#D55E00"
    /// Significant (a test's decision, or Holm ≤ δ): blue, bold, with "✱" in tables and a ring in the plot.
    static let significant = "#0072B2"
    /// Every other group.
    static let other = "#6E6E6E"
    /// Summary lines (the CVaR, the curve): black.
    static let summary = "#000000"
  }

  /// An extra titled section (e.g. a test result): label/value rows, or a
  /// table with a header when `columns` is set. Rows in `highlighted` are
  /// significant (e.g. groups whose adjusted p-value is at most δ): blue,
  /// bold, and marked ✱. Rows in `tail` are marked as CVaR tail groups.
  struct Section {
    var title: String
    var id: String? = nil
    var note: String? = nil
    var columns: [String]? = nil
    var rows: [[String]]
    var highlighted: Set<Int> = []
    var tail: Set<Int> = []

    init(title: String, rows: [(String, String)]) {
      self.title = title
      self.rows = rows.map { [$0.0, $0.1] }
    }

    init(title: String, id: String, note: String? = nil, columns: [String]? = nil, rows: [[String]],
         highlighted: Set<Int> = [], tail: Set<Int> = []) {
      self.title = title
      self.id = id
      self.note = note
      self.columns = columns
      self.rows = rows
      self.highlighted = highlighted
      self.tail = tail
    }

    /// The section as HTML: a heading, an optional note, and a table.
    func html() -> String {
      var out = "<h2>\(escape(title))</h2>\n"
      if let note { out += "<p class=\"note\">\(escape(note))</p>\n" }
      let idAttribute = id.map { " id=\"\(escape($0))\"" } ?? ""
      out += "<table class=\"\(columns == nil ? "summary" : "grid")\"\(idAttribute)>\n"
      if let columns {
        out += "<tr>" + columns.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
      }
      for (i, row) in rows.enumerated() {
        let classes = (highlighted.contains(i) ? ["flagged"] : []) + (tail.contains(i) ? ["tail"] : [])
        out += classes.isEmpty ? "<tr>" : "<tr class=\"\(classes.joined(separator: " "))\">"
        out += row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n"
      }
      return out + "</table>\n"
    }
  }

  /// The verdict box at the top: the decision in one line, then the numbers
  /// to report with it.
  struct Verdict {
    var decision: String
    var rows: [(String, String)]
    var note: String? = nil
  }

  /// At most this many groups are drawn in the forest plot (the worst by
  /// disparity, then the best); the rest are counted in a note.
  static let maximumDrawnGroups = 80

  /// Rows of the audit report's group table: the groups with the largest
  /// disparities (the order of the text output); the rest are counted.
  static let tableGroups = 20

  /// Group labels are wrapped at " | " onto lines of at most this many
  /// characters (11 px Helvetica: at most about 6.8 px each), so that a label of six
  /// long attributes stays inside the plot instead of running off its left edge.
  static let labelLineCharacters = 96

  static func escape(_ s: String) -> String {
    var out = ""
    for c in s {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(c)
      }
    }
    return out
  }

  static func f(_ x: Double, _ digits: Int = 4) -> String {
    guard x.isFinite else { return "—" }
    let text = String(format: "%.\(digits)f", x)
    // No "-0.00" on axes.
    return text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(text.dropFirst()) : text
  }

  /// Writes a rendered report (checked before the run by `OutputPath.check`).
  static func write(_ html: String, to path: String) throws {
    try OutputPath(path: path, option: "--report").write(html)
  }

  static func render(_ r: AuditResult, inputName: String, sections: [Section] = [], verdict: Verdict? = nil,
                     significant: Set<[String]> = [], provenance: ReportProvenance?, groupTable: Bool = true) -> String {
    let c = r.configuration
    let s = r.summary
    var html = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8">
      <title>CVaR audit: \(escape(AuditRendering.metricName(c.metric)))</title>
      <style>
      body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1240px; padding: 0 1em; color: #222; }
      h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
      table.summary td { padding: 2px 14px 2px 0; } table.summary td:first-child { color: #555; }
      .note { color: #555; font-size: 0.9em; }
      table.grid { border-collapse: collapse; font-size: 0.9em; }
      table.grid th { text-align: left; border-bottom: 1px solid #aaa; padding: 2px 12px 2px 0; }
      table.grid td { padding: 1px 12px 1px 0; font-variant-numeric: tabular-nums; }
      tr.flagged td { color: \(Palette.significant); font-weight: bold; }
      tr.flagged td:first-child::before { content: "✱ "; }
      tr.tail td:last-child { color: \(Palette.tail); font-weight: bold; }
      .verdict { border: 2px solid #222; border-radius: 6px; padding: 0.6em 1.1em; margin: 1em 0 1.4em; background: #f7f7f7; }
      .verdict .decision { font-size: 1.2em; font-weight: bold; margin: 0.2em 0 0.5em; }
      .legend span { margin-right: 1.6em; white-space: nowrap; }
      footer { margin-top: 2.5em; border-top: 1px solid #ddd; padding-top: 0.6em; color: #555; font-size: 0.85em; }
      footer code { word-break: break-all; }
      svg { max-width: 100%; height: auto; }
      svg text { font-family: Helvetica, Arial, sans-serif; }
      </style></head><body>
      <h1>CVaR audit of the \(escape(AuditRendering.metricName(c.metric))) across \(escape(r.attributes.joined(separator: " × ")))</h1>
      <p class="note">Input: \(escape(inputName)). \(AuditRendering.grouped(s.rows)) rows, \(CountText.counted(s.groups, "group")) with a rate, \(AuditRendering.grouped(s.eligibleRows)) eligible rows.
      α = \(c.alpha) (the tail share of groups), \(escape(c.weighting.description)) weights, \(escape(AuditRendering.disparityText(c.disparity))) against the \(escape(AuditRendering.referenceName(c.reference))) rate.</p>

      """
    html += verdictBox(verdict ?? auditVerdict(r))
    html += "<h2>Summary</h2>\n<table class=\"summary\" id=\"summary\">\n"
    let level = Int((c.confidenceLevel * 100).rounded())
    let rows: [(String, String)] = [
      ("CVaR<sub>\(c.alpha)</sub> of disparities", f(s.cvar)),
      ("simultaneous \(level)% interval", "[\(f(s.cvarInterval.lower)), \(f(s.cvarInterval.upper))]"),
      ("VaR<sub>\(c.alpha)</sub>", f(s.valueAtRisk)),
      ("max gap", f(s.maxGap)),
      ("max − min rate", f(s.betweenGroupsDifference)),
      ("weighted mean disparity", f(s.meanDisparity)),
      ("overall rate", f(s.overallRate)),
      ("reference rate", f(s.referenceRate)),
      ("H<sub>2/3</sub>(w)", f(s.renyi23) + " nats"),
      ("effective groups exp(H<sub>2/3</sub>)", f(s.effectiveGroups, 2)),
      ("excluded rows", AuditRendering.grouped(r.excluded.total)),
    ]
    for (label, value) in rows { html += "<tr><td>\(label)</td><td>\(value)</td></tr>\n" }
    html += "</table>\n"
    if groupTable { html += groupsSection(r).html() }
    for section in sections { html += section.html() }
    html += "<h2>Group disparities</h2>\n"
    html += "<p class=\"note\">Each line: the group's \(level)% \(escape(c.intervalMethod.rawValue)) interval for its rate, minus the reference rate; the dot is the estimate.</p>\n"
    html += legend(significant: !significant.isEmpty)
    html += forestPlot(r, significant: significant)
    html += "<h2>CVaR against α</h2>\n"
    html += "<p class=\"note\">The CVaR of the estimated disparities for α from 1/K to 1: the max gap at small α, the weighted mean at α = 1. The dot marks the audit's α.</p>\n"
    html += cvarCurve(r)
    if !r.groupsWithoutRate.isEmpty {
      let shown = r.groupsWithoutRate.prefix(10).map(AuditRendering.displayKey).joined(separator: "; ")
      html += "<p class=\"note\">\(CountText.counted(r.groupsWithoutRate.count, "group")) with rows but no rate for this metric: "
      html += escape(shown) + (r.groupsWithoutRate.count > 10 ? "; … (all in --format json)" : "") + ".</p>\n"
    }
    if let provenance { html += footer(provenance) }
    html += "</body></html>\n"
    return html
  }

  /// The audit's own verdict (no test): the CVaR with its interval, whether
  /// the interval excludes 0, and how many groups' intervals lie on the worse
  /// side of the reference.
  static func auditVerdict(_ r: AuditResult) -> Verdict {
    let c = r.configuration, s = r.summary
    let level = Int((c.confidenceLevel * 100).rounded())
    let lower = s.cvarInterval.lower
    let decision = lower > 0
      ? "The worst α = \(c.alpha) of groups are, on average, worse than the reference: the CVaR's \(level)% interval lies above 0."
      : "Not shown: the CVaR's \(level)% interval includes 0 (estimate only, no test)."
    // The whole interval on the worse side (either side for a two-sided disparity, whose |·| is positive on both).
    let worse = r.groups.filter { g in
      let above = g.confidenceInterval.lower > s.referenceRate, below = g.confidenceInterval.upper < s.referenceRate
      switch c.disparity.worse {
      case .higher: return above
      case .lower: return below
      case nil: return above || below
      }
    }.count
    return Verdict(
      decision: decision,
      rows: [("CVaR<sub>\(c.alpha)</sub> of disparities", "\(AuditRendering.signed(s.cvar)), \(level)% simultaneous interval [\(AuditRendering.signed(s.cvarInterval.lower)), \(AuditRendering.signed(s.cvarInterval.upper))]"),
             ("groups whose interval lies on the worse side", "\(AuditRendering.grouped(worse)) of \(AuditRendering.grouped(r.groups.count)) (per-group \(level)% intervals, not adjusted for the number of groups)"),
             ("groups significantly worse", "\(AuditRendering.grouped(CVaRAudit.Verdict.audit(r).significantGroups)) of \(AuditRendering.grouped(r.groups.count)) (simultaneous \(level)% disparity intervals above 0, as the text verdict)"),
             ("groups in the CVaR tail", AuditRendering.grouped(r.groups.filter(\.inTail).count)),
             smallCellRow(r)],
      note: "For a decision with a type I error guarantee and per-group tests (Holm, BH), run cvar-audit test with the same options.")
  }

  /// The verdict row of the small-cell check: the empirical-Bayes CVaR and the small groups' tail share.
  static func smallCellRow(_ r: AuditResult) -> (String, String) {
    let small = SmallCellSummary(r)
    let shrunk = small.prior != nil ? AuditRendering.signed(small.shrunkenCVaR) : "—"
    return ("empirical-Bayes CVaR<sub>\(r.configuration.alpha)</sub>",
            "\(shrunk); \(AuditRendering.fixed(100 * small.tailShare, 1))% of the tail weight from groups with n < \(AuditRendering.grouped(small.rule.size))"
              + (small.warning ? " (warning: the plug-in CVaR is driven by small cells)" : ""))
  }

  static func verdictBox(_ v: Verdict) -> String {
    var out = "<div class=\"verdict\" id=\"verdict\">\n<div class=\"decision\">\(escape(v.decision))</div>\n<table class=\"summary\">\n"
    // Labels may carry <sub> markup (built here, not from data); values are escaped.
    for (label, value) in v.rows { out += "<tr><td>\(label)</td><td>\(escape(value))</td></tr>\n" }
    out += "</table>\n"
    if let note = v.note { out += "<p class=\"note\">\(escape(note))</p>\n" }
    return out + "</div>\n"
  }

  /// The groups with the largest disparities, in the columns of the text output.
  static func groupsSection(_ r: AuditResult) -> Section {
    let c = r.configuration
    let level = Int((c.confidenceLevel * 100).rounded())
    let shown = Array(r.groups.prefix(tableGroups))
    let rest = r.groups.count - shown.count
    let note = rest > 0
      ? "The \(shown.count) groups with the largest disparity, of \(AuditRendering.grouped(r.groups.count)) (the order of the text output); \(AuditRendering.grouped(rest)) more in --format csv or json. *: in the CVaR tail."
      : "Every group, largest disparity first (the order of the text output). *: in the CVaR tail."
    return Section(
      title: "Groups", id: "groups", note: note,
      columns: ["group", "n", "rate", "\(level)% CI (\(c.intervalMethod.rawValue))", "disparity", "ratio", "weight", "tail"],
      rows: shown.map { g in
        [AuditRendering.displayKey(g.key), AuditRendering.grouped(g.statistics.count), AuditRendering.fixed(g.rate),
         "[\(AuditRendering.fixed(g.confidenceInterval.lower)), \(AuditRendering.fixed(g.confidenceInterval.upper))]",
         AuditRendering.signed(g.disparity), AuditRendering.fixed(g.ratio, 2), AuditRendering.fixed(g.weight),
         g.inTail ? (g.tailWeight < g.weight / c.alpha * (1 - 1e-9) ? "* (part)" : "*") : ""]
      },
      tail: Set(shown.indices.filter { shown[$0].inTail }))
  }

  static func legend(significant: Bool) -> String {
    func dot(_ color: String, ring: Bool = false) -> String {
      "<svg width=\"16\" height=\"12\" viewBox=\"0 0 16 12\"><line x1=\"0\" y1=\"6\" x2=\"16\" y2=\"6\" stroke=\"\(color)\" stroke-width=\"2\"/>"
        + "<circle cx=\"8\" cy=\"6\" r=\"3.5\" fill=\"\(color)\"/>"
        + (ring ? "<circle cx=\"8\" cy=\"6\" r=\"5.5\" fill=\"none\" stroke=\"\(Palette.significant)\" stroke-width=\"1.6\"/>" : "") + "</svg>"
    }
    var out = "<p class=\"legend note\" id=\"legend\"><span>\(dot(Palette.tail)) in the CVaR tail</span><span>\(dot(Palette.other)) other groups</span>"
    if significant { out += "<span>\(dot(Palette.other, ring: true)) significant (Holm ≤ δ), blue ring</span>" }
    out += "<span><svg width=\"22\" height=\"12\" viewBox=\"0 0 22 12\"><line x1=\"0\" y1=\"6\" x2=\"22\" y2=\"6\" stroke=\"\(Palette.summary)\" stroke-width=\"1.5\" stroke-dasharray=\"5,4\"/></svg> CVaR</span>"
    return out + "</p>\n"
  }

  /// A group's label split at " | " into lines of at most `labelLineCharacters` (a longer value keeps its own line).
  static func labelLines(_ label: String) -> [String] {
    var lines: [String] = []
    var current = ""
    for part in label.components(separatedBy: " | ") {
      let candidate = current.isEmpty ? part : current + " | " + part
      // A line that is continued ends with " |" (2 more characters).
      if candidate.count + 2 > labelLineCharacters && !current.isEmpty {
        lines.append(current + " |")
        current = part
      } else {
        current = candidate
      }
    }
    lines.append(current)
    return lines
  }

  static func forestPlot(_ r: AuditResult, significant: Set<[String]> = []) -> String {
    var groups = r.groups
    var omitted = 0
    if groups.count > maximumDrawnGroups {
      let half = maximumDrawnGroups / 2
      omitted = groups.count - maximumDrawnGroups
      groups = Array(groups.prefix(half)) + Array(groups.suffix(half))
    }
    let reference = r.summary.referenceRate
    let lows = groups.map { r.configuration.disparity.disparity($0.confidenceInterval.lower, reference: reference) }
    let highs = groups.map { r.configuration.disparity.disparity($0.confidenceInterval.upper, reference: reference) }
    let values = (lows + highs + groups.map(\.disparity) + [0, r.summary.cvar]).filter(\.isFinite)
    let ticks = AxisTicks(lower: values.min() ?? -1, upper: values.max() ?? 1)
    let lo = ticks.lower, hi = ticks.upper
    let labels = groups.map { labelLines("\(AuditRendering.displayKey($0.key)) (n=\(AuditRendering.grouped($0.statistics.count)))") }
    let longest = labels.flatMap { $0 }.map(\.count).max() ?? 10
    let labelWidth = max(160, min(Double(labelLineCharacters), Double(longest)) * 6.8 + 16)
    let plotWidth = 560.0, lineHeight = 13.0, top = 34.0
    let rowHeights = labels.map { max(18, lineHeight * Double($0.count) + 6) }
    let width = labelWidth + plotWidth + 30
    let plotBottom = top + rowHeights.reduce(0, +)
    let height = plotBottom + 44
    func x(_ v: Double) -> Double { labelWidth + (v - lo) / (hi - lo) * plotWidth }
    var svg = "<svg id=\"forest-plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"forest plot of group disparities\">\n"
    // Axis with round ticks and light grid lines.
    let axisY = plotBottom + 8
    svg += "<line x1=\"\(labelWidth)\" y1=\"\(axisY)\" x2=\"\(labelWidth + plotWidth)\" y2=\"\(axisY)\" stroke=\"#444\"/>\n"
    for v in ticks.values {
      svg += "<line class=\"grid\" x1=\"\(x(v))\" y1=\"\(top - 10)\" x2=\"\(x(v))\" y2=\"\(axisY)\" stroke=\"#e4e4e4\"/>"
      svg += "<line x1=\"\(x(v))\" y1=\"\(axisY)\" x2=\"\(x(v))\" y2=\"\(axisY + 5)\" stroke=\"#444\"/>"
      svg += "<text class=\"tick\" x=\"\(x(v))\" y=\"\(axisY + 18)\" font-size=\"11\" text-anchor=\"middle\">\(ticks.label(v))</text>\n"
    }
    svg += "<text x=\"\(labelWidth + plotWidth / 2)\" y=\"\(axisY + 34)\" font-size=\"12\" text-anchor=\"middle\">disparity (rate − reference rate)</text>\n"
    svg += "<line x1=\"\(x(0))\" y1=\"\(top - 10)\" x2=\"\(x(0))\" y2=\"\(axisY)\" stroke=\"#999\"/>\n"
    if r.summary.cvar.isFinite {
      let cvarX = x(r.summary.cvar)
      svg += "<line class=\"cvar-line\" x1=\"\(cvarX)\" y1=\"\(top - 10)\" x2=\"\(cvarX)\" y2=\"\(axisY)\" stroke=\"\(Palette.summary)\" stroke-width=\"1.5\" stroke-dasharray=\"5,4\"/>\n"
      // The label to the right of the line, or to its left when the line is
      // near the plot's right edge (it would be cut off there).
      let nearRightEdge = cvarX > labelWidth + 0.7 * plotWidth
      svg += "<text x=\"\(nearRightEdge ? cvarX - 4 : cvarX + 4)\" y=\"\(top - 14)\" font-size=\"11\" fill=\"\(Palette.summary)\"\(nearRightEdge ? " text-anchor=\"end\"" : "")>CVaR \(f(r.summary.cvar, 3))</text>\n"
    }
    var rowTop = top
    for (i, g) in groups.enumerated() {
      let y = rowTop + rowHeights[i] / 2
      let color = g.inTail ? Palette.tail : Palette.other
      let isSignificant = significant.contains(g.key)
      svg += "<g class=\"group\(g.inTail ? " tail" : "")\(isSignificant ? " significant" : "")\">"
      let firstBaseline = y + 4 - lineHeight * Double(labels[i].count - 1) / 2
      svg += "<text x=\"\(labelWidth - 8)\" y=\"\(firstBaseline)\" font-size=\"11\" text-anchor=\"end\">"
      for (j, line) in labels[i].enumerated() {
        svg += "<tspan x=\"\(labelWidth - 8)\" dy=\"\(j == 0 ? 0 : lineHeight)\">\(escape(line))</tspan>"
      }
      svg += "</text>"
      if lows[i].isFinite && highs[i].isFinite {
        svg += "<line x1=\"\(x(min(lows[i], highs[i])))\" y1=\"\(y)\" x2=\"\(x(max(lows[i], highs[i])))\" y2=\"\(y)\" stroke=\"\(color)\" stroke-width=\"2\"/>"
      }
      if g.disparity.isFinite {
        svg += "<circle cx=\"\(x(g.disparity))\" cy=\"\(y)\" r=\"3.5\" fill=\"\(color)\"/>"
        if isSignificant {
          svg += "<circle cx=\"\(x(g.disparity))\" cy=\"\(y)\" r=\"6\" fill=\"none\" stroke=\"\(Palette.significant)\" stroke-width=\"1.8\"/>"
        }
      }
      svg += "</g>\n"
      rowTop += rowHeights[i]
    }
    svg += "</svg>\n"
    if omitted > 0 {
      svg += "<p class=\"note\">\(AuditRendering.grouped(omitted)) groups in the middle of the ranking are not drawn.</p>\n"
    }
    return svg
  }

  static func cvarCurve(_ r: AuditResult) -> String {
    let k = r.groups.count
    let disparities = r.groups.map(\.disparity)
    let weights = r.groups.map(\.weight)
    let steps = min(max(k, 2), 200)
    let alphas = (0..<steps).map { i -> Double in
      let first = 1 / Double(max(k, 1))
      return first + (1 - first) * Double(i) / Double(steps - 1)
    }
    let curve = alphas.map { CVaR.value(of: disparities, weights: weights, alpha: $0) }
    let maxGap = r.summary.maxGap, mean = r.summary.meanDisparity
    let values = (curve + [mean, maxGap, 0]).filter(\.isFinite)
    let ticks = AxisTicks(lower: values.min() ?? 0, upper: values.max() ?? 1)
    let lo = ticks.lower, hi = ticks.upper
    let left = 60.0, plotWidth = 600.0, plotHeight = 260.0, top = 20.0
    func x(_ a: Double) -> Double { left + a * plotWidth }
    func y(_ v: Double) -> Double { top + (hi - v) / (hi - lo) * plotHeight }
    var svg = "<svg id=\"cvar-curve\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(left + plotWidth + 140))\" height=\"\(Int(top + plotHeight + 50))\" role=\"img\" aria-label=\"CVaR against alpha\">\n"
    svg += "<line x1=\"\(left)\" y1=\"\(y(lo))\" x2=\"\(left + plotWidth)\" y2=\"\(y(lo))\" stroke=\"#444\"/>"
    svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(y(lo))\" stroke=\"#444\"/>\n"
    let alphaTicks = AxisTicks(lower: 0, upper: 1)
    for a in alphaTicks.values {
      svg += "<text class=\"tick\" x=\"\(x(a))\" y=\"\(y(lo) + 16)\" font-size=\"11\" text-anchor=\"middle\">\(alphaTicks.label(a))</text>\n"
    }
    for v in ticks.values {
      svg += "<line class=\"grid\" x1=\"\(left)\" y1=\"\(y(v))\" x2=\"\(left + plotWidth)\" y2=\"\(y(v))\" stroke=\"#e4e4e4\"/>"
      svg += "<text class=\"tick\" x=\"\(left - 6)\" y=\"\(y(v) + 4)\" font-size=\"11\" text-anchor=\"end\">\(ticks.label(v))</text>\n"
    }
    svg += "<text x=\"\(x(0.5))\" y=\"\(y(lo) + 34)\" font-size=\"12\" text-anchor=\"middle\">α (tail share of groups)</text>\n"
    let points = zip(alphas, curve).map { "\(x($0)),\(y($1))" }.joined(separator: " ")
    svg += "<polyline class=\"cvar-curve\" points=\"\(points)\" fill=\"none\" stroke=\"\(Palette.summary)\" stroke-width=\"2\"/>\n"
    for (value, label, dash) in [(maxGap, "max gap", "2,3"), (mean, "weighted mean", "7,4")] where value.isFinite {
      svg += "<line x1=\"\(left)\" y1=\"\(y(value))\" x2=\"\(left + plotWidth)\" y2=\"\(y(value))\" stroke=\"#555\" stroke-dasharray=\"\(dash)\"/>"
      svg += "<text x=\"\(left + plotWidth + 6)\" y=\"\(y(value) + 4)\" font-size=\"11\" fill=\"#555\">\(label)</text>\n"
    }
    let a = r.configuration.alpha
    if r.summary.cvar.isFinite {
      svg += "<circle cx=\"\(x(a))\" cy=\"\(y(r.summary.cvar))\" r=\"4\" fill=\"\(Palette.summary)\"/>"
      svg += "<text x=\"\(x(a) + 6)\" y=\"\(y(r.summary.cvar) - 6)\" font-size=\"11\">α = \(a)</text>\n"
    }
    svg += "</svg>\n"
    return svg
  }

  static func footer(_ p: ReportProvenance) -> String {
    var out = "<footer id=\"provenance\">\n"
    out += "<div>Made by cvar-audit \(escape(p.version)) on \(escape(p.date))\(p.pinnedDate ? " (SOURCE_DATE_EPOCH)" : "").</div>\n"
    out += "<div>Command: <code>\(escape(p.commandLine))</code></div>\n"
    out += "<div>Input: \(escape(p.inputName)), SHA-256 <code>\(escape(p.inputSHA256 ?? "not computed (standard input is read once)"))</code></div>\n"
    return out + "</footer>\n"
  }
}
