import Foundation
import Testing
import Distributions
@testable import CVaRAudit

/// `SortedJSONEncoder` must write Foundation's text byte for byte.
@Suite struct SortedJSONEncoderTests {
  static func foundation<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }

  static func expectSame<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let ours = try SortedJSONEncoder.encode(value)
    let theirs = try foundation(value)
    #expect(ours == theirs, sourceLocation: sourceLocation)
  }

  struct Inner: Encodable { var x: Double; var label: String?; var flags: [Bool] }
  struct Document: Encodable {
    var schemaVersion = 1
    var name: String
    var rate: Double?
    var missing: Double?
    var ci: [Double?]
    var key: [String: String]
    var counts: [String: Int]
    var nested: [Inner]
    var empty: [Int]
    var emptyObject: [String: Int]
    var `var`: Double
  }

  @Test func documentsLikeTheAuditsAndEdgeCases() throws {
    try Self.expectSame(Document(
      name: "a \"quoted\" back\\slash / slash\n\t\u{01}\u{1F}\u{7F} é 🙂", rate: 0.25, missing: nil,
      ci: [0.1, nil, 1.5799760588720538e-09], key: ["race": "African-American", "sex": "Male"],
      counts: ["a10": 1, "a2": 2, "B": 3, "a": 4, "é": 5, "_x": 6, "Z": 7],
      nested: [Inner(x: 1, label: nil, flags: []), Inner(x: -2.5, label: "", flags: [true, false])],
      empty: [], emptyObject: [:], var: 100))
    for x in [0.0, -0.0, 1.0, 0.1, 1e-9, 1e20, 1e22, 1e16, 123456789.125, 5e-324, Double.greatestFiniteMagnitude,
              -Double.leastNormalMagnitude, 2.0 / 3.0] {
      try Self.expectSame(["x": x])
      try Self.expectSame([x])
      try Self.expectSame(x)
    }
    try Self.expectSame([Int.min, Int.max])
    try Self.expectSame([UInt64.max])
    try Self.expectSame([Int8.min])
    try Self.expectSame(["s": "plain"])
    try Self.expectSame([[String: Int]]())
    try Self.expectSame([[Int]()])
    #expect(throws: EncodingError.self) { _ = try SortedJSONEncoder.encode([Double.nan]) }
    #expect(throws: EncodingError.self) { _ = try SortedJSONEncoder.encode(["x": Double.infinity]) }
    // The comparison can fail: a different number text is caught.
    #expect(try SortedJSONEncoder.encode([1.0]) == "[\n  1\n]")
    #expect(try SortedJSONEncoder.encode([String: Int]()) == "{\n\n}")
  }

  /// A random JSON-like tree.
  indirect enum Tree: Encodable {
    case number(Double), integer(Int), text(String), flag(Bool), none
    case list([Tree]), object([String: Tree])

    func encode(to encoder: Encoder) throws {
      var single = encoder.singleValueContainer()
      switch self {
      case .number(let x): try single.encode(x)
      case .integer(let n): try single.encode(n)
      case .text(let s): try single.encode(s)
      case .flag(let b): try single.encode(b)
      case .none: try single.encodeNil()
      case .list(let items): try single.encode(items)
      case .object(let members): try single.encode(members)
      }
    }

    static func random(depth: Int, using rng: inout Xoshiro256StarStar) -> Tree {
      let words = ["a", "b", "B", "a1", "a10", "a2", "é", "key", "x y", "\"q\"", "tab\t", ""]
      switch rng.next() % (depth > 0 ? 8 : 5) {
      case 0:
        // Any finite double: every exponent, subnormals, both signs.
        let x = Double(bitPattern: rng.next())
        return .number(x.isFinite ? x : Double(rng.next() % 1000) / 8)
      case 1: return .integer(Int(truncatingIfNeeded: rng.next()) >> Int(rng.next() % 64))
      case 2: return .text(words[Int(rng.next() % UInt64(words.count))])
      case 3: return .flag(rng.next() % 2 == 0)
      case 4: return .none
      case 5, 6:
        return .list((0..<Int(rng.next() % 4)).map { _ in random(depth: depth - 1, using: &rng) })
      default:
        var members: [String: Tree] = [:]
        for _ in 0..<Int(rng.next() % 5) { members[words[Int(rng.next() % UInt64(words.count))]] = random(depth: depth - 1, using: &rng) }
        return .object(members)
      }
    }
  }

  @Test func seededRandomTrees() throws {
    var rng = Xoshiro256StarStar(seed: 7)
    for _ in 0..<300 {
      try Self.expectSame(Tree.random(depth: 4, using: &rng))
    }
  }
}
