/// The e-processes of the betting method for one configuration, built as
/// `SequentialTester` builds them (the tester stores them in its own fields),
/// and run on their own by `SequentialSimulation.runEProcesses`.
struct BettingProcesses: Sendable {
  var cvar: ContrastEProcess<CVaRContrast>
  var l2: ContrastEProcess<L2Contrast>?
  var blocks: BlockVarianceEProcess?
  /// The row-wise L2 contrast's e-process averaged into the violation
  /// e-process when there are no blocks and the null is no disparity (see
  /// `SequentialTester.violationL2Betting`); separate from `l2`, the L2 test.
  var violationL2: ContrastEProcess<L2Contrast>?
  /// The largest log((W_cvar + W_partner)/2) so far when the violation
  /// e-process is that average (the partner: `blocks`, else `violationL2`),
  /// else nil (see `SequentialTester.blockBetting`).
  var averagedMaximum: Double?

  /// - Complexity: O(K log K).
  init(configuration c: SequentialConfiguration, design: SamplingDesign, blockRows: Int?, blocksPerRound: Int) {
    let rule = CVaRContrast(weights: c.weights, alpha: c.alpha, tolerance: c.tolerance, disparity: c.disparity,
                            reference: c.contrastReference(design: design))
    cvar = ContrastEProcess(rule: rule, level: c.bettingLevel, groupCount: c.groupCount, design: design,
                            groupSizes: c.groupSizes, strategy: c.bettingStrategy)
    if let m = blockRows {
      if c.l2FirstLook != nil {
        blocks = BlockVarianceEProcess(level: c.l2Level, groupCount: c.groupCount, blockRows: m,
                                       blocksPerRound: blocksPerRound, groupSizes: c.groupSizes, strategy: c.bettingStrategy)
      } else if c.toleranceNullIsNoDisparity {
        blocks = BlockVarianceEProcess(level: c.bettingLevel, groupCount: c.groupCount, blockRows: m,
                                       blocksPerRound: blocksPerRound, groupSizes: c.groupSizes, strategy: c.bettingStrategy)
        averagedMaximum = 0
      }
    } else {
      if c.l2FirstLook != nil {
        l2 = ContrastEProcess(rule: L2Contrast(weights: c.weights), level: c.l2Level, groupCount: c.groupCount,
                              design: design, groupSizes: c.groupSizes, strategy: c.bettingStrategy)
      }
      if c.toleranceNullIsNoDisparity {
        violationL2 = ContrastEProcess(rule: L2Contrast(weights: c.weights), level: c.bettingLevel,
                                       groupCount: c.groupCount, design: design, groupSizes: c.groupSizes,
                                       strategy: c.bettingStrategy)
        averagedMaximum = 0
      }
    }
  }

  /// log W of the e-process averaged with the CVaR contrast's (nil: none).
  var partnerLogWealth: Double? {
    guard averagedMaximum != nil else { return nil }
    return blocks?.logWealth ?? violationL2?.logWealth
  }

  /// - Complexity: O(K).
  mutating func setDesign(_ design: SamplingDesign) {
    cvar.setDesign(design)
    l2?.setDesign(design)
    violationL2?.setDesign(design)
  }

  /// Whether the violation e-process has reached 1/δ at some time so far.
  private(set) var violationRejected = false
  /// Whether the L2 test's e-process (the L2 contrast's, or the blocks' when
  /// they are the L2 test) has rejected no disparity.
  private(set) var disparityRejected = false

  /// Feeds one row to every process and updates the averaged maximum and
  /// the two rejections (the same rules as `SequentialTester.observe`).
  ///
  /// - Complexity: O(1) amortized.
  mutating func observe(group g: Int, loss: Double, endsUnit: Bool) {
    cvar.observe(group: g, loss: loss, endsUnit: endsUnit)
    l2?.observe(group: g, loss: loss, endsUnit: endsUnit)
    blocks?.observe(group: g, loss: loss, endsUnit: endsUnit)
    violationL2?.observe(group: g, loss: loss, endsUnit: endsUnit)
    guard endsUnit else { return }
    if let maximum = averagedMaximum, let partner = partnerLogWealth {
      averagedMaximum = max(maximum, SequentialTester.logAverage(cvar.logWealth, partner))
    }
    (violationRejected, disparityRejected) = Self.rejections(cvar: cvar, l2Rejected: l2?.rejected ?? false,
                                                             blocksRejected: blocks?.rejected ?? false,
                                                             averagedMaximum: averagedMaximum)
  }

  /// The two rejections of the betting method (shared with
  /// `SequentialTester.observe`): a violation when the violation e-process
  /// (the CVaR contrast's, or its average with the blocks' or the row-wise
  /// L2 contrast's when `averagedMaximum` is set) has reached 1/δ; a detected
  /// disparity when the L2 test's e-process has (the blocks', unless they are
  /// in the average).
  static func rejections(cvar: ContrastEProcess<CVaRContrast>, l2Rejected: Bool, blocksRejected: Bool,
                         averagedMaximum: Double?) -> (violation: Bool, disparity: Bool) {
    guard let maximum = averagedMaximum else { return (cvar.rejected, l2Rejected || blocksRejected) }
    return (maximum >= cvar.threshold, l2Rejected)
  }
}
