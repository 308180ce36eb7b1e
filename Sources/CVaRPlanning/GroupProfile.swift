import RealModule

/// How the population is split over K groups (the shares p_g).
public enum GroupProfile: Sendable, Hashable, CustomStringConvertible {
  /// p_g = 1/K.
  case uniform
  /// Zipf with exponent s: p_g ∝ 1/g^s (g = 1…K).
  case zipf(Double)
  /// Shares given explicitly (a file); K is their count.
  case shares(name: String, values: [Double])

  /// The normalised shares for K groups.
  ///
  /// - Precondition: K ≥ 1; for `.shares`, K equals the number of values.
  /// - Complexity: O(K).
  public func shares(groupCount k: Int) -> [Double] {
    switch self {
    case .uniform: return .init(repeating: 1 / Double(k), count: k)
    case .zipf(let s):
      let raw = (1...k).map { Double.pow(Double($0), -s) }
      let total = raw.reduce(0, +)
      return raw.map { $0 / total }
    case .shares(_, let values):
      precondition(values.count == k, "a share file fixes K")
      let total = values.reduce(0, +)
      return values.map { $0 / total }
    }
  }

  /// The number of groups when the profile fixes it.
  public var fixedGroupCount: Int? {
    if case .shares(_, let values) = self { return values.count }
    return nil
  }

  public var description: String {
    switch self {
    case .uniform: "uniform"
    case .zipf(let s): "zipf:\(fmt(s))"
    case .shares(let name, _): "file:\(name)"
    }
  }
}
