import Foundation

/// Helpers shared by the test targets: paths into the repository, fixture
/// loading, and a tolerance comparison in the style of swift-numerics'
/// `_TestSupport`.
public enum Fixtures {
  /// The repository root (this file is Tests/FixtureSupport/FixtureSupport.swift).
  public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// Tests/Fixtures/NAME.
  public static func url(_ name: String) -> URL {
    repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(name)
  }

  /// A JSON fixture parsed into Foundation objects.
  public static func json(_ name: String) throws -> [String: Any] {
    let data = try Data(contentsOf: url(name))
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw FixtureError.notAnObject(name)
    }
    return object
  }

  public enum FixtureError: Error { case notAnObject(String) }
}

/// Whether `actual` is within `relative`·|expected| + `absolute` of `expected`
/// (NaN equals NaN; infinities must match exactly).
public func isClose(_ actual: Double, _ expected: Double, relative: Double = 1e-12, absolute: Double = 0) -> Bool {
  if expected.isNaN { return actual.isNaN }
  if expected.isInfinite { return actual == expected }
  return abs(actual - expected) <= relative * abs(expected) + absolute
}

/// A number from a JSON value (NSNumber or the string "inf").
///
/// Foundation's JSONSerialization on Linux returns a number written without
/// an exponent (0.9977924958457963) as an NSDecimalNumber whose `doubleValue`
/// can be a few ulps off (0.9977924958457965): its decimal text is exact, so
/// it is parsed again as a Double here.
public func number(_ value: Any?) -> Double? {
  if let d = value as? NSDecimalNumber, let x = Double(d.stringValue) { return x }
  if let n = value as? NSNumber { return n.doubleValue }
  if let s = value as? String {
    switch s {
    case "inf", "Infinity": return .infinity
    case "-inf", "-Infinity": return -.infinity
    default: return Double(s)
    }
  }
  return nil
}

/// Writes `contents` to a new file in the temporary directory and returns its path.
public func temporaryFile(_ contents: String, name: String = "data.csv") throws -> String {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cvar-audit-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  let url = folder.appendingPathComponent(name)
  try Data(contents.utf8).write(to: url)
  return url.path
}
