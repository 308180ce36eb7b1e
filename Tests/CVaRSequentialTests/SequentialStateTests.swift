import CVaRAudit
import Distributions
import Foundation
import Testing
@testable import CVaRSequential

/// A seeded random configuration: K groups, and each kind of reference, L2
/// test, budget and disparity; one in four is the no-disparity null (ε0 = 0,
/// the population reference with the weights as shares), whose betting
/// tester also holds the averaged row-wise L2 contrast.
private func randomConfiguration(using generator: inout some RandomNumberGenerator) -> SequentialConfiguration {
  var c = randomConfigurationDraw(using: &generator)
  if Int.random(in: 0..<4, using: &generator) == 0 {
    c.tolerance = 0
    c.reference = .population(c.weights)
  }
  return c
}

private func randomConfigurationDraw(using generator: inout some RandomNumberGenerator) -> SequentialConfiguration {
  let k = Int.random(in: 1...7, using: &generator)
  let weights = (0..<k).map { _ in Double.random(in: 0.1...3, using: &generator) }
  let reference: SequentialReference = switch Int.random(in: 0..<3, using: &generator) {
  case 0: .pooled
  case 1: .value(Double.random(in: 0...1, using: &generator))
  default: .population((0..<k).map { _ in Double.random(in: 0.5...2, using: &generator) })
  }
  return SequentialConfiguration(
    groupKeys: (0..<k).map { ["g\($0)", Bool.random(using: &generator) ? "x" : "y"] }, weights: weights,
    alpha: Double.random(in: 0.05...1, using: &generator), tolerance: Double.random(in: 0...0.3, using: &generator),
    delta: Double.random(in: 0.01...0.2, using: &generator),
    disparity: Bool.random(using: &generator) ? .oneSided : .twoSided, reference: reference,
    l2FirstLook: Bool.random(using: &generator) ? Int.random(in: 2...40, using: &generator) : nil,
    budget: Bool.random(using: &generator) ? Int.random(in: 50...400, using: &generator) : nil, label: "m")
}

/// A tester after a seeded stream of observations (group means differ, so
/// some runs decide and some do not).
private func randomTester(seed: UInt64) -> SequentialTester {
  var generator = Xoshiro256StarStar(seed: seed)
  var configuration = randomConfiguration(using: &generator)
  // Odd seeds: the betting method (its e-processes are saved too).
  if seed % 2 == 1 { configuration.method = .betting }
  var tester = SequentialTester(configuration: configuration)
  let means = (0..<configuration.groupCount).map { _ in Double.random(in: 0...1, using: &generator) }
  for _ in 0..<Int.random(in: 0...300, using: &generator) {
    let g = Int.random(in: 0..<configuration.groupCount, using: &generator)
    let binary = Bool.random(using: &generator)
    let loss = binary ? (Double.random(in: 0...1, using: &generator) < means[g] ? 1 : 0)
      : min(1, max(0, means[g] + Double.random(in: -0.3...0.3, using: &generator)))
    tester.observe(group: g, loss: loss)
  }
  return tester
}

/// The spans of the scalar values (not the keys) of a JSON text.
private func scalarSpans(_ text: [UInt8]) -> [Range<Int>] {
  var spans: [Range<Int>] = []
  var i = 0
  while i < text.count {
    let c = text[i]
    if c == UInt8(ascii: "\"") {
      var j = i + 1
      while text[j] != UInt8(ascii: "\"") { j += text[j] == UInt8(ascii: "\\") ? 2 : 1 }
      var k = j + 1
      while k < text.count && text[k] == UInt8(ascii: " ") { k += 1 }
      if k == text.count || text[k] != UInt8(ascii: ":") { spans.append(i..<(j + 1)) }
      i = j + 1
    } else if c == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
                || c == UInt8(ascii: "t") || c == UInt8(ascii: "f") || c == UInt8(ascii: "n") {
      var j = i
      while j < text.count && ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]")].contains(text[j]) { j += 1 }
      spans.append(i..<j)
      i = j
    } else {
      i += 1
    }
  }
  return spans
}

/// Other values for one scalar: a number changed (+1, negated, tiny step),
/// a string changed, a boolean flipped, null made a number.
private func replacements(_ scalar: String) -> [String] {
  switch scalar {
  case "true": return ["false"]
  case "false": return ["true"]
  case "null": return ["1", "0"]
  default: break
  }
  if scalar.hasPrefix("\"") {
    return scalar == "\"nan\"" || scalar.contains("inf") ? ["0"] : [String(scalar.dropLast()) + "x\"", "\"\""]
  }
  let x = Double(scalar)!
  var out = ["\(x + 1)", "\(-x - 1)"]
  if x != 0 && x.isFinite { out.append("\(x.nextUp)") }
  return out
}

