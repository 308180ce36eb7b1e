import Foundation
import ArgumentParser
import CVaRAudit

extension Metric: ExpressibleByArgument {
  public init?(argument: String) { self.init(name: argument) }
  public static var defaultCompletionKind: CompletionKind { .list(Metric.binaryMetrics.map(\.description)) }
}

extension IntervalMethod: ExpressibleByArgument {}
extension DisparityKind: ExpressibleByArgument {
  /// `one-sided` or `two-sided`; the side of a one-sided disparity is `--worse`.
  public init?(argument: String) {
    guard argument != DisparityKind.oneSidedLower.rawValue else { return nil }
    self.init(rawValue: argument)
  }
  public static var allValueStrings: [String] { ["one-sided", "two-sided"] }
}
extension MissingValuePolicy: ExpressibleByArgument {}

/// `--reference pooled|NUMBER|group:VALUE,...`
struct ReferenceArgument: ExpressibleByArgument {
  var reference: Reference
  init?(argument: String) {
    if argument == "pooled" {
      reference = .pooled
    } else if argument.hasPrefix("group:") {
      let values = argument.dropFirst(6).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard !values.isEmpty else { return nil }
      reference = .group(values)
    } else if let value = Double(argument), value.isFinite {
      reference = .value(value)
    } else {
      return nil
    }
  }
  var defaultValueDescription: String { "pooled" }
}

/// `--weights uniform|population`
enum WeightsArgument: String, ExpressibleByArgument, CaseIterable {
  case uniform, population
  var weighting: GroupWeighting { self == .uniform ? .uniform : .population }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table, json, csv
}

/// The byte of a `--delimiter` argument: one ASCII character other than a
/// quote or a line break, or `tab`.
func parseDelimiter(_ text: String) throws -> UInt8 {
  if text == "tab" || text == "\\t" { return 9 }
  guard text.utf8.count == 1, let byte = text.utf8.first, byte < 128,
        byte != UInt8(ascii: "\""), byte != 10, byte != 13 else {
    throw ValidationError("--delimiter must be one ASCII character other than a quote or a line break, or 'tab' (got '\(text)')")
  }
  return byte
}

/// Writes a whole output file, reporting failure as a usage error.
enum OutputFile {
  static func write(_ text: String, to path: String) throws {
    do {
      try text.write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
      throw CommandFailure(message: "\(path): cannot write the file: \(error.localizedDescription)")
    }
  }
}

/// A comma-separated list of column names.
func columnList(_ text: String) -> [String] {
  text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: " ") }
}

extension StringProtocol {
  func trimmingCharacters(in set: Character) -> String {
    var s = Substring(self)
    while s.first == set { s = s.dropFirst() }
    while s.last == set { s = s.dropLast() }
    return String(s)
  }
}
