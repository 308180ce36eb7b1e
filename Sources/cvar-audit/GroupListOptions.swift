import ArgumentParser
import CVaRAudit

/// The order of the group tables in text output.
enum GroupSort: String, ExpressibleByArgument, CaseIterable, Sendable {
  /// Disparity from largest (the tie rule's order, `DisparityAudit.tailOrder`).
  case disparity
  /// Per-group p-value from smallest (`test` only).
  case p
  /// Rows from most.
  case n
  /// The lower end of the group's simultaneous disparity interval, largest
  /// first: groups shown worse with confidence come before small noisy ones.
  case lowerBound = "lower-bound"
}

/// Which groups the text tables of `audit` and `test` show, and in what
/// order. JSON and CSV output always hold every group.
struct GroupListOptions: ParsableArguments {
  /// Above this many groups the tables show `defaultTop` rows unless --top says otherwise.
  static let allGroupsUpTo = 40
  static let defaultTop = 20

  @Option(range: .shownGroups, help: "Rows in each group table of the text output; 0 shows all. Default: every group when K ≤ \(allGroupsUpTo), else \(defaultTop) (in `test`, at least every group with Holm ≤ δ). JSON and CSV keep every group.", valueName: "N")
  var top: Int?

  @Option(name: .customLong("min-n"), range: .rows, help: "Hide groups with fewer than N rows from the text tables (the footer counts them; JSON and CSV keep them).", valueName: "N")
  var minN: Int = 1

  @Option(help: ArgumentHelp(
    "Order of the text tables: disparity (largest first), p (smallest per-group p-value first; test only), n (most rows first), lower-bound (largest lower end of the simultaneous disparity interval first). Ties keep the disparity order.",
    valueName: "disparity|p|n|lower-bound"))
  var sort: GroupSort = .disparity

  /// Checks that the options fit the command: `--sort p` needs per-group p-values.
  func validate(hasPValues: Bool) throws {
    if sort == .p && !hasPValues {
      throw ValidationError("--sort p orders by per-group p-values, which `audit` does not compute; use `cvar-audit test`, or --sort disparity|n|lower-bound")
    }
  }

  var settings: GroupListSettings { GroupListSettings(top: top, minN: minN, sort: sort) }
}

/// The values of `GroupListOptions`, for the renderers (and their defaults
/// for callers without options, such as the tests).
struct GroupListSettings: Sendable {
  var top: Int? = nil
  var minN = 1
  var sort = GroupSort.disparity

  /// The number of rows a table of `count` groups shows.
  func limit(groups count: Int) -> Int {
    switch top {
    case .some(0): Int.max
    case .some(let n): n
    case .none: count <= GroupListOptions.allGroupsUpTo ? Int.max : GroupListOptions.defaultTop
    }
  }
}

/// The rows of one group table: `items` in the chosen order, those under
/// --min-n left out, cut at --top.
struct GroupListing<Item> {
  var shown: [Item]
  /// Groups left out for having fewer than --min-n rows.
  var small: Int
  /// Groups left out by --top (after --min-n).
  var more: Int

  /// - Parameters:
  ///   - items: in the disparity order (the tie rule's), which breaks ties of any other order.
  ///   - rows: an item's n; `keyValue`: the value --sort orders by (larger first unless `ascending`).
  ///   - applyMinN: false for a table that --min-n does not thin (the significant groups).
  ///   - atLeast: rows shown by default whatever K (without --top): the Holm-significant groups.
  /// - Complexity: O(K log K).
  init(_ items: [Item], options: GroupListSettings, rows: (Item) -> Int, sortValue: ((Item) -> Double)? = nil,
       ascending: Bool = false, applyMinN: Bool = true, atLeast: Int = 0) {
    var kept = applyMinN ? items.filter { rows($0) >= options.minN } : items
    small = items.count - kept.count
    if let sortValue {
      // NaN last; equal values keep the disparity order (the sort key includes the position).
      let values = kept.map(sortValue)
      let order = kept.indices.sorted { a, b in
        let x = values[a], y = values[b]
        if x.isNaN != y.isNaN { return y.isNaN }
        if !x.isNaN && x != y { return ascending ? x < y : x > y }
        return a < b
      }
      kept = order.map { kept[$0] }
    }
    let limit = options.top == nil ? max(options.limit(groups: items.count), atLeast) : options.limit(groups: items.count)
    shown = Array(kept.prefix(limit))
    more = kept.count - shown.count
  }

  /// The footer under the table ("… 3,143 more groups; …"), or "" when every group is shown.
  /// `formats` names the outputs that hold every group.
  func footer(noun: String = "group", formats: String, minN: Int) -> String {
    guard more > 0 || small > 0 else { return "" }
    var parts: [String] = []
    if more > 0 { parts.append("… \(CountText.counted(more, "more \(noun)"))") }
    if small > 0 { parts.append("\(CountText.counted(small, noun)) with fewer than \(AuditRendering.grouped(minN)) rows hidden (--min-n)") }
    var hint = [String]()
    if more > 0 { hint.append("--top 0 for all") }
    if small > 0 { hint.append("--min-n 1 to show small groups") }
    hint.append("--format \(formats)")
    return parts.joined(separator: "; ") + "; use " + hint.joined(separator: ", or ") + "\n"
  }
}

extension NumericRange {
  /// Rows of a group table: 0 (all) to 10⁹.
  static let shownGroups = integers(0, 1_000_000_000)
}
