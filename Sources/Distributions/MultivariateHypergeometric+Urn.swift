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
  /// once here; a draw walks the K − 1 blocks level by level with no
  /// recursion and no summing. The law is the multivariate hypergeometric: each split
  /// is the conditional law of the left half's count given the block's
  /// count.
  public struct Urn: Sendable {
    /// A block of two or more colours.
    @usableFromInline struct Block: Sendable {
      /// Indices of the child blocks, or −1 − c for the single colour c.
      @usableFromInline let left: Int, right: Int
      /// N = items in the block, K = items in its left half.
      @usableFromInline let population: Hypergeometric.Population
    }

    /// The colour counts.
    public let colours: [Int]
    /// Σ colours.
    public let total: Int
    /// The blocks level by level (breadth first): the children of level l's
    /// blocks are the blocks of level l + 1.
    @usableFromInline let blocks: [Block]
    /// Where each level starts in `blocks`, then `blocks.count`.
    @usableFromInline let levelStarts: [Int]
    /// The number of blocks in the widest level.
    @usableFromInline let width: Int

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
      var blocks: [Block] = []
      blocks.reserveCapacity(max(0, colours.count - 1))
      var levelStarts: [Int] = []
      var level = colours.count > 1 ? [(0, colours.count)] : []
      while !level.isEmpty {
        let nextStart = blocks.count + level.count
        levelStarts.append(blocks.count)
        var next: [(Int, Int)] = []
        for (lo, hi) in level {
          let mid = (lo + hi) / 2
          func child(_ lo: Int, _ hi: Int) -> Int {
            if hi - lo == 1 { return -1 - lo }
            next.append((lo, hi))
            return nextStart + next.count - 1
          }
          let left = child(lo, mid)
          let right = child(mid, hi)
          blocks.append(Block(left: left, right: right,
                              population: Hypergeometric.Population(size: prefix[hi] - prefix[lo],
                                                                    successes: prefix[mid] - prefix[lo])))
        }
        level = next
      }
      width = levelStarts.indices.map { i in (i + 1 < levelStarts.count ? levelStarts[i + 1] : blocks.count) - levelStarts[i] }.max() ?? 0
      levelStarts.append(blocks.count)
      self.blocks = blocks
      self.levelStarts = levelStarts
    }

    /// Scratch space for draws from one urn: reused across draws (e.g. one
    /// per permutation test), it keeps the allocator out of the draw.
    public struct Workspace: Sendable {
      @usableFromInline var integers: [Int]
      @usableFromInline var hats: [Hypergeometric.RatioOfUniforms]
      @usableFromInline var reals: [Double]
    }

    /// A workspace sized for this urn.
    ///
    /// - Complexity: O(C).
    public func makeWorkspace() -> Workspace {
      Workspace(integers: [Int](repeating: 0, count: blocks.count + 2 * width),
                hats: [Hypergeometric.RatioOfUniforms](repeating: .init(), count: width),
                reals: [Double](repeating: 0, count: 2 * width))
    }

    /// One draw of `draws` items into `counts` (one entry per colour).
    ///
    /// - Precondition: 0 ≤ draws ≤ total, `counts.count == colours.count`.
    /// - Complexity: at most C − 1 hypergeometric variates, and O(C) to allocate a workspace.
    @inlinable
    public func sample(draws: Int, into counts: UnsafeMutableBufferPointer<Int>,
                       using generator: inout some RandomNumberGenerator) {
      var workspace = makeWorkspace()
      sample(draws: draws, into: counts, workspace: &workspace, using: &generator)
    }

    /// One draw of `draws` items into `counts` (one entry per colour), with
    /// scratch space from `workspace` (made by this urn's `makeWorkspace()`).
    ///
    /// The blocks of one level are independent given their counts, so their
    /// hypergeometric variates are drawn together: the trivial ones and
    /// those by inversion first, then the ratio-of-uniforms ones in rounds,
    /// one trial for each still-rejected block per round. Each block's trials
    /// use their own fresh uniforms, independent of every other block's, so
    /// each accepted value has its exact conditional law; the rounds let the
    /// processor overlap the trials of different blocks.
    ///
    /// - Precondition: 0 ≤ draws ≤ total, `counts.count == colours.count`.
    /// - Complexity: at most C − 1 hypergeometric variates.
    @inlinable
    public func sample(draws: Int, into counts: UnsafeMutableBufferPointer<Int>, workspace: inout Workspace,
                       using generator: inout some RandomNumberGenerator) {
      precondition(counts.count == colours.count, "one count per colour")
      precondition(draws >= 0 && draws <= total, "cannot draw more items than the urn holds")
      precondition(workspace.integers.count == blocks.count + 2 * width && workspace.hats.count == width,
                   "a workspace made by this urn")
      if blocks.isEmpty { counts[0] = draws; return }
      let lf = LogFactorial.pointer, logarithms = LogarithmBounds.table
      blocks.withUnsafeBufferPointer { blocks in
        workspace.integers.withUnsafeMutableBufferPointer { integers in
          workspace.hats.withUnsafeMutableBufferPointer { hats in
            workspace.reals.withUnsafeMutableBufferPointer { reals in
              let uniforms = reals.baseAddress!, points = uniforms + width
              let pending = integers.baseAddress!            // the count of each block
              let values = pending + blocks.count           // the variate of each block of the level
              let waiting = values + width                   // the blocks still in rejection rounds
              // A local copy of the generator stays in registers through the loops.
              var random = generator
              defer { generator = random }
              pending[0] = draws
              for level in 0..<(levelStarts.count - 1) {
                let start = levelStarts[level], end = levelStarts[level + 1]
                var rejected = 0
                for i in start..<end {
                  let population = blocks[i].population
                  let n = population.size, m = population.successes, d = pending[i]
                  if m == 0 || d == 0 { values[i - start] = 0; continue }
                  if m == n { values[i - start] = d; continue }
                  if d == n { values[i - start] = m; continue }
                  let drawn = min(d, n - d)
                  if drawn <= 15 {
                    values[i - start] = population.restore(
                      Hypergeometric.inversion(population: n, successes: population.marked, draws: drawn, using: &random),
                      draws: d, drawn: drawn)
                    continue
                  }
                  hats[i - start] = Hypergeometric.RatioOfUniforms(population, draws: drawn, table: lf)
                  waiting[rejected] = i - start
                  rejected += 1
                }
                // Rounds in two passes: the proposals, then the decisions.
                while rejected > 0 {
                  for j in 0..<rejected {
                    let u = random.nextOpenUnitDouble()
                    uniforms[j] = u
                    points[j] = hats[waiting[j]].point(u: u, v: random.nextUnitDouble())
                  }
                  var still = 0
                  for j in 0..<rejected {
                    let w = waiting[j]
                    let k = hats[w].decide(points[j], u: uniforms[j], table: lf, logarithms: logarithms)
                    values[w] = k
                    waiting[still] = w
                    still += k < 0 ? 1 : 0
                  }
                  rejected = still
                }
                for i in start..<end {
                  let block = blocks[i], d = pending[i]
                  let population = block.population
                  var x = values[i - start]
                  if d > 0 && d < population.size && population.successes > 0 && population.successes < population.size {
                    let drawn = min(d, population.size - d)
                    if drawn > 15 { x = population.restore(x, draws: d, drawn: drawn) }
                  }
                  if block.left < 0 { counts[-1 - block.left] = x } else { pending[block.left] = x }
                  if block.right < 0 { counts[-1 - block.right] = d - x } else { pending[block.right] = d - x }
                }
              }
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
