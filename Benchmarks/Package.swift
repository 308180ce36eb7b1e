// swift-tools-version: 6.1
// The benchmark package of CVaRAudit: kept apart from the main package so that
// ordo-one/benchmark (and its build time) stays out of the library's build.
// `make bench` runs the suites against the thresholds in Thresholds/;
// `make compare` runs compare/compare.py (numpy, pandas, fairlearn side by side).
import PackageDescription

let package = Package(
  name: "CVaRAuditBenchmarks",
  platforms: [.macOS(.v13)],
  dependencies: [
    // Named explicitly so that the checkout folder's name does not matter.
    .package(name: "CVaRAudit", path: ".."),
    // The MallocInterposer trait is required: the default traits want a package
    // that has no local copy here.
    .package(url: "https://github.com/ordo-one/package-benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
  ],
  targets: [
    // Deterministic synthetic rows (the same generator as compare/compare.py).
    .target(name: "BenchmarkData", dependencies: [.product(name: "CVaRAudit", package: "CVaRAudit")]),
    // Metrics and threshold tolerances shared by the suites.
    .target(name: "BenchmarkTolerances", dependencies: [.product(name: "Benchmark", package: "package-benchmark")]),
    // Times GroupTable.aggregate on in-memory columns for compare.py.
    .executableTarget(
      name: "aggregate-bench",
      dependencies: ["BenchmarkData", .product(name: "CVaRAudit", package: "CVaRAudit")]
    ),
  ]
)

// One benchmark executable per suite, under Benchmarks/<Suite>/.
for suite in ["Ingest", "Statistics", "Planning", "Inference"] {
  package.targets.append(
    .executableTarget(
      name: suite,
      dependencies: [
        "BenchmarkData",
        "BenchmarkTolerances",
        .product(name: "CVaRAudit", package: "CVaRAudit"),
        .product(name: "CVaRPlanning", package: "CVaRAudit"),
        .product(name: "CVaRInference", package: "CVaRAudit"),
        .product(name: "CVaRSequential", package: "CVaRAudit"),
        .product(name: "Distributions", package: "CVaRAudit"),
        .product(name: "Benchmark", package: "package-benchmark"),
      ],
      path: "Benchmarks/\(suite)",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
    )
  )
}
