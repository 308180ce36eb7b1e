/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit generator used to expand a
/// seed into the state of `Xoshiro256StarStar`, and to derive independent
/// streams (one per replicate or per worker) from one seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  public var state: UInt64
  public init(seed: UInt64) { state = seed }
  @inlinable
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// xoshiro256** (Blackman & Vigna 2018): the project's seeded generator.
///
/// Every random procedure in CVaRAudit takes a seed or an
/// `inout some RandomNumberGenerator`; with this generator the same seed gives
/// the same output on any machine. `init(seed:stream:)` derives independent
/// streams so that parallel work can be split without changing the result.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
  public var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

  /// A generator whose state is SplitMix64's first four outputs from `seed`,
  /// mixed with `stream` so that streams of one seed do not overlap in practice.
  public init(seed: UInt64, stream: UInt64 = 0) {
    var mixer = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
    if stream != 0 { _ = mixer.next() }
    s0 = mixer.next(); s1 = mixer.next(); s2 = mixer.next(); s3 = mixer.next()
    if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
  }

  @inlinable
  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = s3 << 45 | s3 >> 19
    return result
  }
}

extension RandomNumberGenerator {
  /// A uniform double in [0, 1) with 53 random bits.
  @inlinable
  public mutating func nextUnitDouble() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A uniform double in (0, 1): never 0, so its logarithm is finite.
  @inlinable
  public mutating func nextOpenUnitDouble() -> Double {
    (Double(next() >> 12) + 0.5) * 0x1.0p-52
  }
}
