/// Encodes `Encodable` values as JSON text with sorted keys and two-space
/// indentation: byte for byte the text of Foundation's `JSONEncoder` with
/// `outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]`
/// and its default strategies (checked against it by the tests), several
/// times faster.
///
/// Hand-written because Foundation's encoder, with its generic containers,
/// dynamic casts and per-object dictionaries, took about 120,000 instructions
/// per group of an audit's JSON document: at K = 4,096 groups, as much as
/// reading 10⁶ CSV rows.
///
/// Format: numbers as Swift's `description` (a Double without a fraction loses
/// its `.0`), strings with `"`, `\`, and control characters escaped (`\n`,
/// `\r`, `\t`, `\b`, `\f`, else `\u00XX`), object keys in UTF-8 byte order
/// (the last value wins for a repeated key), `{`/`[` on the line of their key,
/// one member per line, and an empty object or array as `{` or `[`, an empty
/// line, and the closing bracket. Standard-library types only: Foundation's
/// special cases (`Data` as base64, `URL` as a string, `Decimal`) are not
/// reproduced.
public enum SortedJSONEncoder {
  /// The JSON text of `value`.
  ///
  /// - Throws: `EncodingError.invalidValue` for a NaN or infinite number.
  /// - Complexity: O(size of the text + m log m per object of m keys).
  public static func encode<T: Encodable>(_ value: T) throws -> String {
    let node = try TreeEncoder.node(of: value, codingPath: [])
    var writer = Writer()
    writer.write(node, indent: 0)
    return String(decoding: writer.bytes, as: UTF8.self)
  }

  /// A value of the JSON tree; containers are boxes so that nested
  /// containers can be filled after they have been added.
  enum Node {
    /// Text written as is: a number, `true`, `false` or `null`.
    case literal(String)
    case string(String)
    case array(ArrayBox)
    case object(ObjectBox)
  }

  final class ArrayBox {
    var items: [Node] = []
  }

  final class ObjectBox {
    var members: [(key: String, value: Node)] = []
  }

  static func number<F: BinaryFloatingPoint & CustomStringConvertible>(_ x: F, _ codingPath: @autoclosure () -> [CodingKey]) throws -> Node {
    guard x.isFinite else {
      throw EncodingError.invalidValue(x, EncodingError.Context(
        codingPath: codingPath(), debugDescription: "Unable to encode \(x) directly in JSON."))
    }
    var text = x.description
    if text.hasSuffix(".0") { text.removeLast(2) }
    return .literal(text)
  }

  /// The encoder that builds the tree: one per value that has its own
  /// `encode(to:)`.
  final class TreeEncoder: Encoder {
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var node: Node?

    init(codingPath: [CodingKey]) { self.codingPath = codingPath }

