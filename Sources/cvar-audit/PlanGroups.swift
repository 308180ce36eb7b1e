import CVaRAudit
import CVaRPlanning

/// The groups `plan` sizes an audit for, and, with `--metric`, the eligible
/// rows of that metric they stand for.
struct PlanGroups {
  /// The groups' labels (values joined by " | ", as the other commands print them).
  var labels: [String]
  /// Population shares: of the eligible rows with `--metric`, of all rows otherwise.
  var shares: [Double]
  /// Where the groups came from, for the output.
  var source: String
  /// Rows each group has in the data (eligible rows with `--metric`); nil
  /// when the groups come from --num-groups or --shares.
  var available: [Int]?
  /// With `--metric`: what the plan's rows are.
  var eligibility: PlanEligibility?
}
