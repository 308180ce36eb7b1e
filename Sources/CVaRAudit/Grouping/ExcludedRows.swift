/// Rows left out of the analysis, counted by reason. No row is dropped
/// without being counted here.
public struct ExcludedRows: Hashable, Sendable, Codable {
  /// Reason → number of rows.
  public var byReason: [String: Int]

  public init(byReason: [String: Int] = [:]) { self.byReason = byReason }

  public var total: Int { byReason.values.reduce(0, +) }

  public mutating func add(_ reason: Reason, _ count: Int = 1) {
    byReason[reason.rawValue, default: 0] += count
  }

  public static func + (lhs: Self, rhs: Self) -> Self {
    ExcludedRows(byReason: lhs.byReason.merging(rhs.byReason, uniquingKeysWith: +))
  }

  /// Why a row was left out.
  public enum Reason: String, CaseIterable, Sendable {
    /// An attribute value was empty and missing values were asked to be excluded.
    case missingAttribute
  }
}
