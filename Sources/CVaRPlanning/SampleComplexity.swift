import Distributions
import RealModule

/// Power (and optionally type I error) of one design at one budget n.
public struct PowerPoint: Sendable, Hashable {
  /// The budget n (rows; two-stage collects J·m ≤ n + J).
  public var samples: Int
  /// Rows actually collected.
  public var rowsCollected: Int
  /// The critical value (Monte-Carlo calibration) or 0 (bound).
  public var criticalValue: Double
  /// Share of alternative replicates that reject, and its Monte-Carlo
  /// standard error √(p̂(1 − p̂)/R).
  public var power: Double
  public var powerStandardError: Double
  /// Share of fresh null replicates that reject, and its standard error
  /// (nil when not measured at this n).
  public var typeIError: Double?
  public var typeIErrorStandardError: Double?
}

/// The empirical sample complexity of one design.
public struct SampleComplexityResult: Sendable, Hashable {
  /// n*: the smallest budget on the search path with power ≥ the target
  /// (nil when even `maximumSamples` falls short).
  public var samples: Int?
  /// The largest budget on the path with power below the target (nil when
  /// the smallest budget tried already reaches it).
  public var bracketLow: Int?
  /// Every evaluated point, by increasing n; the point at n* carries the
  /// type I error measured on fresh null replicates.
  public var points: [PowerPoint]
  /// The point at n* (nil when not found).
  public var atSamples: PowerPoint? { samples.flatMap { n in points.first { $0.samples == n } } }
}

/// How hard to simulate.
public struct SimulationSettings: Sendable, Hashable {
  /// Replicates per power (and type I) estimate.
  public var replicates: Int
  /// Null replicates per Monte-Carlo critical value.
  public var calibrationReplicates: Int
  public var seed: UInt64
  /// The power to reach (1 − β).
  public var targetPower: Double
  /// The bisection stops when hi/lo ≤ this ratio.
  public var tolerance: Double
  public var minimumSamples: Int
  public var maximumSamples: Int

  public init(replicates: Int = 1000, calibrationReplicates: Int = 2000, seed: UInt64 = 1, targetPower: Double = 0.9,
              tolerance: Double = 1.05, minimumSamples: Int = 4, maximumSamples: Int = 1 << 31) {
    precondition(replicates >= 1 && calibrationReplicates >= 1 && targetPower > 0 && targetPower < 1 && tolerance > 1)
    precondition(minimumSamples >= 2 && maximumSamples >= minimumSamples)
    self.replicates = replicates
    self.calibrationReplicates = calibrationReplicates
    self.seed = seed
    self.targetPower = targetPower
    self.tolerance = tolerance
    self.minimumSamples = minimumSamples
    self.maximumSamples = maximumSamples
  }
}

/// Power against n and the empirical sample complexity n*, by a bracketing
/// search: from a starting budget, double (or halve) until power crosses
/// the target, then bisect on the log scale (geometric midpoints) until the
/// bracket's ends are within `tolerance` of each other. About
/// log₂(start/n*) + log₂(log 2/log tolerance) evaluations, not a full grid.
public enum SampleComplexity {
  /// Independent seeds for the three uses of random numbers in a cell.
  enum Role: UInt64 { case calibration = 1, alternative = 2, typeI = 3 }

  static func seed(_ base: UInt64, _ role: Role) -> UInt64 {
    var mixer = SplitMix64(seed: base ^ (role.rawValue &* 0x9E37_79B9_7F4A_7C15))
    return mixer.next()
  }

