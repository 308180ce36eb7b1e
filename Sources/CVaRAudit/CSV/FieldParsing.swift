#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parsing of numbers and binary values from CSV field bytes.
///
/// Hand-written because converting each field to a `String` first and calling
/// `Double(_:)` costs several times more than the rest of the per-row work.
/// Simple decimals (at most 15 significant digits, no exponent) take an exact
/// fast path: the digits form an integer below 2⁵³ and one division by an
/// exact power of ten rounds correctly. Everything else goes to `strtod`.
public enum FieldParsing {
  @usableFromInline
  static let powersOfTen: [Double] = (0...22).map { exponent in
    var value = 1.0
    for _ in 0..<exponent { value *= 10 }
    return value
  }

  /// The field without leading and trailing ASCII spaces and tabs.
  @inlinable
  public static func trimmed(_ field: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
    var lo = 0
    var hi = field.count
    while lo < hi && (field[lo] == 0x20 || field[lo] == 0x09) { lo += 1 }
    while hi > lo && (field[hi - 1] == 0x20 || field[hi - 1] == 0x09) { hi -= 1 }
    return UnsafeBufferPointer(rebasing: field[lo..<hi])
  }

  /// The field as a `Double`, or nil when it is not a number. `nan`, `inf`
  /// and `infinity` (any case, with a sign) parse to NaN and ±∞ so that the
  /// caller can name them in its message.
  public static func double(_ raw: UnsafeBufferPointer<UInt8>) -> Double? {
    let field = trimmed(raw)
    let count = field.count
    if count == 0 { return nil }
    // Fast path.
    var i = 0
    var negative = false
    if field[0] == UInt8(ascii: "-") { negative = true; i = 1 } else if field[0] == UInt8(ascii: "+") { i = 1 }
    var mantissa: UInt64 = 0
    var digits = 0
    var fractionDigits = 0
    var seenPoint = false
    var simple = true
    var sawDigit = false
    while i < count {
      let c = field[i]
      if c >= 48 && c <= 57 {
        sawDigit = true
        if digits > 0 || c != 48 { digits += 1 }
        mantissa = mantissa &* 10 &+ UInt64(c - 48)
        if seenPoint { fractionDigits += 1 }
      } else if c == UInt8(ascii: ".") && !seenPoint {
        seenPoint = true
      } else {
        simple = false
        break
      }
      i += 1
    }
    if simple && sawDigit && digits <= 15 && fractionDigits <= 22 {
      let value = Double(mantissa) / powersOfTen[fractionDigits]
      return negative ? -value : value
    }
    return slowDouble(field)
  }

  static func slowDouble(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
    // strtod needs a terminated string; it also accepts hexadecimal floats.
    var bytes = [CChar](repeating: 0, count: field.count + 1)
    for k in 0..<field.count { bytes[k] = CChar(bitPattern: field[k]) }
    return bytes.withUnsafeMutableBufferPointer { buffer -> Double? in
      var endPointer: UnsafeMutablePointer<CChar>? = nil
      errno = 0
      let value = strtod(buffer.baseAddress!, &endPointer)
      guard let endPointer, endPointer - buffer.baseAddress! == field.count, field.count > 0 else { return nil }
      return value
    }
  }

  /// A binary value: `0`/`1` (or any number equal to 0 or 1, such as `1.0`),
  /// `true`/`false` in any case. Nil otherwise.
  @inlinable
  public static func binary(_ raw: UnsafeBufferPointer<UInt8>) -> UInt8? {
    if raw.count == 1 {
      if raw[0] == 48 { return 0 }
      if raw[0] == 49 { return 1 }
    }
    return slowBinary(raw)
  }

  @usableFromInline
  static func slowBinary(_ raw: UnsafeBufferPointer<UInt8>) -> UInt8? {
    let field = trimmed(raw)
    let lowered = String(decoding: field, as: UTF8.self).lowercased()
    if lowered == "true" { return 1 }
    if lowered == "false" { return 0 }
    if let value = double(field) {
      if value == 0 { return 0 }
      if value == 1 { return 1 }
    }
    return nil
  }
}
