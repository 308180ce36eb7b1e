import CVaRAudit

/// The checks a restored state passes before it is used: every invariant a
/// tester built by `init(configuration:)` and `observe(group:loss:)` keeps,
/// so that an edited or truncated state file is refused with the field
/// named instead of trapping later (arrays shorter than K) or giving wrong
/// decisions (bounds, counts or sums that no sequence of observations in
/// [0, 1] produces).
///
/// Most checks are exact: the restored numbers are the saved ones bit for bit
/// (JSON round-trips a Double), and each check repeats the arithmetic of
/// `observe` in the same order, or relies on rounding being monotone (a sum
/// of terms each ≤ another's terms is ≤ that sum). Two are checked within a
/// tolerance because the two sides are computed in different orders: the
/// pooled reference's Σ against the sum of the groups' Σ, and the CVaRs at the
/// last exact evaluation against the CVaRs recomputed now.
///
/// What the checks cannot see (a loss changed to another loss in [0, 1]
/// consistently in every sum) the checksum of the file does
/// (`SequentialTester.stateChecksum`).
///
/// Not checked on purpose: `lower ≤ upper` of a confidence sequence. The
/// running intersection of a sequence that has failed to cover (data whose
/// mean drifts) is empty, and that is a state the tester reaches and saves.
extension SequentialTester {
  /// Throws `SequentialStateError.invalidField` for the first invariant that
  /// does not hold.
  ///
  /// - Complexity: O(K log K).
  func validateState() throws {
    let check = StateCheck(prefix: "tester.")
    try check.configuration(configuration)
    let k = configuration.groupCount
    let level = configuration.confidenceSequenceLevel
    try check.count("groups", groups.count, k)
    try check.count("statistics", statistics.count, k)
    try check.count("slackFactors", slackFactors.count, k)
    for g in 0..<k {
      try check.sequence(groups[g], "groups[\(g)]", level: level)
      try check.require(groups[g].populationSize == configuration.groupSizes?[g], "groups[\(g)].populationSize",
                        "\(groups[g].populationSize.map(String.init) ?? "absent"), but the configuration's group size is \(configuration.groupSizes.map { String($0[g]) } ?? "absent")")
      let s = statistics[g], field = "statistics[\(g)]"
      try check.require(s.count == groups[g].count, "\(field).count",
                        "\(s.count), but groups[\(g)].count is \(groups[g].count)")
      try check.require(s.sum == groups[g].sum, "\(field).sum", "\(s.sum), but groups[\(g)].sum is \(groups[g].sum)")
      try check.require(s.sumOfSquares >= 0 && s.sumOfSquares <= s.sum, "\(field).sumOfSquares",
                        "\(s.sumOfSquares), outside [0, sum = \(s.sum)] (each loss lies in [0, 1], so ℓ² ≤ ℓ)")
      try check.require(slackFactors[g] == min(configuration.weights[g] / configuration.alpha, 1),
                        "slackFactors[\(g)]", "\(slackFactors[g]), not min(w_g/α, 1) of the configuration")
    }
    var total = 0
    for (g, s) in statistics.enumerated() {
      let (sum, overflow) = total.addingReportingOverflow(s.count)
      if overflow { throw check.failure("statistics[\(g)].count", "\(s.count): the counts overflow") }
      total = sum
    }
    try check.require(observations == total, "observations", "\(observations), but the groups' counts add up to \(total)")

    // The reference.
    switch configuration.reference {
    case .pooled:
      guard let r = referenceSequence else { throw check.failure("referenceSequence", "missing for a pooled reference") }
      try check.sequence(r, "referenceSequence", level: level)
      try check.require(r.count == observations, "referenceSequence.count", "\(r.count), but observations is \(observations)")
      let pooled = statistics.reduce(0) { $0 + $1.sum }
      try check.require(abs(r.sum - pooled) <= 1e-9 * Double(max(observations, 1)), "referenceSequence.sum",
                        "\(r.sum), but the groups' sums add up to \(pooled)")
    case .value, .population:
      try check.require(referenceSequence == nil, "referenceSequence", "present, but the reference is not pooled")
    }
    if case .population(let p) = configuration.reference {
      let sum = p.reduce(0, +)
      try check.require(populationShares == p.map { $0 / sum }, "populationShares", "not the configuration's shares normalised")
      try check.interval(populationBounds, "populationBounds", within: -1e-9...(1 + 1e-9))
    } else {
      try check.require(populationShares.isEmpty, "populationShares", "present, but the reference is not a population mean")
      try check.require(populationBounds == ConfidenceInterval(lower: 0, upper: 1), "populationBounds",
                        "not [0, 1], but the reference is not a population mean")
    }

    // The betting e-processes.
    try check.betting(cvarBetting, "cvarBetting", present: configuration.method == .betting,
                      level: configuration.bettingLevel, statistics: statistics)
    try check.require(blockBetting == nil, "blockBetting", "present, but a saved state has no two-stage blocks")
    // The row-wise L2 contrast averaged into the violation e-process: only
    // under a no-disparity null, and absent from states saved before it.
    if let partner = violationL2Betting {
      try check.require(configuration.method == .betting && configuration.toleranceNullIsNoDisparity,
                        "violationL2Betting", "present, but the null is not no disparity (ε0 = 0 and a population reference whose shares are the weights)")
      try check.betting(partner, "violationL2Betting", present: true, level: configuration.bettingLevel,
                        statistics: statistics)
      guard let maximum = averagedViolationMaximum, let now = violationLogWealth else {
        throw check.failure("averagedViolationMaximum", "missing, but violationL2Betting is present")
      }
      try check.require(maximum.isFinite && maximum >= 0 && maximum >= now - 1e-9, "averagedViolationMaximum",
                        "\(maximum), not a finite number ≥ max(0, the averaged log e-value now \(now))")
    } else {
      try check.require(averagedViolationMaximum == nil, "averagedViolationMaximum",
                        "present, but there is no e-process to average with")
    }
    try check.betting(l2Betting, "l2Betting", present: configuration.method == .betting && configuration.l2FirstLook != nil,
                      level: configuration.l2Level, statistics: statistics)

    // The L2 test.
    if configuration.method == .betting {
      try check.require(l2Test == nil, "l2Test", "present, but the betting method has no Cantelli L2 test")
    } else if let firstLook = configuration.l2FirstLook {
      guard let test = l2Test else { throw check.failure("l2Test", "missing, but the configuration has an L2 test") }
      try check.require(test.level == configuration.l2Level, "l2Test.level", "\(test.level), not δ/2 = \(configuration.l2Level)")
      try check.require(test.firstLook == firstLook, "l2Test.firstLook", "\(test.firstLook), not \(firstLook)")
      var due = 0, next = firstLook
      while next <= observations {
        due += 1
        let (doubled, overflow) = next.multipliedReportingOverflow(by: 2)
        if overflow { break }
        next = doubled
      }
      try check.require(test.looks.count == due, "l2Test.looks",
                        "\(test.looks.count) looks, but \(due) are due after \(observations) observations")
      for (i, look) in test.looks.enumerated() {
        let field = "l2Test.looks[\(i)]"
        try check.require(look.index == i + 1, "\(field).index", "\(look.index), not \(i + 1)")
        try check.require(look.observations == firstLook << i, "\(field).observations",
                          "\(look.observations), not n₀·2^\(i) = \(firstLook << i)")
        try check.require(look.level == SequentialL2Test.lookLevel(i + 1, total: test.level), "\(field).level",
                          "\(look.level), not 6δ/(π²k²)")
        try check.require(look.threshold > 0 && !look.threshold.isNaN, "\(field).threshold", "\(look.threshold), not positive")
        try check.require(look.rejected == (look.statistic > look.threshold), "\(field).rejected",
                          "\(look.rejected), but statistic \(look.statistic) vs threshold \(look.threshold) says otherwise")
      }
    } else {
      try check.require(l2Test == nil, "l2Test", "present, but the configuration has no L2 test")
    }

    // The decision.
    switch decision {
    case .continue:
      try check.require(reason == nil, "reason", "set, but the decision is continue")
      try check.require(decisionObservation == nil, "decisionObservation", "set, but the decision is continue")
      if let budget = configuration.budget {
        try check.require(observations < budget, "decision", "continue, but the budget of \(budget) observations is spent")
      }
      // After an observation a crossed bound is a decision (the
      // initializer's evaluation decides nothing).
      try check.require(observations == 0 || configuration.method == .betting
                          || !(lowerAtEvaluation > configuration.tolerance), "decision",
                        "continue, but the CVaR lower bound \(lowerAtEvaluation) exceeds the tolerance")
      if let maximum = averagedViolationMaximum, let cvar = cvarBetting {
        try check.require(maximum < cvar.threshold, "decision", "continue, but the averaged violation e-process rejected")
      } else {
        try check.require(!(cvarBetting?.rejected ?? false), "decision", "continue, but the CVaR e-process rejected")
      }
      try check.require(!(l2Betting?.rejected ?? false), "decision", "continue, but the L2 e-process rejected")
      try check.require(observations == 0 || !(upperAtEvaluation < configuration.tolerance), "decision",
                        "continue, but the CVaR upper bound \(upperAtEvaluation) is below the tolerance")
      try check.require(!(l2Test?.looks.contains(where: \.rejected) ?? false), "decision",
                        "continue, but an L2 look rejected")
    case .violation, .withinTolerance, .disparityDetected, .budgetExhausted:
      let allowed: [DecisionReason] = switch decision {
      case .violation: configuration.method == .betting ? [.eProcess] : [.cvarLowerBound]
      case .withinTolerance: [.cvarUpperBound]
      case .disparityDetected: [.l2Test]
      default: [.budget]
      }
      guard let reason else { throw check.failure("reason", "missing for the decision \(decision.rawValue)") }
      try check.require(allowed.contains(reason), "reason", "\(reason.rawValue), not a reason for \(decision.rawValue)")
      guard let at = decisionObservation else {
        throw check.failure("decisionObservation", "missing for the decision \(decision.rawValue)")
      }
      try check.require(at >= 1 && at <= observations, "decisionObservation", "\(at), outside 1...\(observations)")
      if decision == .budgetExhausted, let budget = configuration.budget {
        try check.require(at == budget, "decisionObservation", "\(at), but the budget is \(budget)")
      } else if decision == .budgetExhausted {
        throw check.failure("decision", "budgetExhausted without a budget")
      }
    }
    if decision == .violation {
      try check.require(violationEverDeclared, "violationEverDeclared", "false, but the decision is violation")
    }
    let anyRejectedLook = (l2Test?.looks.contains(where: \.rejected) ?? false) || (l2Betting?.rejected ?? false)
    try check.require(disparityEverDetected == anyRejectedLook, "disparityEverDetected",
                      "\(disparityEverDetected), but \(anyRejectedLook ? "an" : "no") L2 look rejected")
    try check.require(exactEvaluations >= 1, "exactEvaluations", "\(exactEvaluations), but the initializer evaluates once")

    // The CVaRs at the last exact evaluation and the slack since: what lets
    // `observe` skip the exact computation, so they must bracket the CVaRs now.
    // Σ p_g U_g of the population reference can pass 1 by rounding.
    try check.interval(referenceAtEvaluation, "referenceAtEvaluation", within: -1e-9...(1 + 1e-9))
    try check.require(groupSlack >= 0 && groupSlack.isFinite, "groupSlack", "\(groupSlack), not a finite number ≥ 0")
    // A CVaR of disparities in [-1, 1] (up to its rounding).
    try check.require(lowerAtEvaluation.isFinite && abs(lowerAtEvaluation) <= 1 + 1e-9, "lowerAtEvaluation",
                      "\(lowerAtEvaluation), outside [-1, 1]")
    try check.require(upperAtEvaluation.isFinite && abs(upperAtEvaluation) <= 1 + 1e-9, "upperAtEvaluation",
                      "\(upperAtEvaluation), outside [-1, 1]")
    let r = referenceInterval
    let slack = groupSlack + (r.lower - referenceAtEvaluation.lower) + (referenceAtEvaluation.upper - r.upper)
    let bounds = (0..<k).map(disparityInterval)
    let lowNow = CVaR.value(of: bounds.map(\.lower), weights: configuration.weights, alpha: configuration.alpha)
    let highNow = CVaR.value(of: bounds.map(\.upper), weights: configuration.weights, alpha: configuration.alpha)
    let margin = 1e-9
    try check.require(lowerAtEvaluation <= lowNow + margin && lowNow <= lowerAtEvaluation + slack + margin,
                      "lowerAtEvaluation", "\(lowerAtEvaluation) with slack \(slack), but the CVaR lower bound now is \(lowNow)")
    try check.require(highNow <= upperAtEvaluation + margin && upperAtEvaluation - slack - margin <= highNow,
                      "upperAtEvaluation", "\(upperAtEvaluation) with slack \(slack), but the CVaR upper bound now is \(highNow)")
  }
}

