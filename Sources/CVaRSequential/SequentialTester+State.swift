import Foundation

/// Why a saved state could not be restored.
public enum SequentialStateError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The file is not a state file of this format.
  case unreadable(String)
  /// The file was written by an audit with other settings.
  case configurationMismatch([String])

  public var description: String {
    switch self {
    case .unreadable(let reason):
      return "not a sequential audit state file (\(reason))"
    case .configurationMismatch(let fields):
      return "the state file comes from an audit with another configuration (different: "
        + fields.joined(separator: ", ") + "); resume with the same options or start a new audit"
    }
  }
}

/// The JSON document of a saved state.
struct SequentialStateDocument: Codable {
  var format = "cvar-audit sequential state"
  var version = 1
  var tester: SequentialTester
}

extension SequentialConfiguration {
  /// The names of the settings that differ from `other`.
  public func differences(from other: SequentialConfiguration) -> [String] {
    var fields: [String] = []
    if groupKeys != other.groupKeys { fields.append("groups (\(groupCount) vs \(other.groupCount))") }
    if weights != other.weights { fields.append("weights") }
    if alpha != other.alpha { fields.append("alpha (\(alpha) vs \(other.alpha))") }
    if tolerance != other.tolerance { fields.append("tolerance (\(tolerance) vs \(other.tolerance))") }
    if delta != other.delta { fields.append("delta (\(delta) vs \(other.delta))") }
    if disparity != other.disparity { fields.append("disparity") }
    if reference != other.reference { fields.append("reference") }
    if l2FirstLook != other.l2FirstLook { fields.append("L2 test") }
    if budget != other.budget { fields.append("budget") }
    if label != other.label { fields.append("data (\(label) vs \(other.label))") }
    return fields
  }
}

extension SequentialTester {
  /// The tester's whole state as JSON (NaN and infinities as strings).
  ///
  /// - Complexity: O(K).
  public func encodedState() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try encoder.encode(SequentialStateDocument(tester: self))
  }

  /// Restores a tester saved by `encodedState()`, refusing one whose
  /// configuration differs from `configuration`.
  ///
  /// - Throws: `SequentialStateError`.
  /// - Complexity: O(K).
  public init(restoring data: Data, configuration: SequentialConfiguration) throws {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let document: SequentialStateDocument
    do {
      document = try decoder.decode(SequentialStateDocument.self, from: data)
    } catch DecodingError.keyNotFound(let key, _) {
      throw SequentialStateError.unreadable("missing field '\(key.stringValue)'")
    } catch DecodingError.dataCorrupted {
      throw SequentialStateError.unreadable("not valid JSON")
    } catch {
      throw SequentialStateError.unreadable("fields of the wrong type")
    }
    guard document.format == "cvar-audit sequential state", document.version == 1 else {
      throw SequentialStateError.unreadable("format '\(document.format)' version \(document.version)")
    }
    let differences = document.tester.configuration.differences(from: configuration)
    guard differences.isEmpty else { throw SequentialStateError.configurationMismatch(differences) }
    self = document.tester
  }
}
