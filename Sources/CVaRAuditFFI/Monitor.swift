// The sequential monitor of the Python package: a SequentialTester kept
// alive between calls behind an opaque handle (cvaraudit.Monitor).
import CVaRAudit
import CVaRSequential
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `cvaraudit_monitor_new` is asked for (JSON; the fields of
/// `SequentialConfiguration`, checked here as `cvar-audit monitor` checks its options).
struct MonitorRequest: Decodable {
  var groupKeys: [[String]]
  var weights: [Double]
  var alpha: Double
  var tolerance: Double
  var delta: Double
  var disparity: String
  /// higher or lower for a one-sided disparity (`--worse`); nil: higher.
  var worse: String?
  /// "pooled", "population" (with `shares`) or "value" (with `referenceValue`).
  var reference: String
  var shares: [Double]?
  var referenceValue: Double?
  var l2FirstLook: Int?
  var budget: Int?
  /// "betting" (the default, as `cvar-audit monitor`) or "confidence-sequence".
  var method: String?
  /// "agrapa" (the default) or "mixture".
  var bettingStrategy: String?

  /// The design of the betting method: rows drawn from the declared shares
  /// (as `cvar-audit monitor`), equal shares when none are given.
  var design: SamplingDesign? {
    guard let shares, shares.count == groupKeys.count, shares.reduce(0, +) > 0 else { return nil }
    let total = shares.reduce(0, +)
    return .probabilities(shares.map { $0 / total })
  }

  func configuration() throws -> SequentialConfiguration {
    func fail(_ m: String) -> ColumnError { ColumnError(description: m) }
    guard !groupKeys.isEmpty else { throw fail("the monitor needs at least one declared group") }
    guard weights.count == groupKeys.count,
          weights.allSatisfy({ $0 >= 0 && $0.isFinite }), weights.reduce(0, +) > 0 else {
      throw fail("weights must be finite, non-negative, one per group, with a positive sum")
    }
    guard alpha > 0 && alpha <= 1 else { throw fail("alpha must lie in (0, 1] (got \(alpha))") }
    guard delta > 0 && delta < 1 else { throw fail("delta must lie strictly between 0 and 1 (got \(delta))") }
    guard tolerance.isFinite else { throw fail("tolerance must be a finite number (got \(tolerance))") }
    let kind = try disparityKind(disparity, worse: worse, default: .higher)
    if let budget, budget < 1 { throw fail("budget must be at least 1 (got \(budget))") }
    if let l2FirstLook, l2FirstLook < 2 { throw fail("l2_first_look must be at least 2 (got \(l2FirstLook))") }
    let ref: SequentialReference
    switch reference {
    case "pooled": ref = .pooled
    case "population":
      guard let shares, shares.count == groupKeys.count, shares.allSatisfy({ $0 >= 0 && $0.isFinite }),
            shares.reduce(0, +) > 0 else { throw fail("a population reference needs one non-negative share per group") }
      ref = .population(shares)
    case "value":
      guard let v = referenceValue, (0...1).contains(v) else {
        throw fail("reference must be a rate in [0, 1] (got \(referenceValue.map { "\($0)" } ?? "none"))")
      }
      ref = .value(v)
    default: throw fail("reference must be 'pooled', 'population' or a rate in [0, 1] (got '\(reference)')")
    }
    guard let chosen = SequentialMethod(rawValue: method ?? "betting") else {
      throw fail("method must be 'betting' or 'confidence-sequence' (got '\(method ?? "")')")
    }
    guard let strategy = BettingStrategy(rawValue: bettingStrategy ?? "agrapa") else {
      throw fail("betting_strategy must be 'agrapa' or 'mixture' (got '\(bettingStrategy ?? "")')")
    }
    return SequentialConfiguration(groupKeys: groupKeys, weights: weights, alpha: alpha, tolerance: tolerance,
                                   delta: delta, disparity: kind, reference: ref, l2FirstLook: l2FirstLook,
                                   budget: budget, method: chosen, bettingStrategy: strategy)
  }
}

/// The state a monitor reports after each batch: the fields of
/// `cvar-audit monitor --format json` (tail groups as indices into the
/// declared groups), and how many of the batch's rows were observed.
struct MonitorState: Encodable {
  struct Look: Encodable {
    var look: Int
    var observations: Int
    var statistic: Double?
    var threshold: Double?
    var level: Double
    var rejected: Bool
  }
  var decision: String
  var reason: String?
  var observations: Int
  var decisionObservation: Int?
  var consumed: Int
  var cvar: Double?
  var cvarInterval: [Double?]
  var referenceInterval: [Double?]
  var tailGroups: [Int]
  var l2Looks: [Look]?
  /// The observation at which the pooled reference's running intersection
  /// became empty, else null; and the groups whose intersection became empty.
  var referenceEmptiedAt: Int?
  var emptiedGroups: Int
  /// betting or confidence-sequence; the betting e-process's current and largest
  /// value (absent with the confidence-sequence method; the Python layer writes null).
  var method: String
  var eValue: Double?
  var maximumEValue: Double?

  init(_ tester: SequentialTester, consumed: Int) {
    func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
    let s = tester.snapshot()
    decision = tester.decision.rawValue
    reason = tester.reason?.rawValue
    observations = tester.observations
    decisionObservation = tester.decisionObservation
    self.consumed = consumed
    cvar = finite(s.cvar)
    cvarInterval = [finite(s.cvarInterval.lower), finite(s.cvarInterval.upper)]
    referenceInterval = [finite(s.referenceInterval.lower), finite(s.referenceInterval.upper)]
    tailGroups = s.tailGroups
    l2Looks = tester.l2Test.map { test in
      test.looks.map { Look(look: $0.index, observations: $0.observations, statistic: finite($0.statistic),
                            threshold: finite($0.threshold), level: $0.level, rejected: $0.rejected) }
    }
    referenceEmptiedAt = tester.referenceEmptiedAt
    emptiedGroups = tester.emptiedGroups.count
    method = tester.configuration.method.rawValue
    eValue = tester.violationLogWealth.flatMap { finite(exp($0)) }
    maximumEValue = tester.maximumViolationLogWealth.flatMap { finite(exp($0)) }
  }
}

/// The tester behind a handle.
final class MonitorBox {
  var tester: SequentialTester
  init(_ tester: SequentialTester) { self.tester = tester }

  /// Observes rows in order until the first decision (as `cvar-audit
  /// monitor` stops reading there); checks every group index and loss first.
  func observe(groups: UnsafePointer<Int32>?, losses: UnsafePointer<Double>?, count: Int) throws -> MonitorState {
    guard count >= 0, count == 0 || (groups != nil && losses != nil) else {
      throw ColumnError(description: "internal error: a batch needs group indices and losses")
    }
    let k = Int32(tester.configuration.groupCount)
    for i in 0..<count {
      guard groups![i] >= 0 && groups![i] < k else {
        throw ColumnError(description: "row \(i): group index \(groups![i]) is not one of the \(k) declared groups")
      }
      guard losses![i] >= 0 && losses![i] <= 1 else {
        throw ColumnError(description: "row \(i): expected a loss in [0, 1], found \(losses![i])")
      }
    }
    var consumed = 0
    while consumed < count && tester.decision == .continue {
      tester.observe(group: Int(groups![consumed]), loss: losses![consumed])
      consumed += 1
    }
    return MonitorState(tester, consumed: consumed)
  }
}

private func reply(_ text: String, _ output: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>, _ status: Int32) -> Int32 {
  output.pointee = strdup(text)
  return status
}

/// Creates a monitor from a JSON `MonitorRequest`; `handle` receives it
/// (release it with `cvaraudit_monitor_free`). Status 0, or 1 with an error
/// message in `output` (also set on success: the initial state).
@c(cvaraudit_monitor_new)
public func cvaraudit_monitor_new(
  _ request: UnsafePointer<CChar>, _ handle: UnsafeMutablePointer<UnsafeMutableRawPointer?>,
  _ output: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
) -> Int32 {
  handle.pointee = nil
  do {
    let decoded: MonitorRequest
    do {
      decoded = try JSONDecoder().decode(MonitorRequest.self, from: Data(String(cString: request).utf8))
    } catch {
      throw ColumnError(description: "internal error: malformed monitor request (\(error))")
    }
    let box = MonitorBox(SequentialTester(configuration: try decoded.configuration(), design: decoded.design))
    let state = try SortedJSONEncoder.encode(MonitorState(box.tester, consumed: 0))
    handle.pointee = Unmanaged.passRetained(box).toOpaque()
    return reply(state, output, 0)
  } catch {
    return reply("\(error)", output, 1)
  }
}

/// Observes `count` rows (declared group index, loss) until the first decision.
@c(cvaraudit_monitor_observe)
public func cvaraudit_monitor_observe(
  _ handle: UnsafeMutableRawPointer, _ groups: UnsafePointer<Int32>?, _ losses: UnsafePointer<Double>?, _ count: Int,
  _ output: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
) -> Int32 {
  let box = Unmanaged<MonitorBox>.fromOpaque(handle).takeUnretainedValue()
  do {
    return reply(try SortedJSONEncoder.encode(try box.observe(groups: groups, losses: losses, count: count)), output, 0)
  } catch {
    return reply("\(error)", output, 1)
  }
}

/// Releases a monitor.
@c(cvaraudit_monitor_free)
public func cvaraudit_monitor_free(_ handle: UnsafeMutableRawPointer?) {
  if let handle { Unmanaged<MonitorBox>.fromOpaque(handle).release() }
}
