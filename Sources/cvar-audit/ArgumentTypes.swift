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
      reference = .value(value == 0 ? 0 : value)  // -0 is 0
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

/// `--escape-formulas`, for the commands with a CSV output meant for people
/// (audit, plan). Off by default: the group values are then written byte for
/// byte as read, so that the CSV joins back to the data in pandas; `merge`
/// has no such option, since its output is data that --aggregates reads back.
struct CSVOutputOptions: ParsableArguments {
  @Flag(name: .customLong("escape-formulas"), help: "With --format csv: write a text value that starts with =, +, -, @, a tab or a carriage return with a leading single quote (') so that a spreadsheet shows it as text instead of running it as a formula.")
  var escapeFormulas = false
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

// MARK: - Numeric options

/// The valid values of a numeric option: a closed or half-open interval of
/// reals, or of integers, checked when the argument is parsed. Every numeric
/// option of every subcommand is declared with one (`@Option(range:help:)`),
/// so each has a documented range, its help text names it, and a value out of
/// range (NaN, ±inf, a huge or tiny number, '-0' where 0 is excluded) stops
/// with exit 2 and the range, before any data is read.
///
/// The ranges of probabilities whose complement the tool uses (δ, the
/// confidence level, the power) stop at 10⁻¹² from 0 and 1, so that 1 − x
/// never rounds to 1 or to 0 in double precision.
struct NumericRange: Sendable, CustomStringConvertible {
  var lower: Double
  var lowerClosed: Bool
  var upper: Double
  var upperClosed: Bool
  /// Whether only whole numbers are valid.
  var integer: Bool
  /// The description, when the ends are not doubles (the seed's 2^64 − 1).
  var text: String? = nil

  /// A range of reals; `lowerClosed`/`upperClosed` say whether the ends belong to it.
  static func real(_ lower: Double, _ upper: Double, lowerClosed: Bool = true, upperClosed: Bool = true) -> NumericRange {
    NumericRange(lower: lower, lowerClosed: lowerClosed, upper: upper, upperClosed: upperClosed, integer: false)
  }

  /// The integers from `lower` to `upper`, both included.
  static func integers(_ lower: Int, _ upper: Int) -> NumericRange {
    NumericRange(lower: Double(lower), lowerClosed: true, upper: Double(upper), upperClosed: true, integer: true)
  }

  func contains(_ x: Double) -> Bool {
    guard x.isFinite || (x.isInfinite && !integer && (x == lower || x == upper)) else { return false }
    return (lowerClosed ? x >= lower : x > lower) && (upperClosed ? x <= upper : x < upper)
  }

  /// "a number in (0, 1]", "an integer in [1, 1000000000]", "a finite number".
  var description: String {
    if let text { return text }
    if lower == -.infinity && upper == .infinity { return integer ? "an integer" : "a finite number" }
    let interval = (lowerClosed ? "[" : "(") + Self.number(lower) + ", " + Self.number(upper) + (upperClosed ? "]" : ")")
    return (integer ? "an integer in " : "a number in ") + interval
  }

  static func number(_ x: Double) -> String {
    if x.isInfinite { return x > 0 ? "∞" : "−∞" }
    return x == x.rounded() && abs(x) < 1e16 ? String(Int(x)) : "\(x)"
  }

  /// Parses a real number in the range.
  func parseDouble(_ text: String) throws -> Double {
    guard let x = Double(text) else { throw NumericOptionError("expected \(self), found '\(text)'") }
    guard contains(x) else { throw NumericOptionError("expected \(self), found \(text)") }
    return x == 0 ? 0 : x  // -0 is 0
  }

  /// Whether the integer n lies in the range, compared exactly: above 2^53,
  /// Double(n) can round onto an end (2^53 + 1 → 2^53, inside [1, 2^53]).
  func contains(exactly n: Int) -> Bool {
    guard contains(Double(n)) else { return false }
    if upper.isFinite && upper < 0x1p63 && (n > Int(upper) || (!upperClosed && n == Int(upper))) { return false }
    if lower.isFinite && lower > -0x1p63 && (n < Int(lower) || (!lowerClosed && n == Int(lower))) { return false }
    return true
  }

  /// Parses an integer in the range: digits, or a whole number written with
  /// an exponent (1e6).
  func parseInt(_ text: String) throws -> Int {
    if let n = Int(text) {
      guard contains(exactly: n) else { throw NumericOptionError("expected \(self), found \(text)") }
      return n
    }
    guard let x = Double(text), x.isFinite, x == x.rounded() else {
      throw NumericOptionError("expected \(self), found '\(text)'")
    }
    guard contains(x) else { throw NumericOptionError("expected \(self), found \(text)") }
    return Int(x)  // the range's ends are below 2^63
  }