/// Rewrites the checksum of a (corrupted) state document to match its
/// tester, so that only the invariant checks can refuse it.
private func withRecomputedChecksum(_ data: Data) throws -> Data? {
  let decoder = JSONDecoder()
  decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
  guard var document = try? decoder.decode(SequentialStateDocument.self, from: data) else { return nil }
  let encoder = SequentialTester.stateEncoder()
  document.checksum = SequentialTester.stateChecksum(try encoder.encode(document.tester))
  return try encoder.encode(document)
}

@Suite struct SequentialStateTests {
  /// Save → load gives the same tester (the same bytes saved again, and the
  /// same decisions on the rest of a stream), over 200 seeded testers.
  @Test func saveLoadRoundTrips() throws {
    var averaged = 0
    for seed in UInt64(1)...200 {
      var tester = randomTester(seed: seed)
      if tester.violationL2Betting != nil { averaged += 1 }
      let saved = try tester.encodedState()
      var restored = try SequentialTester(restoring: saved, configuration: tester.configuration)
      #expect(try restored.encodedState() == saved, "seed \(seed)")
      var generator = Xoshiro256StarStar(seed: seed &+ 1000)
      for _ in 0..<100 {
        let g = Int.random(in: 0..<tester.configuration.groupCount, using: &generator)
        let loss = Double.random(in: 0...1, using: &generator)
        tester.observe(group: g, loss: loss)
        restored.observe(group: g, loss: loss)
      }
      #expect(try restored.encodedState() == tester.encodedState(), "seed \(seed)")
    }
    #expect(averaged >= 10, "testers with the averaged L2 contrast: \(averaged)")
    #expect((UInt64(1)...20).contains { randomTester(seed: $0).violationL2Betting != nil })
  }

