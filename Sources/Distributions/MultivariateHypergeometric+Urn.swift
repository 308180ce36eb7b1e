extension MultivariateHypergeometric {
  /// An urn with fixed colour counts, prepared for many draws (e.g. the B
  /// permutations of a test, which all share the group sizes).
  ///
  /// A draw deals d items by halving: the colours [lo, hi) holding N items
  /// receive d of them, the left half [lo, mid) with L items gets
  /// X ~ H(N, L, d) of them, the right half d − X, and each half is split
  /// again down to single colours. The tree of blocks, their sizes N and L
  /// and the per-(N, L) constants of the hypergeometric sampler
  /// (`Hypergeometric.Population`) do not depend on d, so they are built
  /// once here; a draw walks the K − 1 blocks in preorder with no recursion
  /// and no summing. The law is the multivariate hypergeometric: each split
  /// is the conditional law of the left half's count given the block's
  /// count.
  public struct Urn: Sendable {
    /// A block of two or more colours.
    @usableFromInline struct Block: Sendable {
      @usableFromInline let lo: Int, mid: Int, hi: Int
      /// One past the last block of this block's subtree (preorder).
      @usableFromInline let end: Int
      /// Indices of the child blocks, −1 for a single colour.
      @usableFromInline let left: Int, right: Int
      /// N = items in [lo, hi), K = items in [lo, mid).
      @usableFromInline let population: Hypergeometric.Population
    }

    /// The colour counts.
    public let colours: [Int]
    /// Σ colours.
    public let total: Int
    @usableFromInline let blocks: [Block]

    /// - Precondition: at least one colour; colour counts non-negative.
    /// - Complexity: O(C).
    public init(colours: [Int]) {
      precondition(!colours.isEmpty, "an urn needs at least one colour")
      precondition(colours.allSatisfy { $0 >= 0 }, "colour counts must be non-negative")
      self.colours = colours
      var prefix = [0]
      prefix.reserveCapacity(colours.count + 1)
      for c in colours { prefix.append(prefix[prefix.count - 1] + c) }
      total = prefix[colours.count]
      var blocks: [Block?] = []
      blocks.reserveCapacity(max(0, colours.count - 1))
      func build(_ lo: Int, _ hi: Int) -> Int {
        if hi - lo == 1 { return -1 }
        let index = blocks.count
        blocks.append(nil)
        let mid = (lo + hi) / 2
        let left = build(lo, mid)
        let right = build(mid, hi)
        blocks[index] = Block(lo: lo, mid: mid, hi: hi, end: blocks.count, left: left, right: right,
                              population: Hypergeometric.Population(size: prefix[hi] - prefix[lo],
                                                                    successes: prefix[mid] - prefix[lo]))
        return index
      }
      _ = build(0, colours.count)
      self.blocks = blocks.map { $0! }
    }

    /// One draw of `draws` items into `counts` (one entry per colour).
    ///
    /// - Precondition: 0 ≤ draws ≤ total, `counts.count == colours.count`.
    /// - Complexity: at most C − 1 hypergeometric variates.
    @inlinable
    public func sample(draws: Int, into counts: UnsafeMutableBufferPointer<Int>,
                       using generator: inout some RandomNumberGenerator) {
      precondition(counts.count == colours.count, "one count per colour")
      precondition(draws >= 0 && draws <= total, "cannot draw more items than the urn holds")
      if blocks.isEmpty { counts[0] = draws; return }
      colours.withUnsafeBufferPointer { colours in
        blocks.withUnsafeBufferPointer { blocks in
          withUnsafeTemporaryAllocation(of: Int.self, capacity: blocks.count) { pending in
            pending[0] = draws
            var i = 0
            while i < blocks.count {
              let block = blocks[i]
              let d = pending[i]
              if d == 0 || d == block.population.size {
                for c in block.lo..<block.hi { counts[c] = d == 0 ? 0 : colours[c] }
                i = block.end
                continue
              }
              let x = block.population.sample(draws: d, using: &generator)
              if block.left < 0 { counts[block.lo] = x } else { pending[block.left] = x }
              if block.right < 0 { counts[block.mid] = d - x } else { pending[block.right] = d - x }
              i += 1
            }
          }
        }
      }
    }

    /// One draw, returned as an array.
    ///
    /// - Complexity: at most C − 1 hypergeometric variates.
    public func sample(draws: Int, using generator: inout some RandomNumberGenerator) -> [Int] {
      var counts = [Int](repeating: 0, count: colours.count)
      counts.withUnsafeMutableBufferPointer { sample(draws: draws, into: $0, using: &generator) }
      return counts
    }
  }
}