  // The ranges the options share (docs/guide/audit.md, "Bad input", lists them).

  /// CVaR level α: (0, 1].
  static let alpha = real(0, 1, lowerClosed: false)
  /// δ, confidence level, power: [10⁻¹², 1 − 10⁻¹²].
  static let probability = real(1e-12, 1 - 1e-12)
  /// A rate: [0, 1].
  static let rate = real(0, 1)
  /// A base rate: [0, 1).
  static let baseRate = real(0, 1, upperClosed: false)
  /// A violation ε: (0, 1].
  static let epsilon = real(0, 1, lowerClosed: false)
  /// A size of effect to plan for: any positive finite number (`plan` and
  /// `simulate` say "not detectable" above what a rate allows).
  static let positive = real(0, .infinity, lowerClosed: false, upperClosed: false)
  /// A tolerance or a disparity: [−1, 1].
  static let disparity = real(-1, 1)
  /// Any finite number.
  static let finite = real(-.infinity, .infinity, lowerClosed: false, upperClosed: false)
  /// The largest number of groups K the tool plans or simulates for.
  static let maximumGroups = 100_000
  /// K: 2 to 10⁵.
  static let groups = integers(2, maximumGroups)
  /// Permutations B: 1 to 10⁹.
  static let permutations = integers(1, 1_000_000_000)
  /// Replicates of a simulation: 1 to 10⁶.
  static let replicates = integers(1, 1_000_000)
  /// A count of rows or observations: 1 to 2^53 (exact in a double and in JSON).
  static let rows = integers(1, 1 << 53)
  /// The largest sample size the planner reports: 2^53 rows.
  static let maximumRows = 1 << 53
  /// The first look n₀ of a sequential L2 test: 2 to 10¹² (its looks n₀·2^k stay far below 2^63).
  static let firstLook = integers(2, 1_000_000_000_000)
  /// Rows per drawn group (two-stage): 2 to 10⁹.
  static let rowsPerGroup = integers(2, 1_000_000_000)
  /// The exponent s of a Zipf profile (shares ∝ 1/g^s): [0, 10].
  static let zipfExponent = real(0, 10)
  /// A seed: any UInt64.
  static let seed = NumericRange(lower: 0, lowerClosed: true, upper: 0x1p64, upperClosed: false, integer: true,
                                 text: "an integer in [0, \(UInt64.max)]")
}

/// A numeric argument outside its range (the message names the range).
struct NumericOptionError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// A number type that an option can hold, parsed against a `NumericRange`.
protocol RangedNumber: Sendable {
  static func parse(_ text: String, in range: NumericRange) throws -> Self
}

extension Double: RangedNumber {
  static func parse(_ text: String, in range: NumericRange) throws -> Double { try range.parseDouble(text) }
}

extension Int: RangedNumber {
  static func parse(_ text: String, in range: NumericRange) throws -> Int { try range.parseInt(text) }
}

extension UInt64: RangedNumber {
  /// A seed: any integer in [0, 2^64 − 1] (the range is `NumericRange.seed`).
  static func parse(_ text: String, in range: NumericRange) throws -> UInt64 {
    guard let v = UInt64(text) else { throw NumericOptionError("expected \(NumericRange.seed), found '\(text)'") }
    return v
  }
}

extension ArgumentHelp {
  /// The help text with the option's range appended.
  init(_ text: String, range: NumericRange, valueName: String?, defaultValue: String? = nil) {
    self.init(text + " Valid: \(range)." + (defaultValue.map { " (default: \($0))" } ?? ""), valueName: valueName)
  }
}

extension Option where Value: RangedNumber {
  /// A numeric option with a default, checked against `range` when parsed.
  /// The value is parsed unconditionally, so `--alpha -0` or `--tolerance
  /// -0.05` reads the number rather than taking it for an option name.
  init(wrappedValue: Value, name: NameSpecification = .long, range: NumericRange, help: String,
       valueName: String? = nil) {
    self.init(wrappedValue: wrappedValue, name: name, parsing: .unconditional,
              help: ArgumentHelp(help, range: range, valueName: valueName, defaultValue: "\(wrappedValue)"),
              transform: { try Value.parse($0, in: range) })
  }
}

extension Option {
  /// An optional numeric option, checked against `range` when given.
  init<T: RangedNumber>(name: NameSpecification = .long, range: NumericRange, help: String,
                        valueName: String? = nil) where Value == T? {
    self.init(name: name, parsing: .unconditional, help: ArgumentHelp(help, range: range, valueName: valueName),
              transform: { try T.parse($0, in: range) })
  }
}
