import Foundation

/// Numbers in messages and text output, written the same way by the command
/// line and the Python package: thousands separators, the noun in the
/// singular for exactly one, and a short decimal for values quoted back.
public enum NumberText {
  /// "1,234,567"; a minus sign is kept in front.
  ///
  /// - Complexity: O(number of digits).
  public static func grouped(_ n: Int) -> String {
    let digits = String(n)
    var out = ""
    for (i, c) in digits.reversed().enumerated() {
      if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
      out.append(c)
    }
    return String(out.reversed())
  }

  /// "1 group", "3,163 groups"; `plural` for irregular nouns.
  ///
  /// - Complexity: O(number of digits).
  public static func counted(_ n: Int, _ singular: String, plural: String? = nil) -> String {
    "\(grouped(n)) \(n == 1 ? singular : plural ?? singular + "s")"
  }

  /// A short decimal (`%.4g`) for a value quoted back in a message; "nan" and "∞" for the others.
  ///
  /// - Complexity: O(1).
  public static func short(_ x: Double) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : "∞" }
    return String(format: "%.4g", x)
  }
}
