/// Fixed-size storage that concurrent work items write into, each item
/// only its own slots (so no two threads touch the same element); read
/// after the work has finished. Shared by the modules of this package
/// (`package` access): the audit's parallel intervals, the permutation
/// chunks and the rejection studies.
package final class SlotBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
  package let pointer: UnsafeMutablePointer<Element>

  /// `count` slots, all `initial`.
  ///
  /// - Complexity: O(count).
  package init(count: Int, initial: Element) {
    pointer = .allocate(capacity: count)
    pointer.initialize(repeating: initial, count: count)
  }

  deinit { pointer.deallocate() }
}

extension SlotBuffer where Element: ExpressibleByIntegerLiteral {
  /// `count` slots, all 0.
  ///
  /// - Complexity: O(count).
  package convenience init(count: Int) { self.init(count: count, initial: 0) }
}
