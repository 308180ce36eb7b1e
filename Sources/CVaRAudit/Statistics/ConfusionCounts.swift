/// A group's 2×2 confusion counts: rows by true label y and prediction ŷ.
public struct ConfusionCounts: Hashable, Sendable, Codable {
  /// y = 0, ŷ = 0.
  public var trueNegatives: Int
  /// y = 0, ŷ = 1.
  public var falsePositives: Int
  /// y = 1, ŷ = 0.
  public var falseNegatives: Int
  /// y = 1, ŷ = 1.
  public var truePositives: Int

  public init(trueNegatives: Int, falsePositives: Int, falseNegatives: Int, truePositives: Int) {
    self.trueNegatives = trueNegatives
    self.falsePositives = falsePositives
    self.falseNegatives = falseNegatives
    self.truePositives = truePositives
  }

  /// From counts in the order `c[2·y + ŷ]` (TN, FP, FN, TP).
  public init(_ c: (Int, Int, Int, Int)) {
    self.init(trueNegatives: c.0, falsePositives: c.1, falseNegatives: c.2, truePositives: c.3)
  }
}
