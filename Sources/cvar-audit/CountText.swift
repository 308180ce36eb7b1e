import CVaRAudit

/// Counts and whole numbers in text output, written the same way by every
/// command: thousands separators, integers without a decimal point, and the
/// noun in the singular for exactly one ("1 replicate", "2 replicates").
enum CountText {
  /// "1 group", "3,163 groups"; `plural` for irregular nouns.
  static func counted(_ n: Int, _ singular: String, plural: String? = nil) -> String {
    NumberText.counted(n, singular, plural: plural)
  }

  /// A count held as a `Double` (whole numbers kept as doubles so they do not
  /// overflow): with separators when it is a whole number below 2^63,
  /// otherwise `digits` decimals ("2", "1,250", "2.5").
  static func number(_ x: Double, digits: Int = 1) -> String {
    if x.isFinite, x == x.rounded(), abs(x) < 9.2e18 { return AuditRendering.grouped(Int(x)) }
    return AuditRendering.fixed(x, digits)
  }
}
