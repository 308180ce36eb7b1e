#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Deterministic synthetic audit rows, identical to those of
/// `compare/compare.py` (which vectorises the same integer formulas in numpy),
/// so that the Swift and Python timings run on the same data and their counts
/// can be checked for equality.
///
/// Row i (0-based) of seed s uses one SplitMix64 output
///
///     z_i = mix(s + (i + 1)·γ),  γ = 0x9E3779B97F4A7C15 (all arithmetic mod 2⁶⁴)
///     mix(x): x ^= x >> 30; x *= 0xBF58476D1CE4E5B9; x ^= x >> 27; x *= 0x94D049BB133111EB; x ^= x >> 31
///
/// and splits it into independent bit fields:
///
///     group g     = ((z >> 32) · K) >> 32                      (uniform on 0..<K)
///     label y     = z & 1
///     error e     = ((z >> 1) & (2³¹ − 1)) < t_g,  t_g = ⌊2³¹/20⌋ + ⌊g·2²⁹ / K⌋
///     prediction  = y XOR e
///
/// so group g's error rate is about 0.05 + 0.25·g/K: the disparities rise
/// steadily with the group id and the CVaR tail is the last α share of groups.
public enum SyntheticRows {
  public static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

  /// SplitMix64's output mixer.
  @inline(__always)
  public static func mix(_ x0: UInt64) -> UInt64 {
    var x = x0
    x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
    x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
    return x ^ (x >> 31)
  }

  /// Row i of the data set (group, label, prediction).
  @inline(__always)
  public static func row(_ i: Int, seed: UInt64, groups k: Int) -> (group: Int32, label: UInt8, prediction: UInt8) {
    let z = mix(seed &+ (UInt64(i) &+ 1) &* gamma)
    let g = ((z >> 32) &* UInt64(k)) >> 32
    let y = UInt8(z & 1)
    let threshold = UInt64(107_374_182) + (g << 29) / UInt64(k)
    let e: UInt8 = ((z >> 1) & 0x7FFF_FFFF) < threshold ? 1 : 0
    return (Int32(g), y, y ^ e)
  }

  /// The three columns of `rows` rows.
  ///
  /// - Complexity: O(rows).
  public static func columns(rows: Int, groups k: Int, seed: UInt64) -> (groupIDs: [Int32], labels: [UInt8], predictions: [UInt8]) {
    precondition(rows >= 0 && k >= 1 && k <= 1 << 24)
    var ids = [Int32](repeating: 0, count: rows)
    var labels = [UInt8](repeating: 0, count: rows)
    var predictions = [UInt8](repeating: 0, count: rows)
    for i in 0..<rows {
      let r = row(i, seed: seed, groups: k)
      ids[i] = r.group; labels[i] = r.label; predictions[i] = r.prediction
    }
    return (ids, labels, predictions)
  }

  /// The group keys ["0"], ["1"], … as the CSV's `group` column spells them.
  public static func keys(groups k: Int) -> [[String]] {
    (0..<k).map { [String($0)] }
  }

  /// The CSV text (header `group,label,prediction`) of the data set, as the
  /// Python script writes it.
  public static func csv(rows: Int, groups k: Int, seed: UInt64) -> [UInt8] {
    var out: [UInt8] = Array("group,label,prediction\n".utf8)
    out.reserveCapacity(rows * 10 + 32)
    var digits = [UInt8](repeating: 0, count: 12)
    for i in 0..<rows {
      let r = row(i, seed: seed, groups: k)
      var g = Int(r.group)
      var n = 0
      repeat { digits[n] = UInt8(48 + g % 10); g /= 10; n += 1 } while g > 0
      while n > 0 { n -= 1; out.append(digits[n]) }
      out.append(44); out.append(48 + r.label); out.append(44); out.append(48 + r.prediction); out.append(10)
    }
    return out
  }

  /// Writes `bytes` to a new file in the temporary directory and returns its path.
  public static func writeTemporaryFile(_ bytes: [UInt8], name: String) -> String {
    let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    let path = "\(directory)/cvar-audit-bench-\(getpid())-\(name)"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    precondition(fd >= 0, "cannot create \(path)")
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
        precondition(n > 0, "cannot write \(path)")
        offset += n
      }
    }
    close(fd)
    return path
  }
}
