/// A row's group key packed into 28 bytes: the attribute values' bytes
/// concatenated (at most 24 bytes in all) and each value's length in 5 bits
/// (at most 6 attributes). Two rows have equal packed keys exactly
/// when their attribute values are equal, so short keys are compared and
/// hashed in a few instructions, without building the length-prefixed key of
/// `GroupTable` for every row.
struct PackedGroupKey: Equatable {
  /// The most bytes of attribute values a packed key holds.
  static let byteCapacity = 24
  /// The most attributes a packed key holds.
  static let attributeCapacity = 6

  var w0: UInt64 = 0
  var w1: UInt64 = 0
  var w2: UInt64 = 0
  /// Bits 5i..<5i+5 hold the length of value i.
  var lengths: UInt32 = 0

  /// Records that value `i` has `length` bytes.
  @inline(__always)
  mutating func setLength(_ length: Int, of i: Int) {
    lengths |= UInt32(truncatingIfNeeded: length) << (5 * UInt32(truncatingIfNeeded: i))
  }

  /// The hash of the key (multiply–xor of the words, then MurmurHash3's
  /// fmix64 finalizer so that every bit reaches the low bits).
  @inline(__always)
  var hash: UInt64 {
    var h = w0 &* 0x9E37_79B9_7F4A_7C15
    h ^= w1 &* 0xC2B2_AE3D_27D4_EB4F
    h ^= w2 &* 0x1656_67B1_9E37_79F9
    h ^= UInt64(lengths) &* 0x27D4_EB2F_1656_67C5
    h = (h ^ (h >> 33)) &* 0xFF51_AFD7_ED55_8CCD
    h = (h ^ (h >> 33)) &* 0xC4CE_B9FE_1A85_EC53
    return h ^ (h >> 33)
  }
}

/// A hash table from packed keys to group indices: a cache in front of a
/// `GroupTable`'s own index, which needs the length-prefixed key. Open
/// addressing with linear probing, load factor at most ½; memory grows with
/// the number of groups.
struct PackedGroupKeyIndex {
  /// A slot: a key and its group (−1: empty), 32 bytes, so that a lookup
  /// touches one cache line.
  private struct Entry {
    var key = PackedGroupKey()
    var group: Int32 = -1
  }

  private var entries: [Entry]
  private var mask: Int
  private var count = 0

  init() {
    entries = [Entry](repeating: Entry(), count: 64)
    mask = 63
  }

  /// The group of `key`, or nil when it has not been inserted.
  ///
  /// - Complexity: expected O(1).
  @inline(__always)
  func group(of key: PackedGroupKey) -> Int? {
    var slot = Int(truncatingIfNeeded: key.hash) & mask
    while true {
      let entry = entries[slot]
      if entry.group < 0 { return nil }
      if entry.key == key { return Int(entry.group) }
      slot = (slot + 1) & mask
    }
  }

  /// Records that `key` belongs to group `g`.
  ///
  /// - Precondition: `key` is not in the table.
  /// - Complexity: expected O(1), amortized.
  mutating func insert(_ key: PackedGroupKey, group g: Int) {
    if 2 * (count + 1) > entries.count { grow() }
    place(Entry(key: key, group: Int32(g)))
    count += 1
  }

  private mutating func place(_ entry: Entry) {
    var slot = Int(truncatingIfNeeded: entry.key.hash) & mask
    while entries[slot].group >= 0 { slot = (slot + 1) & mask }
    entries[slot] = entry
  }

  private mutating func grow() {
    let old = entries
    entries = [Entry](repeating: Entry(), count: old.count * 2)
    mask = entries.count - 1
    for entry in old where entry.group >= 0 { place(entry) }
  }
}
