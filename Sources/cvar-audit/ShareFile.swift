import CVaRAudit
import Foundation

/// A file of per-group numbers (shares or weights): one number per line, or
/// CSV lines `group,number` (an optional header line whose number field is
/// not a number is skipped). Blank lines and lines starting with '#' are skipped.
struct ShareFile {
  var labels: [String]?
  var values: [Double]

  /// Reads and checks the file: every number finite and ≥ 0, positive sum.
  static func read(_ path: String, what: String) throws -> ShareFile {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw InputError(file: path, message: "cannot read the \(what) file")
    }
    let text = String(decoding: data, as: UTF8.self)
    var labels: [String] = []
    var values: [Double] = []
    var sawLabels: Bool? = nil
    var firstContentLine = true
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
      let trimmed = line.trimmingCharacters(in: " ")
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: " ") }
      let isFirst = firstContentLine
      firstContentLine = false
      guard fields.count <= 2 else {
        throw InputError(file: path, line: index + 1, message: "expected one \(what) or 'group,\(what)', found \(fields.count) fields")
      }
      let numberField = fields[fields.count - 1]
      guard let value = Double(numberField) else {
        if isFirst && fields.count == 2 { continue }  // a header such as "group,share"
        throw InputError(file: path, line: index + 1, column: fields.count,
                         message: "expected a \(what) (a number), found \"\(numberField)\"")
      }
      if let had = sawLabels, had != (fields.count == 2) {
        throw InputError(file: path, line: index + 1, message: "mixes lines with and without a group name")
      }
      sawLabels = fields.count == 2
      guard value.isFinite && value >= 0 else {
        throw InputError(file: path, line: index + 1, column: fields.count,
                         message: "a \(what) must be a finite number ≥ 0, found \(numberField)")
      }
      if fields.count == 2 { labels.append(fields[0]) }
      values.append(value)
      if values.count > NumericRange.maximumGroups {
        throw InputError(file: path, line: index + 1, message: "more than \(NumericRange.maximumGroups) groups, the most this tool plans or simulates for")
      }
    }
    guard values.count >= 2 else {
      throw InputError(file: path, message: "needs at least 2 groups (found \(values.count))")
    }
    let sum = values.reduce(0, +)
    guard sum > 0 else {
      throw InputError(file: path, message: "the \(what)s sum to 0; they must sum to a positive number")
    }
    guard sum.isFinite else {
      throw InputError(file: path, message: "the \(what)s sum to more than the largest double (\(Double.greatestFiniteMagnitude)); scale them down")
    }
    if sawLabels == true, Set(labels).count != labels.count {
      throw InputError(file: path, message: "names a group twice")
    }
    return ShareFile(labels: sawLabels == true ? labels : nil, values: values)
  }
}
