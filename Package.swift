// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "CVaRAudit",
  platforms: [.macOS(.v13)],
  products: [
    .library(name: "CVaRAudit", targets: ["CVaRAudit"]),
    .library(name: "Distributions", targets: ["Distributions"]),
    .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
    .library(name: "CVaRPlanning", targets: ["CVaRPlanning"]),
    .library(name: "CVaRInference", targets: ["CVaRInference"]),
    .library(name: "CVaRSequential", targets: ["CVaRSequential"]),
    .executable(name: "cvar-audit", targets: ["cvar-audit"]),
    // The shared library of the Python package (python/): a C ABI over the libraries.
    .library(name: "CVaRAuditFFI", type: .dynamic, targets: ["CVaRAuditFFI"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
  ],
  targets: [
    // MARK: - C shim
    // OpenBLAS's CBLAS and netlib LAPACKE (Debian: libopenblas-dev, liblapacke-dev).
    .systemLibrary(
      name: "COpenBLAS",
      providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
    ),

    // MARK: - Libraries
    // The only module that imports COpenBLAS: a thin, Swift-typed layer over it.
    .target(name: "LinearAlgebra", dependencies: ["COpenBLAS"]),
    // Special functions, distributions, quantiles and seeded random variates.
    .target(
      name: "Distributions",
      dependencies: [.product(name: "RealModule", package: "swift-numerics")]
    ),
    // The numerics core: streaming CSV, per-group sufficient statistics,
    // intervals, disparities, CVaR, Rényi entropy.
    .target(
      name: "CVaRAudit",
      dependencies: ["LinearAlgebra", "Distributions", .product(name: "RealModule", package: "swift-numerics")],
      // The CSV is compiled in (Audit/EmbeddedData+CSV.swift, from Scripts/embed_compas.py);
      // the file stays as the source of that and of the tests' fixtures.
      exclude: ["Resources"]
    ),

    // Sample-size planning (closed-form bounds) and the simulation-study engine.
    .target(
      name: "CVaRPlanning",
      dependencies: ["CVaRAudit", "Distributions", "LinearAlgebra", .product(name: "RealModule", package: "swift-numerics")]
    ),
    // Hypothesis tests of a disparity violation: permutation, bound and
    // tolerance calibrations, per-group exact p-values, joint metric tests.
    .target(name: "CVaRInference", dependencies: ["CVaRAudit", "Distributions", "LinearAlgebra"]),

    // Anytime-valid sequential testing (confidence sequences, the sequential
    // L2 test) and the samplers that choose which group to observe next.
    .target(
      name: "CVaRSequential",
      dependencies: ["CVaRAudit", "Distributions", "LinearAlgebra",
                     .product(name: "RealModule", package: "swift-numerics")]
    ),

    // MARK: - Python binding
    // The C ABI the Python package calls with ctypes on numpy buffers: audit,
    // test and plan on in-memory columns, and a sequential monitor; results as JSON.
    .target(
      name: "CVaRAuditFFI",
      dependencies: ["CVaRAudit", "CVaRInference", "CVaRPlanning", "CVaRSequential"]
    ),

    // MARK: - Command-line tool
    .executableTarget(
      name: "cvar-audit",
      dependencies: [
        "CVaRAudit",
        "CVaRPlanning",
        "CVaRInference",
        "CVaRSequential",
        "Distributions",
        "LinearAlgebra",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // MARK: - Tests
    .target(name: "FixtureSupport", path: "Tests/FixtureSupport"),
    .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
    .testTarget(name: "DistributionsTests", dependencies: ["Distributions", "FixtureSupport"]),
    .testTarget(name: "CVaRAuditTests", dependencies: ["CVaRAudit", "FixtureSupport"]),
    .testTarget(name: "CVaRPlanningTests", dependencies: ["CVaRPlanning", "CVaRAudit", "Distributions", "FixtureSupport"]),
    .testTarget(name: "CVaRInferenceTests", dependencies: ["CVaRInference", "FixtureSupport"]),
    .testTarget(name: "CVaRSequentialTests", dependencies: ["CVaRSequential", "CVaRAudit", "Distributions", "FixtureSupport"]),
    .testTarget(name: "CLITests", dependencies: ["FixtureSupport"]),
  ]
)
