import Foundation
import Testing
import CVaRAudit
import FixtureSupport

/// The hand-written SHA-256 against hashlib (Tests/Fixtures/sha256.json).
@Suite struct SHA256Tests {
  static func digest(_ bytes: [UInt8]) -> String {
    var h = SHA256()
    h.update(bytes)
    return h.hexDigest()
  }

  @Test func fipsExamplesAndAMillionA() throws {
    let fixture = try Fixtures.json("sha256.json")
    for case let c as [String: Any] in fixture["cases"] as! [Any] {
      let message: [UInt8]
      if let text = c["text"] as? String {
        message = Array(text.utf8)
      } else {
        message = [UInt8](repeating: Array((c["repeat"] as! String).utf8)[0], count: c["count"] as! Int)
      }
      #expect(Self.digest(message) == c["sha256"] as? String, "\(c["name"] ?? "?")")
    }
  }

  /// Every length 0…130 (each padding case), in one piece and fed in uneven pieces.
  @Test func everyPaddingLengthInPieces() throws {
    let fixture = try Fixtures.json("sha256.json")
    for case let c as [String: Any] in fixture["ramps"] as! [Any] {
      let n = c["length"] as! Int
      let bytes = (0..<n).map { UInt8((7 * $0 + 3) % 256) }
      let expected = c["sha256"] as? String
      #expect(Self.digest(bytes) == expected, "length \(n)")
      var pieces = SHA256()
      var start = 0, step = 1
      while start < n {
        let end = min(n, start + step)
        pieces.update(bytes[start..<end])
        start = end
        step = step * 3 % 67 + 1
      }
      #expect(pieces.hexDigest() == expected, "length \(n) in pieces")
      #expect(pieces.hexDigest() == expected, "hexDigest does not change the state")
    }
  }

  @Test func embeddedData() throws {
    let fixture = try Fixtures.json("sha256.json")
    var h = SHA256()
    h.update(EmbeddedData.compasBytes)
    #expect(h.hexDigest() == fixture["compas"] as? String)
  }
}
