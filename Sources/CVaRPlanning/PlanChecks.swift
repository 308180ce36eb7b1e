import CVaRAudit

/// What `plan` says about a plan beyond its sizes, shared by the command line
/// and the Python package so that both say it in the same words: an ε that no
/// group can reach, and allocations that ask a group for more rows than the
/// data has.
public enum PlanChecks {
  /// The four designs, in the order of `SamplePlan`'s bounds.
  public static let designNames = ["max gap, i.i.d.", "CVaR L2, i.i.d. from the population",
                                   "CVaR L2, stratified π ∝ w^(2/3)", "CVaR L2, two-stage (J groups × m rows)"]

  /// A size with thousands separators, or "not reachable" when it does not fit in an Int.
  ///
  /// - Complexity: O(number of digits).
  public static func rows(_ n: Int?) -> String { n.map(NumberText.grouped) ?? "not reachable" }

  /// "53 groups", "1 row", or "not reachable" for a whole number kept as a `Double`.
  ///
  /// - Complexity: O(number of digits).
  public static func count(_ x: Double, _ noun: String) -> String {
    SamplePlanner.wholeRows(x).map { NumberText.counted($0, noun) } ?? "not reachable"
  }

  /// The message for an ε no group can reach, or nil when ε is reachable.
  ///
  /// A group's rate stays in [0, 1], so its disparity from the base rate b is
  /// at most 1 − b (b when lower is worse); the max gap and the CVaR are at
  /// most that disparity.
  ///
  /// - Parameters:
  ///   - baseRate: b in the metric's own scale.
  ///   - metric: the metric's name for the message ("rate" when there is none).
  ///   - option: how the caller names ε in the advice ("--epsilon", "epsilon").
  /// - Complexity: O(1).
  public static func notDetectable(epsilon: Double, baseRate b: Double, lowerIsWorse: Bool, metric: String?,
                                   option: String) -> String? {
    let largest = lowerIsWorse ? b : 1 - b
    guard epsilon > largest else { return nil }
    let name = metric ?? "rate"
    let short = NumberText.short
    let why = lowerIsWorse
      ? "with base rate b = \(short(b)) and lower \(name) worse, a group's \(name) can fall at most b = \(short(largest)) below it (to 0)"
      : "with base rate b = \(short(b)), a group's \(name) can rise at most 1 − b = \(short(largest)) above it (to 1)"
    let beyondOne = epsilon > 1 ? "a rate disparity is at most 1; " : ""
    return "not detectable: ε = \(short(epsilon)): \(beyondOne)\(why), so neither the max gap nor the CVaR of the disparities can reach ε; lower \(option) to at most \(short(largest))"
  }

  /// The warnings of allocations that ask more rows of a group than it has:
  /// the i.i.d. designs (more rows than the data), the stratified allocation
  /// (rows_g > n_g) and the two-stage design (m > n_g, for a drawn group).
  ///
  /// - Parameters:
  ///   - labels: the groups' labels, in the plan's order.
  ///   - available: the rows each group has (eligible rows when planned on a metric).
  ///   - noun: what the rows are ("rows", "positives", …).
  /// - Complexity: O(K) for K groups.
  public static func warnings(_ plan: SamplePlan, labels: [String], available: [Int], noun: String) -> [String] {
    precondition(labels.count == available.count && labels.count == plan.problem.groupCount,
                 "one label and one row count per group")
    var out: [String] = []
    let total = available.reduce(0, +)
    let bounds = [plan.maxGap, plan.cvarIID]
    let iid = bounds.indices.filter { !(bounds[$0].rows <= Double(total)) }
    if !iid.isEmpty {
      out.append("\(iid.map { designNames[$0] }.joined(separator: " and ")) need\(iid.count == 1 ? "s" : "") more \(noun) than the data has (\(NumberText.grouped(total))): an i.i.d. sample of that size would take some groups' rows more than once.")
    }
    func short(_ need: (Int) -> Double) -> (count: Int, worst: Int)? {
      let groups = labels.indices.filter { need($0) > Double(available[$0]) }
      guard let worst = groups.max(by: { need($0) / Double(max(available[$0], 1)) < need($1) / Double(max(available[$1], 1)) }) else { return nil }
      return (groups.count, worst)
    }
    let groupCount = NumberText.counted(labels.count, "group")
    if let s = short({ plan.stratifiedRows[$0] }) {
      out.append("the stratified allocation asks more \(noun) than \(NumberText.grouped(s.count)) of \(groupCount) have; worst: \(labels[s.worst]) needs \(rows(SamplePlanner.wholeRows(plan.stratifiedRows[s.worst]))), has \(NumberText.grouped(available[s.worst])). Take those groups whole (the design then falls short of its power there), or plan with population weights.")
    }
    let m = plan.twoStageDesign.rowsPerGroup
    if let s = short({ plan.problem.weights[$0] > 0 ? m : 0 }) {
      out.append("the two-stage design takes m = \(noun == "rows" ? count(m, "row") : rows(SamplePlanner.wholeRows(m)) + " " + noun) from each drawn group, more than \(NumberText.grouped(s.count)) of \(groupCount) have; worst: \(labels[s.worst]) has \(NumberText.grouped(available[s.worst])).")
    }
    return out
  }
}
