import Foundation

/// Why a saved state could not be restored.
public enum SequentialStateError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The file is not a state file of this format.
  case unreadable(String)
  /// The file was written by an audit with other settings.
  case configurationMismatch([String])
  /// A field holds a value no audit produces (the field as a path in the
  /// JSON document, and why).
  case invalidField(String, String)
  /// The checksum does not match the state: the file was edited or corrupted.
  case checksumMismatch
  /// A state file of an earlier format version (its version).
  case outdatedVersion(Int)

  public var description: String {
    switch self {
    case .unreadable(let reason):
      return "not a sequential audit state file (\(reason))"
    case .configurationMismatch(let fields):
      return "the state file comes from an audit with another configuration (different: "
        + fields.joined(separator: ", ") + "); resume with the same options or start a new audit"
    case .invalidField(let field, let reason):
      return "invalid state file: the field '\(field)' is \(reason); the file was edited or damaged, start a new audit"
    case .outdatedVersion(let v):
      return "the state file was written by an earlier cvar-audit (state version \(v); this one reads version \(SequentialStateDocument.version), which adds the betting method), so it cannot be resumed; start a new audit"
    case .checksumMismatch:
      return "invalid state file: the checksum does not match the state, so the file was edited or damaged; start a new audit"
    }
  }
}

/// The JSON document of a saved state: the tester, and a checksum of it
/// (`SequentialTester.stateChecksum`).
struct SequentialStateDocument: Codable {
  static let format = "cvar-audit sequential state"
  /// 3: with the betting e-processes and the method (version 2 had
  /// neither; 1 had no checksum). Older versions are refused.
  static let version = 3
  var format = Self.format
  var version = Self.version
  var checksum: String
  var tester: SequentialTester
}

extension SequentialConfiguration {
  /// The names of the settings that differ from `other`.
  public func differences(from other: SequentialConfiguration) -> [String] {
    var fields: [String] = []
    if groupKeys != other.groupKeys { fields.append(Self.groupDifference(groupKeys, other.groupKeys)) }
    if weights != other.weights { fields.append("weights") }
    if alpha != other.alpha { fields.append("alpha (\(alpha) vs \(other.alpha))") }
    if tolerance != other.tolerance { fields.append("tolerance (\(tolerance) vs \(other.tolerance))") }
    if delta != other.delta { fields.append("delta (\(delta) vs \(other.delta))") }
    if disparity != other.disparity { fields.append("disparity") }
    if reference != other.reference { fields.append("reference") }
    if l2FirstLook != other.l2FirstLook { fields.append("L2 test") }
    if budget != other.budget { fields.append("budget") }
    if label != other.label { fields.append("data (\(label) vs \(other.label))") }
    if method != other.method { fields.append("method (\(method.rawValue) vs \(other.method.rawValue))") }
    if bettingStrategy != other.bettingStrategy {
      fields.append("betting strategy (\(bettingStrategy.rawValue) vs \(other.bettingStrategy.rawValue))")
    }
    return fields
  }

  /// What differs between two lists of group keys, e.g. "groups (6 vs 7)",
  /// "groups (1 of 6 differs: 'a × x' vs 'a × y')", "group order".
  static func groupDifference(_ a: [[String]], _ b: [[String]]) -> String {
    func name(_ key: [String]) -> String { "'" + key.joined(separator: " × ") + "'" }
    if a.count != b.count { return "groups (\(a.count) vs \(b.count))" }
    if Set(a) == Set(b) { return "group order (the same \(a.count) groups, declared in another order)" }
    let differing = a.indices.filter { a[$0] != b[$0] }
    let first = differing[0]
    let verb = differing.count == 1 ? "differs" : "differ"
    return "groups (\(differing.count) of \(a.count) \(verb), first: \(name(a[first])) vs \(name(b[first])))"
  }
}

extension SequentialTester {
  /// The tester's whole state as JSON (NaN and infinities as strings), with
  /// a checksum of it.
  ///
  /// - Complexity: O(K).
  public func encodedState() throws -> Data {
    let encoder = Self.stateEncoder()
    let checksum = Self.stateChecksum(try encoder.encode(self))
    return try encoder.encode(SequentialStateDocument(checksum: checksum, tester: self))
  }

  /// A checksum of a tester's canonical encoding (sorted keys): 64-bit
  /// FNV-1a, as "fnv1a64:" and 16 hex digits.
  ///
  /// FNV-1a (Fowler–Noll–Vo, http://www.isthe.com/chongo/tech/comp/fnv/) is
  /// not cryptographic: it detects edits and damage (any change of one byte
  /// changes it), not someone who recomputes it. Hand-written in six lines
  /// rather than taken from swift-crypto, a large dependency for no gain here.
  ///
  /// - Complexity: O(bytes).
  static func stateChecksum(_ canonical: Data) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in canonical {
      hash ^= UInt64(byte)
      hash &*= 0x0000_0100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
  }

  static func stateEncoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }

  /// Restores a tester saved by `encodedState()`, refusing a file that is
  /// not one, a state that breaks an invariant (`validateState()`, naming
  /// the field), a checksum that does not match, and a configuration that
  /// differs from `configuration`.
  ///
  /// - Throws: `SequentialStateError`.
  /// - Complexity: O(K log K).
  public init(restoring data: Data, configuration: SequentialConfiguration) throws {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    struct Header: Decodable { var format: String?; var version: Int? }
    guard let header = try? decoder.decode(Header.self, from: data) else {
      throw SequentialStateError.unreadable("not valid JSON")
    }
    if header.format == SequentialStateDocument.format, let v = header.version, v < SequentialStateDocument.version {
      throw SequentialStateError.outdatedVersion(v)
    }
    guard header.format == SequentialStateDocument.format, header.version == SequentialStateDocument.version else {
      throw SequentialStateError.unreadable("format '\(header.format ?? "none")' version \(header.version.map(String.init) ?? "none"), expected '\(SequentialStateDocument.format)' version \(SequentialStateDocument.version)")
    }
    let document: SequentialStateDocument
    do {
      document = try decoder.decode(SequentialStateDocument.self, from: data)
    } catch DecodingError.keyNotFound(let key, let context) {
      throw SequentialStateError.unreadable("missing field '\(Self.path(context.codingPath + [key]))'")
    } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
      throw SequentialStateError.unreadable("the field '\(Self.path(context.codingPath))' has the wrong type")
    } catch DecodingError.dataCorrupted(let context) {
      throw SequentialStateError.unreadable(context.codingPath.isEmpty
        ? "not valid JSON" : "the field '\(Self.path(context.codingPath))' has an invalid value")
    } catch {
      throw SequentialStateError.unreadable("fields of the wrong type")
    }
    let tester = document.tester
    try tester.validateState()
    guard Self.stateChecksum(try Self.stateEncoder().encode(tester)) == document.checksum else {
      throw SequentialStateError.checksumMismatch
    }
    let differences = tester.configuration.differences(from: configuration)
    guard differences.isEmpty else { throw SequentialStateError.configurationMismatch(differences) }
    self = tester
  }

  /// A coding path as the field's path in the JSON document ("tester.groups[2].lower").
  private static func path(_ keys: [any CodingKey]) -> String {
    var text = ""
    for key in keys {
      if let i = key.intValue { text += "[\(i)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
    }
    return text
  }
}