/// The field-by-field checks, naming the field (as a path in the JSON
/// document) of the first that fails.
struct StateCheck {
  var prefix: String

  func failure(_ field: String, _ reason: String) -> SequentialStateError {
    .invalidField(prefix + field, reason)
  }

  func require(_ condition: Bool, _ field: String, _ reason: @autoclosure () -> String) throws {
    if !condition { throw failure(field, reason()) }
  }

  /// A betting e-process: present exactly when the method asks for it, at
  /// its level, with one count and sum per group that never run ahead of
  /// the tester's (a two-stage block still open lags behind), a finite
  /// wealth and a rejection exactly when the wealth has reached 1/δ.
  func betting<Rule: ContrastRule>(_ process: ContrastEProcess<Rule>?, _ field: String, present: Bool, level: Double,
                                   statistics: [SufficientStatistics]) throws {
    guard present else {
      try require(process == nil, field, "present, but the configuration does not use it")
      return
    }
    guard let process else { throw failure(field, "missing, but the configuration uses it") }
    try require(process.level == level, field + ".level", "\(process.level), not the configuration's \(level)")
    try count(field + ".counts", process.counts.count, statistics.count)
    try count(field + ".sums", process.sums.count, statistics.count)
    try count(field + ".coefficients", process.coefficients.count, statistics.count)
    for g in statistics.indices {
      try require(process.counts[g] >= 0 && process.counts[g] <= statistics[g].count, field + ".counts[\(g)]",
                  "\(process.counts[g]), outside 0...\(statistics[g].count) (the tester's count)")
      try require(process.sums[g] >= 0 && process.sums[g] <= Double(process.counts[g]), field + ".sums[\(g)]",
                  "\(process.sums[g]), outside [0, count] (each loss lies in [0, 1])")
      try require(process.coefficients[g].isFinite, field + ".coefficients[\(g)]", "not finite")
    }
    try require(process.observations == process.counts.reduce(0, +), field + ".observations",
                "\(process.observations), but its counts add up to \(process.counts.reduce(0, +))")
    let wealth = process.wealth.logWealths
    try require(!wealth.isEmpty && wealth.allSatisfy(\.isFinite), field + ".wealth", "not a finite log wealth")
    try require(process.wealth.maximumLogWealth >= process.logWealth - 1e-9, field + ".wealth.maximumLogWealth",
                "\(process.wealth.maximumLogWealth), below the log wealth \(process.logWealth)")
    try require(process.rejected == (process.wealth.maximumLogWealth >= process.threshold - 1e-12), field + ".rejectedAt",
                "\(process.rejectedAt.map(String.init) ?? "none"), but the largest log wealth \(process.wealth.maximumLogWealth) vs log(1/δ) = \(process.threshold) says otherwise")
  }

