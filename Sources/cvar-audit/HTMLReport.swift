import CVaRAudit
import Foundation

/// A self-contained HTML audit report: inline SVG, inline CSS, no scripts and
/// no network, so it opens anywhere and can be archived as one file.
enum HTMLReport {
  /// An extra titled section (e.g. a test result): label/value rows, or a
  /// table with a header when `columns` is set. Rows in `highlighted` are
  /// drawn in red (e.g. groups whose adjusted p-value is at most δ).
  struct Section {
    var title: String
    var id: String? = nil
    var note: String? = nil
    var columns: [String]? = nil
    var rows: [[String]]
    var highlighted: Set<Int> = []

    init(title: String, rows: [(String, String)]) {
      self.title = title
      self.rows = rows.map { [$0.0, $0.1] }
    }

    init(title: String, id: String, note: String? = nil, columns: [String]? = nil, rows: [[String]],
         highlighted: Set<Int> = []) {
      self.title = title
      self.id = id
      self.note = note
      self.columns = columns
      self.rows = rows
      self.highlighted = highlighted
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
        out += highlighted.contains(i) ? "<tr class=\"flagged\">" : "<tr>"
        out += row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n"
      }
      return out + "</table>\n"
    }
  }

  /// At most this many groups are drawn in the forest plot (the worst by
  /// disparity, then the best); the rest are counted in a note.
  static let maximumDrawnGroups = 80

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

  static func render(_ r: AuditResult, inputName: String, sections: [Section] = []) -> String {
    let c = r.configuration
    let s = r.summary
    var html = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8">
      <title>CVaR audit: \(escape(AuditRendering.metricName(c.metric)))</title>
      <style>
      body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
      h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
      table.summary td { padding: 2px 14px 2px 0; } table.summary td:first-child { color: #555; }
      .note { color: #666; font-size: 0.9em; }
      table.grid { border-collapse: collapse; font-size: 0.9em; }
      table.grid th { text-align: left; border-bottom: 1px solid #aaa; padding: 2px 12px 2px 0; }
      table.grid td { padding: 1px 12px 1px 0; font-variant-numeric: tabular-nums; }
      tr.flagged td { color: #c0392b; }
      svg text { font-family: Helvetica, Arial, sans-serif; }
      </style></head><body>
      <h1>CVaR audit of the \(escape(AuditRendering.metricName(c.metric))) across \(escape(r.attributes.joined(separator: " × ")))</h1>
      <p class="note">Input: \(escape(inputName)). \(s.rows) rows, \(s.groups) groups with a rate, \(s.eligibleRows) eligible rows.
      α = \(c.alpha), \(escape(c.weighting.description)) weights, \(escape(AuditRendering.disparityText(c.disparity))) against the \(escape(AuditRendering.referenceName(c.reference))) rate.</p>

      """
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
      ("excluded rows", "\(r.excluded.total)"),
    ]
    for (label, value) in rows { html += "<tr><td>\(label)</td><td>\(value)</td></tr>\n" }
    html += "</table>\n"
    for section in sections { html += section.html() }
    html += "<h2>Group disparities</h2>\n"
    html += "<p class=\"note\">Each line: the group's \(level)% \(escape(c.intervalMethod.rawValue)) interval for its rate, minus the reference rate; the dot is the estimate. Red: the groups that make up the CVaR tail. Dashed: the CVaR.</p>\n"
    html += forestPlot(r)
    html += "<h2>CVaR against α</h2>\n"
    html += "<p class=\"note\">The CVaR of the estimated disparities for α from 1/K to 1: the max gap at small α, the weighted mean at α = 1. The dot marks the audit's α.</p>\n"
    html += cvarCurve(r)
    if !r.groupsWithoutRate.isEmpty {
      html += "<p class=\"note\">Groups with rows but no rate for this metric: "
      html += escape(r.groupsWithoutRate.map(AuditRendering.displayKey).joined(separator: "; ")) + ".</p>\n"
    }
    html += "</body></html>\n"
    return html
  }

  static func forestPlot(_ r: AuditResult) -> String {
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
    var lo = values.min() ?? -1, hi = values.max() ?? 1
    if hi - lo < 1e-9 { lo -= 0.05; hi += 0.05 }
    let labelWidth = 300.0, plotWidth = 560.0, rowHeight = 18.0, top = 30.0
    let width = labelWidth + plotWidth + 30
    let height = top + rowHeight * Double(groups.count) + 40
    func x(_ v: Double) -> Double { labelWidth + (v - lo) / (hi - lo) * plotWidth }
    var svg = "<svg id=\"forest-plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"forest plot of group disparities\">\n"
    // Axis with ticks.
    let axisY = top + rowHeight * Double(groups.count) + 8
    svg += "<line x1=\"\(labelWidth)\" y1=\"\(axisY)\" x2=\"\(labelWidth + plotWidth)\" y2=\"\(axisY)\" stroke=\"#444\"/>\n"
    for k in 0...5 {
      let v = lo + (hi - lo) * Double(k) / 5
      svg += "<line x1=\"\(x(v))\" y1=\"\(axisY)\" x2=\"\(x(v))\" y2=\"\(axisY + 5)\" stroke=\"#444\"/>"
      svg += "<text x=\"\(x(v))\" y=\"\(axisY + 18)\" font-size=\"11\" text-anchor=\"middle\">\(f(v, 2))</text>\n"
    }
    svg += "<line x1=\"\(x(0))\" y1=\"\(top - 10)\" x2=\"\(x(0))\" y2=\"\(axisY)\" stroke=\"#999\"/>\n"
    if r.summary.cvar.isFinite {
      let cvarX = x(r.summary.cvar)
      svg += "<line class=\"cvar-line\" x1=\"\(cvarX)\" y1=\"\(top - 10)\" x2=\"\(cvarX)\" y2=\"\(axisY)\" stroke=\"#c0392b\" stroke-dasharray=\"5,4\"/>\n"
      // The label to the right of the line, or to its left when the line is
      // near the plot's right edge (it would be cut off there).
      let nearRightEdge = cvarX > labelWidth + 0.7 * plotWidth
      svg += "<text x=\"\(nearRightEdge ? cvarX - 4 : cvarX + 4)\" y=\"\(top - 14)\" font-size=\"11\" fill=\"#c0392b\"\(nearRightEdge ? " text-anchor=\"end\"" : "")>CVaR \(f(r.summary.cvar, 3))</text>\n"
    }
    for (i, g) in groups.enumerated() {
      let y = top + rowHeight * (Double(i) + 0.5)
      let color = g.inTail ? "#c0392b" : "#555"
      svg += "<g class=\"group\(g.inTail ? " tail" : "")\">"
      svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 4)\" font-size=\"11\" text-anchor=\"end\">\(escape(AuditRendering.displayKey(g.key))) (n=\(g.statistics.count))</text>"
      if lows[i].isFinite && highs[i].isFinite {
        svg += "<line x1=\"\(x(min(lows[i], highs[i])))\" y1=\"\(y)\" x2=\"\(x(max(lows[i], highs[i])))\" y2=\"\(y)\" stroke=\"\(color)\" stroke-width=\"2\"/>"
      }
      if g.disparity.isFinite {
        svg += "<circle cx=\"\(x(g.disparity))\" cy=\"\(y)\" r=\"3.5\" fill=\"\(color)\"/>"
      }
      svg += "</g>\n"
    }
    svg += "</svg>\n"
    if omitted > 0 {
      svg += "<p class=\"note\">\(omitted) groups in the middle of the ranking are not drawn.</p>\n"
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
    var lo = min(curve.min() ?? 0, mean, 0), hi = max(curve.max() ?? 1, maxGap)
    if hi - lo < 1e-9 { lo -= 0.05; hi += 0.05 }
    let left = 60.0, plotWidth = 600.0, plotHeight = 260.0, top = 20.0
    func x(_ a: Double) -> Double { left + a * plotWidth }
    func y(_ v: Double) -> Double { top + (hi - v) / (hi - lo) * plotHeight }
    var svg = "<svg id=\"cvar-curve\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(left + plotWidth + 140))\" height=\"\(Int(top + plotHeight + 50))\" role=\"img\" aria-label=\"CVaR against alpha\">\n"
    svg += "<line x1=\"\(left)\" y1=\"\(y(lo))\" x2=\"\(left + plotWidth)\" y2=\"\(y(lo))\" stroke=\"#444\"/>"
    svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(y(lo))\" stroke=\"#444\"/>\n"
    for t in 0...5 {
      let a = Double(t) / 5
      svg += "<text x=\"\(x(a))\" y=\"\(y(lo) + 16)\" font-size=\"11\" text-anchor=\"middle\">\(f(a, 1))</text>"
      let v = lo + (hi - lo) * Double(t) / 5
      svg += "<text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" font-size=\"11\" text-anchor=\"end\">\(f(v, 2))</text>\n"
    }
    svg += "<text x=\"\(x(0.5))\" y=\"\(y(lo) + 34)\" font-size=\"12\" text-anchor=\"middle\">α</text>\n"
    let points = zip(alphas, curve).map { "\(x($0)),\(y($1))" }.joined(separator: " ")
    svg += "<polyline class=\"cvar-curve\" points=\"\(points)\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\"/>\n"
    for (value, label, color) in [(maxGap, "max gap", "#2c3e50"), (mean, "weighted mean", "#7f8c8d")] where value.isFinite {
      svg += "<line x1=\"\(left)\" y1=\"\(y(value))\" x2=\"\(left + plotWidth)\" y2=\"\(y(value))\" stroke=\"\(color)\" stroke-dasharray=\"4,4\"/>"
      svg += "<text x=\"\(left + plotWidth + 6)\" y=\"\(y(value) + 4)\" font-size=\"11\" fill=\"\(color)\">\(label)</text>\n"
    }
    let a = r.configuration.alpha
    if r.summary.cvar.isFinite {
      svg += "<circle cx=\"\(x(a))\" cy=\"\(y(r.summary.cvar))\" r=\"4\" fill=\"#c0392b\"/>"
      svg += "<text x=\"\(x(a) + 6)\" y=\"\(y(r.summary.cvar) - 6)\" font-size=\"11\">α = \(a)</text>\n"
    }
    svg += "</svg>\n"
    return svg
  }
}