  /// Power at budget n (and type I error when `measureTypeI`).
  ///
  /// - Complexity: O((R₀ + R(1 + typeI)) · K) variates.
  public static func evaluate(design: SimulationDesign, nullRates: [Double], alternativeRates: [Double],
                              samples n: Int, settings: SimulationSettings, measureTypeI: Bool) -> PowerPoint {
    let critical: Double
    if design.calibration == .monteCarlo {
      let null = ReplicateSimulator.scores(design: design, rates: nullRates, samples: n,
                                           replicates: settings.calibrationReplicates, seed: seed(settings.seed, .calibration))
      critical = ReplicateSimulator.criticalValue(nullScores: null, delta: design.delta)
    } else {
      critical = 0
    }
    let alt = ReplicateSimulator.scores(design: design, rates: alternativeRates, samples: n,
                                        replicates: settings.replicates, seed: seed(settings.seed, .alternative))
    let (power, powerSE) = rejectionRate(alt, critical)
    var point = PowerPoint(samples: n, rowsCollected: design.rowsCollected(samples: n), criticalValue: critical,
                           power: power, powerStandardError: powerSE)
    if measureTypeI {
      let null = ReplicateSimulator.scores(design: design, rates: nullRates, samples: n,
                                           replicates: settings.replicates, seed: seed(settings.seed, .typeI))
      let (t, se) = rejectionRate(null, critical)
      point.typeIError = t
      point.typeIErrorStandardError = se
    }
    return point
  }

  static func rejectionRate(_ scores: [Double], _ critical: Double) -> (Double, Double) {
    let rejections = scores.reduce(0) { $0 + ($1 > critical ? 1 : 0) }
    let p = Double(rejections) / Double(scores.count)
    return (p, (p * (1 - p) / Double(scores.count)).squareRoot())
  }

  /// Where the search starts: the planner's size / 8, within
  /// [minimumSamples, maximumSamples] (the ceiling when the size is infinite).
  public static func startingBudget(bound rows: Double, settings: SimulationSettings) -> Int {
    let eighth = rows / 8
    guard eighth < Double(settings.maximumSamples) else { return settings.maximumSamples }
    return max(settings.minimumSamples, Int(eighth))
  }

  /// The bracketing search for n*, starting at `start`.
  ///
  /// - Complexity: O(log(start/n*) + log(1/log tolerance)) evaluations.
  public static func search(design: SimulationDesign, nullRates: [Double], alternativeRates: [Double],
                            start: Int, settings: SimulationSettings,
                            progress: ((PowerPoint) -> Void)? = nil) -> SampleComplexityResult {
    var points: [Int: PowerPoint] = [:]
    func power(_ n: Int) -> Double {
      if let p = points[n] { return p.power }
      let p = evaluate(design: design, nullRates: nullRates, alternativeRates: alternativeRates, samples: n,
                       settings: settings, measureTypeI: false)
      points[n] = p
      progress?(p)
      return p.power
    }
    let target = settings.targetPower
    var n = min(max(start, settings.minimumSamples), settings.maximumSamples)
    var lo: Int? = nil, hi: Int? = nil
    if power(n) >= target {
      hi = n
      while let h = hi, h > settings.minimumSamples {
        let next = max(settings.minimumSamples, h / 2)
        if power(next) >= target { hi = next } else { lo = next; break }
      }
    } else {
      lo = n
      while hi == nil {
        if n >= settings.maximumSamples { break }
        n = min(settings.maximumSamples, n * 2)
        if power(n) >= target { hi = n } else { lo = n }
      }
    }
    if let l = lo, var h = hi {
      var low = l
      while Double(h) / Double(low) > settings.tolerance && h - low > 1 {
        let mid = min(h - 1, max(low + 1, Int((Double(low) * Double(h)).squareRoot().rounded())))
        if power(mid) >= target { h = mid } else { low = mid }
      }
      lo = low
      hi = h
    }
    if let h = hi {
      // The type I error at n*, on fresh null replicates.
      points[h] = evaluate(design: design, nullRates: nullRates, alternativeRates: alternativeRates, samples: h,
                           settings: settings, measureTypeI: true)
    }
    return SampleComplexityResult(samples: hi, bracketLow: lo,
                                  points: points.values.sorted { $0.samples < $1.samples })
  }
}