    static func node<T: Encodable>(of value: T, codingPath: @autoclosure () -> [CodingKey]) throws -> Node {
      // The common leaves and string-keyed dictionaries without an encoder
      // of their own (type identity, no dynamic cast: what the standard
      // library's `encode(to:)` of these types would produce).
      if T.self == Double.self { return try number(unsafeBitCast(value, to: Double.self), codingPath()) }
      if T.self == Optional<Double>.self {
        guard let x = unsafeBitCast(value, to: Double?.self) else { return .literal("null") }
        return try number(x, codingPath())
      }
      if T.self == Int.self { return .literal(String(unsafeBitCast(value, to: Int.self))) }
      if T.self == String.self { return .string(unsafeBitCast(value, to: String.self)) }
      if T.self == Bool.self { return .literal(unsafeBitCast(value, to: Bool.self) ? "true" : "false") }
      if T.self == [String: String].self {
        let box = ObjectBox()
        for (key, text) in unsafeBitCast(value, to: [String: String].self) { box.members.append((key, .string(text))) }
        return .object(box)
      }
      if T.self == [String: Int].self {
        let box = ObjectBox()
        for (key, n) in unsafeBitCast(value, to: [String: Int].self) { box.members.append((key, .literal(String(n)))) }
        return .object(box)
      }
      let encoder = TreeEncoder(codingPath: codingPath())
      try value.encode(to: encoder)
      // A value that encodes nothing is an empty object, as in Foundation.
      return encoder.node ?? .object(ObjectBox())
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
      let box: ObjectBox
      if case .object(let existing)? = node { box = existing } else { box = ObjectBox(); node = .object(box) }
      return KeyedEncodingContainer(KeyedContainer<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
      let box: ArrayBox
      if case .array(let existing)? = node { box = existing } else { box = ArrayBox(); node = .array(box) }
      return UnkeyedContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { SingleValue(encoder: self) }
  }

  struct SingleValue: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [CodingKey] { encoder.codingPath }
    mutating func encodeNil() throws { encoder.node = .literal("null") }
    mutating func encode(_ value: Bool) throws { encoder.node = .literal(value ? "true" : "false") }
    mutating func encode(_ value: String) throws { encoder.node = .string(value) }
    mutating func encode(_ value: Double) throws { encoder.node = try number(value, codingPath) }
    mutating func encode(_ value: Float) throws { encoder.node = try number(value, codingPath) }
    mutating func encode(_ value: Int) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: Int8) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: Int16) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: Int32) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: Int64) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: UInt) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: UInt16) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: UInt32) throws { encoder.node = .literal(String(value)) }
    mutating func encode(_ value: UInt64) throws { encoder.node = .literal(String(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
      encoder.node = try TreeEncoder.node(of: value, codingPath: codingPath)
    }
  }

  struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: ObjectBox
    let codingPath: [CodingKey]

    private func add(_ key: Key, _ node: Node) { box.members.append((key.stringValue, node)) }

    mutating func encodeNil(forKey key: Key) throws { add(key, .literal("null")) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { add(key, .literal(value ? "true" : "false")) }
    mutating func encode(_ value: String, forKey key: Key) throws { add(key, .string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { add(key, try number(value, codingPath + [key])) }
    mutating func encode(_ value: Float, forKey key: Key) throws { add(key, try number(value, codingPath + [key])) }
    mutating func encode(_ value: Int, forKey key: Key) throws { add(key, .literal(String(value))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { add(key, .literal(String(value))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { add(key, .literal(String(value))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { add(key, .literal(String(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { add(key, .literal(String(value))) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { add(key, .literal(String(value))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { add(key, .literal(String(value))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { add(key, .literal(String(value))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { add(key, .literal(String(value))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { add(key, .literal(String(value))) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
      add(key, try TreeEncoder.node(of: value, codingPath: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                        forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
      let nested = ObjectBox()
      add(key, .object(nested))
      return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
      let nested = ArrayBox()
      add(key, .array(nested))
      return UnkeyedContainer(box: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> Encoder {
      let box = self.box
      return SuperEncoder(codingPath: codingPath) { box.members.append(("super", $0)) }
    }

    mutating func superEncoder(forKey key: Key) -> Encoder {
      let box = self.box
      return SuperEncoder(codingPath: codingPath + [key]) { box.members.append((key.stringValue, $0)) }
    }
  }

  struct UnkeyedContainer: UnkeyedEncodingContainer {
    let box: ArrayBox
    let codingPath: [CodingKey]
    var count: Int { box.items.count }

    private struct Index: CodingKey {
      var stringValue: String { "Index \(intValue!)" }
      var intValue: Int?
      init(_ i: Int) { intValue = i }
      init?(stringValue: String) { nil }
      init?(intValue: Int) { self.intValue = intValue }
    }

    private func add(_ node: Node) { box.items.append(node) }

    mutating func encodeNil() throws { add(.literal("null")) }
    mutating func encode(_ value: Bool) throws { add(.literal(value ? "true" : "false")) }
    mutating func encode(_ value: String) throws { add(.string(value)) }
    mutating func encode(_ value: Double) throws { add(try number(value, codingPath + [Index(count)])) }
    mutating func encode(_ value: Float) throws { add(try number(value, codingPath + [Index(count)])) }
    mutating func encode(_ value: Int) throws { add(.literal(String(value))) }
    mutating func encode(_ value: Int8) throws { add(.literal(String(value))) }
    mutating func encode(_ value: Int16) throws { add(.literal(String(value))) }
    mutating func encode(_ value: Int32) throws { add(.literal(String(value))) }
    mutating func encode(_ value: Int64) throws { add(.literal(String(value))) }
    mutating func encode(_ value: UInt) throws { add(.literal(String(value))) }
    mutating func encode(_ value: UInt8) throws { add(.literal(String(value))) }
    mutating func encode(_ value: UInt16) throws { add(.literal(String(value))) }
    mutating func encode(_ value: UInt32) throws { add(.literal(String(value))) }
    mutating func encode(_ value: UInt64) throws { add(.literal(String(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
      add(try TreeEncoder.node(of: value, codingPath: codingPath + [Index(count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
      let nested = ObjectBox()
      let path = codingPath + [Index(count)]
      add(.object(nested))
      return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
      let nested = ArrayBox()
      let path = codingPath + [Index(count)]
      add(.array(nested))
      return UnkeyedContainer(box: nested, codingPath: path)
    }

    mutating func superEncoder() -> Encoder {
      let slot = box.items.count
      add(.literal("null"))
      let box = self.box
      return SuperEncoder(codingPath: codingPath + [Index(slot)]) { box.items[slot] = $0 }
    }
  }

  /// An encoder whose value is stored by `store` when it is written.
  final class SuperEncoder: Encoder {
    let inner: TreeEncoder
    let store: (Node) -> Void
    var codingPath: [CodingKey] { inner.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    init(codingPath: [CodingKey], store: @escaping (Node) -> Void) {
      inner = TreeEncoder(codingPath: codingPath)
      self.store = store
    }
    deinit { store(inner.node ?? .object(ObjectBox())) }
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { inner.container(keyedBy: type) }
    func unkeyedContainer() -> UnkeyedEncodingContainer { inner.unkeyedContainer() }
    func singleValueContainer() -> SingleValueEncodingContainer { inner.singleValueContainer() }
  }

  /// Writes the tree as text.
  struct Writer {
    var bytes: [UInt8] = []
    /// Key lists seen and the orders that sort them (objects of one type
    /// repeat their keys, so most sorts are skipped); a few, most recent last.
    var orders: [(keys: [String], order: [Int])] = []
    /// Newline and indentation spaces, written as one slice.
    var indentation: [UInt8] = [UInt8(ascii: "\n")] + [UInt8](repeating: UInt8(ascii: " "), count: 64)

    init() { bytes.reserveCapacity(1 << 16) }

    mutating func newline(_ indent: Int) {
      while indentation.count <= indent { indentation.append(UInt8(ascii: " ")) }
      bytes.append(contentsOf: indentation[0...indent])
    }

    mutating func write(_ node: Node, indent: Int) {
      switch node {
      case .literal(let text):
        bytes.append(contentsOf: text.utf8)
      case .string(let text):
        writeString(text)
      case .array(let box):
        bytes.append(UInt8(ascii: "["))
        if box.items.isEmpty { bytes.append(UInt8(ascii: "\n")) }
        for (i, item) in box.items.enumerated() {
          if i > 0 { bytes.append(UInt8(ascii: ",")) }
          newline(indent + 2)
          write(item, indent: indent + 2)
        }
        newline(indent)
        bytes.append(UInt8(ascii: "]"))
      case .object(let box):
        bytes.append(UInt8(ascii: "{"))
        let members = box.members
        let order = sortedOrder(members)
        var written = 0
        for (i, m) in order.enumerated() {
          // Of equal keys, the last one encoded is written.
          if i + 1 < order.count && members[order[i + 1]].key == members[m].key { continue }
          if written > 0 { bytes.append(UInt8(ascii: ",")) }
          newline(indent + 2)
          writeString(members[m].key)
          bytes.append(contentsOf: " : ".utf8)
          write(members[m].value, indent: indent + 2)
          written += 1
        }
        if written == 0 { bytes.append(UInt8(ascii: "\n")) }
        newline(indent)
        bytes.append(UInt8(ascii: "}"))
      }
    }

    /// The member indices in key byte order, equal keys in encoding order.
    mutating func sortedOrder(_ members: [(key: String, value: Node)]) -> [Int] {
      for known in orders.reversed()
      where known.keys.count == members.count && zip(members, known.keys).allSatisfy({ $0.key == $1 }) {
        return known.order
      }
      let order = members.indices.sorted { a, b in
        if members[a].key == members[b].key { return a < b }
        return members[a].key.utf8.lexicographicallyPrecedes(members[b].key.utf8)
      }
      if orders.count == 8 { orders.removeFirst() }
      orders.append((members.map(\.key), order))
      return order
    }

    mutating func writeString(_ text: String) {
      bytes.append(UInt8(ascii: "\""))
      for c in text.utf8 {
        switch c {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
        case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
        case 0..<0x20:
          let hex = Array("0123456789abcdef".utf8)
          bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                    hex[Int(c >> 4)], hex[Int(c & 0xF)]])
        default: bytes.append(c)
        }
      }
      bytes.append(UInt8(ascii: "\""))
    }
  }
}
