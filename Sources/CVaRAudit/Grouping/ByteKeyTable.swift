#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An interning hash table from byte strings to dense indices 0, 1, 2, ….
///
/// Hand-written: `Dictionary<String, Int>` would build a `String` per row,
/// which measured several times slower than the rest of the per-row work.
/// Keys are copied once into one arena, so memory grows with the number of
/// distinct keys (groups), never with the number of rows. Open addressing
/// with linear probing, load factor at most ½.
public struct ByteKeyTable: Sendable {
  private var arena: [UInt8] = []
  private var offsets: [Int] = [0]
  private var hashes: [UInt64] = []
  private var slots: [Int32]
  private var mask: Int

  public init(minimumCapacity: Int = 64) {
    var size = 16
    while size < 2 * minimumCapacity { size <<= 1 }
    slots = [Int32](repeating: -1, count: size)
    mask = size - 1
  }

  /// The number of distinct keys.
  public var count: Int { hashes.count }

  /// The bytes of key `index`.
  public func key(_ index: Int) -> ArraySlice<UInt8> {
    arena[offsets[index]..<offsets[index + 1]]
  }

  /// A 64-bit hash of the bytes, eight at a time (multiply–rotate mixing).
  @inlinable
  static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
    var i = 0
    let raw = UnsafeRawBufferPointer(key)
    while i + 8 <= key.count {
      let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
      h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
      h = h << 31 | h >> 33
      i += 8
    }
    // The last 1–7 bytes, little-endian, in one copy.
    var tail: UInt64 = 0
    if i < key.count {
      withUnsafeMutableBytes(of: &tail) { t in
        t.baseAddress!.copyMemory(from: raw.baseAddress! + i, byteCount: key.count - i)
      }
      tail = UInt64(littleEndian: tail)
    }
    // MurmurHash3's fmix64 finalizer: every input bit reaches the low bits
    // that pick the slot (a single multiply left short keys, whose low bytes
    // are the length prefix, in long probe chains).
    h ^= tail
    h = (h ^ (h >> 33)) &* 0xFF51_AFD7_ED55_8CCD
    h = (h ^ (h >> 33)) &* 0xC4CE_B9FE_1A85_EC53
    return h ^ (h >> 33)
  }

  /// The index of `key`, inserting it with the next index when new.
  ///
  /// - Complexity: expected O(key length).
  public mutating func index(of key: UnsafeBufferPointer<UInt8>) -> Int {
    let h = ByteKeyTable.hash(key)
    var slot = Int(truncatingIfNeeded: h) & mask
    while true {
      let entry = slots[slot]
      if entry < 0 { break }
      let e = Int(entry)
      if hashes[e] == h && equal(e, key) { return e }
      slot = (slot + 1) & mask
    }
    let index = hashes.count
    hashes.append(h)
    arena.append(contentsOf: key)
    offsets.append(arena.count)
    slots[slot] = Int32(index)
    if 2 * hashes.count > slots.count { grow() }
    return index
  }

  /// The index of `key` when present.
  public func existingIndex(of key: UnsafeBufferPointer<UInt8>) -> Int? {
    let h = ByteKeyTable.hash(key)
    var slot = Int(truncatingIfNeeded: h) & mask
    while true {
      let entry = slots[slot]
      if entry < 0 { return nil }
      let e = Int(entry)
      if hashes[e] == h && equal(e, key) { return e }
      slot = (slot + 1) & mask
    }
  }

  private func equal(_ index: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
    let lo = offsets[index]
    let hi = offsets[index + 1]
    guard hi - lo == key.count else { return false }
    if key.isEmpty { return true }
    return arena.withUnsafeBufferPointer { a in memcmp(a.baseAddress! + lo, key.baseAddress!, key.count) == 0 }
  }

  private mutating func grow() {
    let size = slots.count * 2
    slots = [Int32](repeating: -1, count: size)
    mask = size - 1
    for (index, h) in hashes.enumerated() {
      var slot = Int(truncatingIfNeeded: h) & mask
      while slots[slot] >= 0 { slot = (slot + 1) & mask }
      slots[slot] = Int32(index)
    }
  }
}
