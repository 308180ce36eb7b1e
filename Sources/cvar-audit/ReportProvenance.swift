import CVaRAudit
import Foundation

/// The report's footer: how it was made (command line, tool version, date)
/// and what it was made from (the input's SHA-256).
struct ReportProvenance {
  var commandLine: String
  var version: String
  /// "2026-12-03 14:05:09 UTC".
  var date: String
  /// Whether the date comes from SOURCE_DATE_EPOCH.
  var pinnedDate: Bool
  var inputName: String
  /// 64 hex digits, or nil for standard input (read once, not kept).
  var inputSHA256: String?

  /// The provenance of this run. The date is SOURCE_DATE_EPOCH (seconds
  /// since 1970, the reproducible-builds convention) when set, so that the
  /// same call gives a byte-identical report; otherwise now.
  ///
  /// - Complexity: one more read of the input file (streamed, 1 MiB at a time).
  static func current(input: InputOptions) throws -> ReportProvenance {
    let environment = ProcessInfo.processInfo.environment
    var date = Date()
    var pinned = false
    if let epoch = environment["SOURCE_DATE_EPOCH"] {
      guard let seconds = Int64(epoch), seconds >= 0, seconds <= 253_402_300_799 else {
        throw CommandFailure(message: "SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 (0 to 253402300799), not '\(epoch)'")
      }
      date = Date(timeIntervalSince1970: TimeInterval(seconds))
      pinned = true
    }
    return ReportProvenance(
      commandLine: commandLine(Array(CommandLine.arguments.dropFirst())),
      version: CVaRAuditCommand.configuration.version, date: Self.utc(date), pinnedDate: pinned,
      inputName: input.inputName, inputSHA256: try inputHash(input))
  }

  /// "yyyy-MM-dd HH:mm:ss UTC" (Gregorian calendar, POSIX locale).
  static func utc(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.calendar = Calendar(identifier: .gregorian)
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return formatter.string(from: date) + " UTC"
  }

  /// The arguments as a shell would take them back: `cvar-audit` and each
  /// argument, single-quoted when it holds anything but letters, digits and `-_./:=,@+%`.
  static func commandLine(_ arguments: [String]) -> String {
    let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@+%")
    return (["cvar-audit"] + arguments.map { argument in
      !argument.isEmpty && argument.allSatisfy(plain.contains) ? argument
        : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }).joined(separator: " ")
  }

  /// SHA-256 of the file the rows (or aggregates) came from, or of the
  /// embedded data; nil for standard input.
  static func inputHash(_ input: InputOptions) throws -> String? {
    let path = input.aggregates ?? input.input
    var hash = SHA256()
    guard let path else {
      hash.update(EmbeddedData.compasBytes)
      return hash.hexDigest()
    }
    if path == "-" { return nil }
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw CommandFailure(message: "\(path): cannot open the input again to hash it for the report")
    }
    defer { try? handle.close() }
    while true {
      let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
      if chunk.isEmpty { break }
      chunk.withUnsafeBytes { hash.update($0) }
    }
    return hash.hexDigest()
  }
}
