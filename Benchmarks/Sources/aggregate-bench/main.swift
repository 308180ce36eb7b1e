// aggregate-bench: times GroupTable.aggregate on in-memory columns generated
// with SyntheticRows (the same rows as compare/compare.py), so that Swift's
// in-memory aggregation can be compared with np.bincount on the same N and K
// in one run. Prints one JSON object.
//
//   aggregate-bench --rows N --groups K [--seed S] [--repeats R] [--counts]
import BenchmarkData
import CVaRAudit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func usage() -> Never {
  let message = "usage: aggregate-bench --rows N --groups K [--seed S] [--repeats R] [--counts]\n"
  _ = message.withCString { write(2, $0, strlen($0)) }
  exit(2)
}

var rows = 1_000_000
var groups = 16
var seed: UInt64 = 20_240_601
var repeats = 5
var printCounts = false
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
  if flag == "--counts" { printCounts = true; continue }
  guard let value = arguments.popFirst() else { usage() }
  switch flag {
  case "--rows": guard let v = Int(value), v > 0 else { usage() }; rows = v
  case "--groups": guard let v = Int(value), v > 0, v <= 1 << 24 else { usage() }; groups = v
  case "--seed": guard let v = UInt64(value) else { usage() }; seed = v
  case "--repeats": guard let v = Int(value), v > 0 else { usage() }; repeats = v
  default: usage()
  }
}

func now() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_MONOTONIC, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

let t0 = now()
let columns = SyntheticRows.columns(rows: rows, groups: groups, seed: seed)
let keys = SyntheticRows.keys(groups: groups)
let generation = now() - t0

var times: [Double] = []
var table: GroupTable? = nil
for _ in 0..<repeats {
  let start = now()
  let t = GroupTable.aggregate(attributes: ["group"], keys: keys, groupIDs: columns.groupIDs,
                               labels: columns.labels, predictions: columns.predictions)
  times.append(now() - start)
  table = t
}
let result = table!
var checksum = 0
for (i, c) in result.confusion.enumerated() { checksum = checksum &+ c &* (i + 1) }

var json = "{\"rows\": \(rows), \"groups\": \(groups), \"seed\": \(seed), \"generation_seconds\": \(generation)"
json += ", \"seconds\": [\(times.map { "\($0)" }.joined(separator: ", "))], \"best_seconds\": \(times.min()!)"
json += ", \"checksum\": \(checksum)"
if printCounts { json += ", \"counts\": [\(result.confusion.map(String.init).joined(separator: ", "))]" }
json += "}"
print(json)