  /// Every single scalar of a state file changed to another value is
  /// refused (by the checksum when not by an invariant), over 20 seeded
  /// testers and every scalar of each.
  @Test func anySingleFieldCorruptionIsRefused() throws {
    for seed in UInt64(1)...20 {
      let tester = randomTester(seed: seed)
      let saved = [UInt8](try tester.encodedState())
      for span in scalarSpans(saved) {
        let original = String(decoding: saved[span], as: UTF8.self)
        for replacement in replacements(original) where replacement != original {
          var corrupted = saved
          corrupted.replaceSubrange(span, with: Array(replacement.utf8))
          let context = "seed \(seed): \(original) → \(replacement) at byte \(span.lowerBound)"
          #expect(throws: SequentialStateError.self, "\(context)") {
            _ = try SequentialTester(restoring: Data(corrupted), configuration: tester.configuration)
          }
        }
      }
    }
  }

  /// With the checksum rewritten to match, the invariant checks alone refuse
  /// the corruptions that would trap or change a decision: arrays shorter or
  /// longer than K, counts and sums that disagree, bounds outside what the
  /// sums allow, negative observations, an inconsistent decision. Each
  /// refusal names the field.
  @Test func invariantChecksNameTheField() throws {
    let configuration = SequentialConfiguration(groupKeys: [["a"], ["b"], ["c"]], weights: [1, 1, 2], alpha: 0.5,
                                                tolerance: 0.2, delta: 0.05, l2FirstLook: 8)
    var tester = SequentialTester(configuration: configuration)
    var generator = Xoshiro256StarStar(seed: 3)
    for _ in 0..<60 { tester.observe(group: Int.random(in: 0..<3, using: &generator), loss: Double.random(in: 0...0.3, using: &generator)) }
    #expect(tester.decision == .continue)
    let saved = try JSONSerialization.jsonObject(with: tester.encodedState()) as! [String: Any]

    func refused(_ edit: (inout [String: Any]) -> Void) throws -> String? {
      var document = saved
      var t = document["tester"] as! [String: Any]
      edit(&t)
      document["tester"] = t
      guard let data = try withRecomputedChecksum(try JSONSerialization.data(withJSONObject: document)) else {
        return "undecodable"
      }
      do {
        _ = try SequentialTester(restoring: data, configuration: configuration)
        return nil
      } catch SequentialStateError.invalidField(let field, _) {
        return field
      }
    }
    func groupEdit(_ g: Int, _ key: String, _ value: Any) -> (inout [String: Any]) -> Void {
      { t in
        var groups = t["groups"] as! [[String: Any]]
        groups[g][key] = value
        t["groups"] = groups
      }
    }
    func dropLast(_ key: String) -> (inout [String: Any]) -> Void {
      { t in t[key] = (t[key] as! [Any]).dropLast().map { $0 } }
    }
    // The control: the unchanged state, through the same rewrite, loads.
    #expect(try refused { _ in } == nil)
    #expect(try refused(dropLast("groups")) == "tester.groups")
    #expect(try refused(dropLast("statistics")) == "tester.statistics")
    #expect(try refused(dropLast("slackFactors")) == "tester.slackFactors")
    #expect(try refused { t in
      var c = t["configuration"] as! [String: Any]
      c["weights"] = (c["weights"] as! [Double]).dropLast().map { $0 }
      t["configuration"] = c
    } == "tester.configuration.weights")
    let upper0 = tester.groups[0].upper, lower0 = tester.groups[0].lower
    // A raised lower bound is not visible in the group's own sums (it is a
    // running maximum), but in the CVaR bracket; the checksum catches it too.
    #expect(try refused(groupEdit(0, "lower", upper0 + 0.01)) != nil)
    #expect(try refused(groupEdit(0, "upper", min(1, upper0 + 0.5))) == "tester.groups[0].upper")
    #expect(try refused(groupEdit(0, "upper", lower0 - 0.01)) == "tester.groups[0].upper" || lower0 < 0.01)
    #expect(try refused(groupEdit(1, "count", tester.groups[1].count + 5)) == "tester.statistics[1].count")
    #expect(try refused(groupEdit(1, "count", -1)) == "tester.groups[1].count")
    #expect(try refused(groupEdit(2, "sum", -0.5)) == "tester.groups[2].sum")
    #expect(try refused(groupEdit(2, "lambdaSum", 1e6)) == "tester.groups[2].lambdaSum")
    #expect(try refused(groupEdit(2, "penalty", -1)) == "tester.groups[2].penalty")
    #expect(try refused { t in t["observations"] = 61 } == "tester.observations")
    #expect(try refused { t in t["observations"] = -60 } == "tester.observations")
    #expect(try refused { t in
      var s = t["statistics"] as! [[String: Any]]
      s[0]["sumOfSquares"] = (s[0]["sum"] as! Double) + 1
      t["statistics"] = s
    } == "tester.statistics[0].sumOfSquares")
    #expect(try refused { t in t["decision"] = "violation" } == "tester.reason")
    #expect(try refused { t in t["decision"] = "violation"; t["reason"] = "cvarUpperBound"; t["decisionObservation"] = 10 }
      == "tester.reason")
    #expect(try refused { t in t["lowerAtEvaluation"] = -1.0 } == "tester.lowerAtEvaluation")
    #expect(try refused { t in t["upperAtEvaluation"] = -1.0 } == "tester.decision")
    #expect(try refused { t in t["upperAtEvaluation"] = 1.5 } == "tester.upperAtEvaluation")
    #expect(try refused { t in t["l2Test"] = nil } == "tester.l2Test")
    #expect(try refused { t in
      var l2 = t["l2Test"] as! [String: Any]
      l2["looks"] = (l2["looks"] as! [Any]).dropLast().map { $0 }
      t["l2Test"] = l2
    } == "tester.l2Test.looks")
  }

  /// A no-disparity null's state holds the averaged row-wise L2 contrast and
  /// resumes with it. A state without it and without the averaged maximum
  /// (as saved before it was added) is accepted and resumes with the CVaR
  /// contrast alone; one without it but with the maximum, or with a maximum
  /// below the averaged e-value now, is refused, naming the field.
  @Test func averagedL2ContrastInTheState() throws {
    let p = [0.2, 0.3, 0.5]
    let configuration = SequentialConfiguration(groupKeys: [["a"], ["b"], ["c"]], weights: p, alpha: 0.5,
                                                tolerance: 0, delta: 0.05, reference: .population(p), method: .betting)
    var tester = SequentialTester(configuration: configuration)
    var generator = Xoshiro256StarStar(seed: 8)
    for _ in 0..<80 {
      let g = Int.random(in: 0..<3, using: &generator)
      tester.observe(group: g, loss: generator.nextUnitDouble() < 0.3 ? 1 : 0)
    }
    #expect(tester.decision == .continue && tester.violationL2Betting != nil)
    let saved = try tester.encodedState()
    let restored = try SequentialTester(restoring: saved, configuration: configuration)
    #expect(restored.violationL2Betting == tester.violationL2Betting)
    #expect(restored.averagedViolationMaximum == tester.averagedViolationMaximum)

    let document = try JSONSerialization.jsonObject(with: saved) as! [String: Any]
    func edited(_ edit: (inout [String: Any]) -> Void) throws -> Result<SequentialTester, SequentialStateError> {
      var d = document
      var t = d["tester"] as! [String: Any]
      edit(&t)
      d["tester"] = t
      let data = try #require(try withRecomputedChecksum(try JSONSerialization.data(withJSONObject: d)))
      do { return .success(try SequentialTester(restoring: data, configuration: configuration)) }
      catch let error as SequentialStateError { return .failure(error) }
    }
    let older = try edited { t in t["violationL2Betting"] = nil; t["averagedViolationMaximum"] = nil }
    guard case .success(var resumed) = older else { Issue.record("an older state is refused: \(older)"); return }
    #expect(resumed.violationL2Betting == nil && resumed.violationLogWealth == resumed.cvarBetting?.logWealth)
    resumed.observe(group: 0, loss: 1)
    #expect(resumed.observations == 81)
    func field(_ r: Result<SequentialTester, SequentialStateError>) -> String? {
      if case .failure(.invalidField(let f, _)) = r { return f }
      return nil
    }
    #expect(field(try edited { t in t["violationL2Betting"] = nil }) == "tester.averagedViolationMaximum")
    #expect(field(try edited { t in t["averagedViolationMaximum"] = nil }) == "tester.averagedViolationMaximum")
    #expect(field(try edited { t in t["averagedViolationMaximum"] = -1.0 }) == "tester.averagedViolationMaximum")
    #expect(field(try edited { t in
      var l2 = t["violationL2Betting"] as! [String: Any]
      l2["level"] = 0.5
      t["violationL2Betting"] = l2
    }) == "tester.violationL2Betting.level")
  }

  /// A state file edited with the checksum left as it was is refused by the
  /// checksum (a loss changed consistently everywhere breaks no invariant).
  @Test func checksumCatchesAConsistentEdit() throws {
    let configuration = SequentialConfiguration(groupKeys: [["a"], ["b"]], weights: [1, 1], alpha: 0.5,
                                                tolerance: 0.9, delta: 0.05)
    var tester = SequentialTester(configuration: configuration)
    tester.observe(group: 0, loss: 0.25)
    var edited = SequentialTester(configuration: configuration)
    edited.observe(group: 0, loss: 0.5)
    // The edited tester is valid; give it the first one's checksum.
    let original = try JSONSerialization.jsonObject(with: tester.encodedState()) as! [String: Any]
    var document = try JSONSerialization.jsonObject(with: edited.encodedState()) as! [String: Any]
    #expect(document["checksum"] as? String != original["checksum"] as? String)
    document["checksum"] = original["checksum"]
    let data = try JSONSerialization.data(withJSONObject: document)
    #expect(throws: SequentialStateError.checksumMismatch) {
      _ = try SequentialTester(restoring: data, configuration: configuration)
    }
  }

  /// The resume message names the groups that differ, not "groups (6 vs 6)".
  /// A state of an earlier version (2, before the betting method) is
  /// refused with its own message, not as an unreadable file.
  @Test func earlierVersionIsRefusedClearly() throws {
    let tester = randomTester(seed: 3)
    var text = String(decoding: try tester.encodedState(), as: UTF8.self)
    text = text.replacingOccurrences(of: "\"version\":3", with: "\"version\":2")
    #expect(throws: SequentialStateError.outdatedVersion(2)) {
      _ = try SequentialTester(restoring: Data(text.utf8), configuration: tester.configuration)
    }
    #expect(SequentialStateError.outdatedVersion(2).description.contains("start a new audit"))
  }

  @Test func groupDifferencesAreNamed() {
    let a = [["a", "x"], ["b", "x"]]
    #expect(SequentialConfiguration.groupDifference(a, [["a", "x"]]) == "groups (2 vs 1)")
    #expect(SequentialConfiguration.groupDifference(a, [["a", "x"], ["b", "y"]])
      == "groups (1 of 2 differs, first: 'b × x' vs 'b × y')")
    #expect(SequentialConfiguration.groupDifference(a, [["b", "x"], ["a", "x"]])
      == "group order (the same 2 groups, declared in another order)")
  }
}
