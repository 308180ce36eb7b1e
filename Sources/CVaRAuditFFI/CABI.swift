// The C ABI of the Python package (python/cvaraudit/_native.py calls it with
// ctypes). One entry point takes a JSON request and the columns as raw
// buffers and returns a JSON result; the text is allocated here and released
// by `cvaraudit_free`.
import CVaRAudit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one request (audit, test or plan) on in-memory columns.
///
/// - Parameters:
///   - request: NUL-terminated UTF-8 JSON (see `Request`).
///   - codes: `attributeCount` pointers, each to `rows` signed integers of
///     `codeWidths[a]` bytes (1, 2, 4 or 8): the attribute's level codes.
///   - labels, predictions: `rows` bytes (0 or 1) each, or NULL.
///   - losses: `rows` doubles in [0, 1], or NULL.
///   - weights: `rows` row weights (finite, ≥ 0), or NULL (`audit(sample_weight=)`).
///   - output: receives a NUL-terminated UTF-8 text from `malloc`: the result
///     JSON (status 0) or an error message (status 1).
///   - numbers, numberCount: receive a `malloc`ed buffer of doubles (the
///     per-group columns the JSON's `numbers` blocks point into; NULL when
///     empty) and its length.
/// - Returns: 0 on success, 1 for an error in the input or options.
@c(cvaraudit_call)
public func cvaraudit_call(
  _ request: UnsafePointer<CChar>, _ attributeCount: Int, _ codes: UnsafePointer<UnsafeRawPointer?>?,
  _ codeWidths: UnsafePointer<Int32>?, _ rows: Int, _ labels: UnsafePointer<UInt8>?,
  _ predictions: UnsafePointer<UInt8>?, _ losses: UnsafePointer<Double>?, _ weights: UnsafePointer<Double>?,
  _ output: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
  _ numbers: UnsafeMutablePointer<UnsafeMutablePointer<Double>?>, _ numberCount: UnsafeMutablePointer<Int>
) -> Int32 {
  numbers.pointee = nil
  numberCount.pointee = 0
  func reply(_ text: String, _ status: Int32) -> Int32 {
    output.pointee = strdup(text)
    return status
  }
  do {
    let decoded = try Request.decode(String(cString: request))
    guard rows >= 0, attributeCount == decoded.attributes.count else {
      return reply("internal error: \(attributeCount) code columns for \(decoded.attributes.count) attributes", 1)
    }
    var attributes: [InMemoryColumns.Codes] = []
    for a in 0..<attributeCount {
      guard let base = codes?[a], let width = codeWidths?[a], [1, 2, 4, 8].contains(width) else {
        return reply("internal error: sensitive feature \(a) has no codes of width 1, 2, 4 or 8", 1)
      }
      attributes.append(.init(name: decoded.attributes[a].name, base: base, width: Int(width),
                              levels: decoded.attributes[a].levels))
    }
    let columns = InMemoryColumns(attributes: attributes, rows: rows, labels: labels, predictions: predictions,
                                  losses: losses, weights: weights, labelName: decoded.labelName,
                                  predictionName: decoded.predictionName, weightName: decoded.sampleWeightName ?? "sample_weight")
    let sink = NumberSink()
    let text = try Call.run(decoded, columns: columns, numbers: sink)
    if !sink.values.isEmpty {
      guard let buffer = malloc(sink.values.count * MemoryLayout<Double>.stride)?.assumingMemoryBound(to: Double.self) else {
        return reply("out of memory for \(sink.values.count) result numbers", 1)
      }
      sink.values.withUnsafeBufferPointer { buffer.initialize(from: $0.baseAddress!, count: $0.count) }
      numbers.pointee = buffer
      numberCount.pointee = sink.values.count
    }
    return reply(text, 0)
  } catch {
    return reply("\(error)", 1)
  }
}

/// Releases a text or a number buffer returned by `cvaraudit_call`.
@c(cvaraudit_free)
public func cvaraudit_free(_ pointer: UnsafeMutableRawPointer?) {
  free(pointer)
}
