import ArgumentParser
import CVaRAudit

extension Metric: ExpressibleByArgument {
  public init?(argument: String) { self.init(name: argument) }
  public static var defaultCompletionKind: CompletionKind { .list(["error", "fnr", "fpr", "selection"]) }
}

extension IntervalMethod: ExpressibleByArgument {}
extension DisparityKind: ExpressibleByArgument {}
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