  func count(_ field: String, _ actual: Int, _ expected: Int) throws {
    try require(actual == expected, field, "\(actual) entries, but the configuration declares \(expected) groups")
  }

  func interval(_ interval: ConfidenceInterval, _ field: String, within range: ClosedRange<Double>) throws {
    try require(range.contains(interval.lower), "\(field).lower", "\(interval.lower), outside [\(range.lowerBound), \(range.upperBound)]")
    try require(range.contains(interval.upper), "\(field).upper", "\(interval.upper), outside [\(range.lowerBound), \(range.upperBound)]")
  }

  /// The settings `SequentialConfiguration.init` enforces (decoding bypasses it).
  func configuration(_ c: SequentialConfiguration) throws {
    let f = "configuration."
    try require(!c.groupKeys.isEmpty, f + "groupKeys", "empty: at least one group")
    let width = c.groupKeys[0].count
    try require(width >= 1, f + "groupKeys[0]", "empty: a key has one value per attribute")
    for (g, key) in c.groupKeys.enumerated() where key.count != width {
      throw failure(f + "groupKeys[\(g)]", "\(key.count) values, but groupKeys[0] has \(width)")
    }
    try require(Set(c.groupKeys).count == c.groupKeys.count, f + "groupKeys", "a group is declared twice")
    try count(f + "weights", c.weights.count, c.groupCount)
    for (g, w) in c.weights.enumerated() {
      try require(w.isFinite && w >= 0, f + "weights[\(g)]", "\(w), not a finite number ≥ 0")
    }
    let total = c.weights.reduce(0, +)
    try require(abs(total - 1) <= 1e-9, f + "weights", "sum to \(total), not 1")
    try require(c.alpha > 0 && c.alpha <= 1, f + "alpha", "\(c.alpha), outside (0, 1]")
    try require(c.delta > 0 && c.delta < 1, f + "delta", "\(c.delta), outside (0, 1)")
    try require(c.tolerance.isFinite, f + "tolerance", "\(c.tolerance), not finite")
    if let budget = c.budget { try require(budget > 0, f + "budget", "\(budget), not positive") }
    if let sizes = c.groupSizes {
      try count(f + "groupSizes", sizes.count, c.groupCount)
      for (g, n) in sizes.enumerated() { try require(n >= 1, f + "groupSizes[\(g)]", "\(n), not a pool size ≥ 1") }
    }
    if let n0 = c.l2FirstLook { try require(n0 >= 2 && n0 <= 1 << 40, f + "l2FirstLook", "\(n0), outside 2...2^40") }
    switch c.reference {
    case .pooled: break
    case .value(let v): try require((0...1).contains(v), f + "reference.value", "\(v), outside [0, 1]")
    case .population(let p):
      try count(f + "reference.population", p.count, c.groupCount)
      for (g, share) in p.enumerated() {
        try require(share.isFinite && share >= 0, f + "reference.population[\(g)]", "\(share), not a finite number ≥ 0")
      }
      try require(p.reduce(0, +) > 0, f + "reference.population", "all zero")
    }
  }

