/// Text of a field's bytes for display and for keys: the one place where
/// bytes become a `String`.
///
/// Valid UTF-8 is kept as it is. An invalid byte is written `\xHH` (two
/// upper-case hex digits) instead of the replacement character U+FFFD that
/// `String(decoding:as:)` gives: two values that differ only in invalid
/// bytes used to show (and, in aggregates files, merge) as the same group.
/// Every output (table, JSON, CSV, HTML, SQL) shows the group's name from
/// this text, so the escape is visible in each. A group's identity in a
/// `GroupTable` is its bytes; only a valid value whose text is itself a
/// `\xHH` sequence can look like an escaped one.
public enum VisibleText {
  /// The text of `bytes` (see the type's comment).
  ///
  /// - Complexity: O(bytes).
  public static func of<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    if let valid = String(validating: bytes, as: UTF8.self) { return valid }
    var text = ""
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var position = bytes.startIndex
    let hex = Array("0123456789ABCDEF".unicodeScalars)
    while true {
      switch parser.parseScalar(from: &iterator) {
      case .valid(let encoded):
        text.unicodeScalars.append(Unicode.UTF8.decode(encoded))
        position = bytes.index(position, offsetBy: encoded.count)
      case .error(let length):
        for _ in 0..<length {
          let byte = bytes[position]
          text.unicodeScalars.append(contentsOf: ["\\", "x", hex[Int(byte >> 4)], hex[Int(byte & 15)]])
          position = bytes.index(after: position)
        }
      case .emptyInput:
        return text
      }
    }
  }
}
