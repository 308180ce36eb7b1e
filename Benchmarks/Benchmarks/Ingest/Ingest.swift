// Ingest suite: CSV reading (MB/s) and aggregation of in-memory columns
// (rows/s) for K ∈ {16, 256, 4,096, 65,536} groups.
import Benchmark
import BenchmarkData
import BenchmarkTolerances
import CVaRAudit

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .mallocCountTotal],
    warmupIterations: 1,
    maxDuration: .seconds(2),
    maxIterations: 20,
    thresholds: Tolerances.standard([.wallClock, .mallocCountTotal])
  )

  // CSV ingest: 10⁶ rows (about 9 MB), 256 groups.
  let csvRows = 1_000_000
  let csvBytes = SyntheticRows.csv(rows: csvRows, groups: 256, seed: 1)
  let csvPath = SyntheticRows.writeTemporaryFile(csvBytes, name: "ingest.csv")
  let megabytes = Double(csvBytes.count) / 1e6

  Benchmark(
    thresholdName("CSV read, fields only (1e6 rows, MB/s)"),
    configuration: .init(metrics: [.wallClock, .mallocCountTotal, Tolerances.megabytesPerSecond],
                         thresholds: Tolerances.standard([.wallClock, .mallocCountTotal, Tolerances.megabytesPerSecond]))
  ) { benchmark in
    let start = ContinuousClock.now
    let reader = try CSVReader(path: csvPath)
    var fields = 0
    while try reader.next() { fields &+= reader.field(0).count &+ reader.field(2).count }
    blackHole(fields)
    Tolerances.report(benchmark, Tolerances.megabytesPerSecond, amount: megabytes, since: start)
  }

  Benchmark(
    thresholdName("CSV to GroupTable (1e6 rows, K=256, MB/s)"),
    configuration: .init(metrics: [.wallClock, .mallocCountTotal, Tolerances.megabytesPerSecond],
                         thresholds: Tolerances.standard([.wallClock, .mallocCountTotal, Tolerances.megabytesPerSecond]))
  ) { benchmark in
    let start = ContinuousClock.now
    let reader = try CSVReader(path: csvPath)
    let table = try GroupAggregator.aggregate(
      reader, columns: ColumnSelection(groupBy: ["group"], label: "label", prediction: .column("prediction")))
    blackHole(table)
    Tolerances.report(benchmark, Tolerances.megabytesPerSecond, amount: megabytes, since: start)
  }

  Benchmark(
    thresholdName("CSV to GroupTable, two parts in parallel (1e6 rows, K=256, MB/s)"),
    configuration: .init(metrics: [.wallClock, .mallocCountTotal, Tolerances.megabytesPerSecond],
                         thresholds: Tolerances.standard([.wallClock, .mallocCountTotal, Tolerances.megabytesPerSecond]))
  ) { benchmark in
    let start = ContinuousClock.now
    let table = try GroupAggregator.aggregate(
      path: csvPath, columns: ColumnSelection(groupBy: ["group"], label: "label", prediction: .column("prediction")),
      splitAbove: 0)
    blackHole(table)
    Tolerances.report(benchmark, Tolerances.megabytesPerSecond, amount: megabytes, since: start)
  }

  // Aggregation from memory: 10⁷ rows.
  let memoryRows = 10_000_000
  for k in [16, 256, 4_096, 65_536] {
    Benchmark(
      thresholdName("aggregate in memory (1e7 rows, K=\(k), Mrows/s)"),
      configuration: .init(
        metrics: [.wallClock, .mallocCountTotal, Tolerances.megarowsPerSecond],
        thresholds: Tolerances.standard([.wallClock, .mallocCountTotal, Tolerances.megarowsPerSecond])
      )
    ) { (benchmark: Benchmark, data: InMemoryColumns) in
      let start = ContinuousClock.now
      let table = GroupTable.aggregate(attributes: ["group"], keys: data.keys, groupIDs: data.ids,
                                       labels: data.labels, predictions: data.predictions)
      blackHole(table)
      Tolerances.report(benchmark, Tolerances.megarowsPerSecond, amount: Double(memoryRows) / 1e6, since: start)
    } setup: {
      let c = SyntheticRows.columns(rows: memoryRows, groups: k, seed: 1)
      return InMemoryColumns(keys: SyntheticRows.keys(groups: k), ids: c.groupIDs, labels: c.labels,
                             predictions: c.predictions)
    }
  }
}

struct InMemoryColumns {
  var keys: [[String]]
  var ids: [Int32]
  var labels: [UInt8]
  var predictions: [UInt8]
}