  /// The invariants of an `EmpiricalBernsteinSequence` built at `level`.
  func sequence(_ s: EmpiricalBernsteinSequence, _ field: String, level: Double) throws {
    let f = field + "."
    try require(s.logTerm == Double.log(2 / level), f + "logTerm", "\(s.logTerm), not log(2/δ) for the configuration's δ")
    try require(s.count >= 0, f + "count", "\(s.count), negative")
    if let size = s.populationSize {
      try require(s.count <= size, f + "count", "\(s.count), more draws without replacement than the \(size) values of the pool")
    }
    if let at = s.emptiedAt {
      try require(at >= 1 && at <= s.count, f + "emptiedAt", "\(at), outside 1...count = \(s.count)")
    }
    let n = Double(s.count)
    try require(s.sum >= 0 && s.sum <= n, f + "sum", "\(s.sum), outside [0, count = \(s.count)] (losses lie in [0, 1])")
    try require(s.squaredDeviations >= 0 && s.squaredDeviations <= n, f + "squaredDeviations",
                "\(s.squaredDeviations), outside [0, count]")
    try require(s.penalty >= 0 && s.penalty.isFinite, f + "penalty", "\(s.penalty), not a finite number ≥ 0")
    if s.count == 0 {
      for (name, value) in [("sum", s.sum), ("squaredDeviations", s.squaredDeviations), ("lambdaSum", s.lambdaSum),
                            ("weightedSum", s.weightedSum), ("penalty", s.penalty), ("lower", s.lower)] {
        try require(value == 0, f + name, "\(value), but the sequence has no observation")
      }
      try require(s.upper == 1, f + "upper", "\(s.upper), but the sequence has no observation")
      return
    }
    try require(s.lambdaSum > 0 && s.lambdaSum <= EmpiricalBernsteinSequence.maximumBet * n, f + "lambdaSum",
                "\(s.lambdaSum), outside (0, count/2] (each bet lies in (0, 1/2])")
    try require(s.weightedSum >= 0 && s.weightedSum <= s.lambdaSum, f + "weightedSum",
                "\(s.weightedSum), outside [0, lambdaSum]")
    // A without-replacement sequence has other radii (and its known mean at
    // exhaustion): its bounds are checked to lie in [0, 1] only.
    guard s.populationSize == nil else {
      try require(s.lower >= 0 && s.lower <= 1, f + "lower", "\(s.lower), outside [0, 1]")
      try require(s.upper >= 0 && s.upper <= 1, f + "upper", "\(s.upper), outside [0, 1]")
      return
    }
    // As `observe` computes them: the bounds are a running intersection, so
    // they lie inside the current interval center ± radius and in [0, 1].
    let center = s.weightedSum / s.lambdaSum
    let radius = (s.logTerm + s.penalty) / s.lambdaSum
    try require(s.lower >= 0 && s.lower <= 1 && s.lower >= center - radius, f + "lower",
                "\(s.lower), outside [max(0, \(center - radius)), 1] (center − radius of the sums)")
    try require(s.upper >= 0 && s.upper <= 1 && s.upper <= center + radius, f + "upper",
                "\(s.upper), outside [0, min(1, \(center + radius))] (center + radius of the sums)")
  }
}
