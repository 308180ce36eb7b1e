import RealModule

/// A beta prior over group rates, μ_g ~ Beta(a, b), written as its mean m = a/(a + b) and its
/// concentration s = a + b (a prior "worth" s rows).
public struct BetaPrior: Hashable, Sendable {
  /// m = a/(a + b).
  public var mean: Double
  /// s = a + b. At the upper end of the fitted range (`EmpiricalBayes.maximumConcentration`) the
  /// data show no spread of rates beyond binomial noise and every group is shrunk to `mean`.
  public var concentration: Double

  public init(mean: Double, concentration: Double) {
    self.mean = mean
    self.concentration = concentration
  }

  /// a = m s.
  public var a: Double { mean * concentration }
  /// b = (1 − m) s.
  public var b: Double { (1 - mean) * concentration }
}

/// Empirical-Bayes (beta-binomial) shrinkage of group rates (method §12).
///
/// Model: x_g | μ_g ~ Binomial(n_g, μ_g), μ_g ~ Beta(a, b) independently. The prior is fitted by
/// maximum marginal likelihood,
///
///     ℓ(a, b) = Σ_g [ log B(x_g + a, n_g − x_g + b) − log B(a, b) ],
///
/// and each group's rate is replaced by its posterior mean
///
///     μ̃_g = (x_g + a) / (n_g + a + b) = λ_g μ̂_g + (1 − λ_g) m,   λ_g = n_g / (n_g + s),
///
/// so a group of one row moves most of the way to the prior mean and a large group barely moves.
/// This is the estimator that "small cells are noisy" calls for: the plug-in CVaR of raw rates is
/// biased upward because noise in tiny groups fills the tail; the CVaR of posterior means is not a
/// test (its null calibration is the permutation test's job) but a less noisy estimate of how large
/// the disparities are.
public enum EmpiricalBayes {
  /// The fitted concentration's range: [1e-4, 1e9].
  public static let minimumConcentration = 1e-4
  public static let maximumConcentration = 1e9

  /// Maximum-marginal-likelihood beta prior for success counts `successes[g]` out of `trials[g]`.
  ///
  /// Groups with no trial carry no information and are skipped. Returns nil when fewer than two
  /// groups have a trial, or when every observed rate is 0, or every one is 1 (the prior mean is
  /// then on the boundary and the beta family has no maximiser).
  ///
  /// The likelihood is maximised over (logit m, log s) by Nelder–Mead from the pooled rate,
  /// restarted six times from its best point; groups with equal (x, n) are evaluated once. Nelder–Mead is
  /// written here because none of the packages this project may use offers an optimiser, and a
  /// two-parameter smooth likelihood needs no more.
  ///
  /// - Precondition: one count per group, 0 ≤ successes ≤ trials.
  /// - Complexity: O(P · I) for P distinct (x, n) pairs and I ≤ 5,000 likelihood evaluations.
  public static func fit(successes: [Int], trials: [Int]) -> BetaPrior? {
    precondition(successes.count == trials.count, "one success count per group")
    var pairs: [Pair: Int] = [:]
    var totalSuccesses = 0, totalTrials = 0, groups = 0
    for (x, n) in zip(successes, trials) {
      precondition(x >= 0 && x <= n, "success counts must lie in 0...trials")
      guard n > 0 else { continue }
      pairs[Pair(successes: x, trials: n), default: 0] += 1
      totalSuccesses += x
      totalTrials += n
      groups += 1
    }
    guard groups >= 2, totalSuccesses > 0, totalSuccesses < totalTrials else { return nil }
    let table = pairs.map { ($0.key, Double($0.value)) }.sorted { ($0.0.trials, $0.0.successes) < ($1.0.trials, $1.0.successes) }
    let pooled = Double(totalSuccesses) / Double(totalTrials)

    func negativeLogLikelihood(_ p: SIMD2<Double>) -> Double {
      let m = 1 / (1 + Double.exp(-p.x))
      let s = Double.exp(min(max(p.y, Double.log(minimumConcentration)), Double.log(maximumConcentration)))
      let a = m * s, b = (1 - m) * s
      guard a > 0, b > 0, a.isFinite, b.isFinite else { return .infinity }
      var total = 0.0
      for (pair, multiplicity) in table {
        let x = pair.successes, n = pair.trials
        total += multiplicity * (logRising(a, x) + logRising(b, n - x) - logRising(s, n))
      }
      // A soft wall outside the concentration range keeps the search inside it.
      let outside = max(0, p.y - Double.log(maximumConcentration)) + max(0, Double.log(minimumConcentration) - p.y)
      return -total + outside * outside * 1e6
    }

    let start = SIMD2(Double.log(pooled / (1 - pooled)), Double.log(10.0))
    var best = nelderMead(negativeLogLikelihood, start: start, step: 1)
    var value = negativeLogLikelihood(best)
    // Restarts from the best point with fresh simplices (a Nelder–Mead simplex can collapse in
    // the narrow valley that large counts give before it reaches the optimum).
    for step in [0.5, 0.1, 0.5, 0.02, 0.1, 0.004] {
      let next = nelderMead(negativeLogLikelihood, start: best, step: step)
      let nextValue = negativeLogLikelihood(next)
      if nextValue < value {
        best = next
        value = nextValue
      }
    }
    let m = 1 / (1 + Double.exp(-best.x))
    let s = min(max(Double.exp(best.y), minimumConcentration), maximumConcentration)
    return BetaPrior(mean: m, concentration: s)
  }

  /// The log marginal likelihood ℓ(a, b) of the counts under `prior` (groups with no trial add 0).
  ///
  /// - Complexity: O(K) (O(K + Σ min(x, 64)) for the exact short sums).
  public static func logMarginalLikelihood(successes: [Int], trials: [Int], prior: BetaPrior) -> Double {
    var total = 0.0
    for (x, n) in zip(successes, trials) where n > 0 {
      total += logRising(prior.a, x) + logRising(prior.b, n - x) - logRising(prior.concentration, n)
    }
    return total
  }

  /// Posterior means μ̃_g = (x_g + a)/(n_g + a + b); NaN for a group with no trial.
  ///
  /// - Complexity: O(K).
  public static func posteriorMeans(successes: [Int], trials: [Int], prior: BetaPrior) -> [Double] {
    zip(successes, trials).map { x, n in
      n > 0 ? (Double(x) + prior.a) / (Double(n) + prior.concentration) : .nan
    }
  }

  /// log Γ(a + k) − log Γ(a), the log of the rising factorial a (a + 1) ⋯ (a + k − 1).
  ///
  /// Summed term by term for k ≤ 64, where a difference of log-gammas would cancel badly when a is
  /// large (a huge concentration means a nearly binomial likelihood), and as that difference above.
  @inlinable
  static func logRising(_ a: Double, _ k: Int) -> Double {
    if k <= 64 {
      var product = 1.0, total = 0.0
      for i in 0..<k {
        product *= a + Double(i)
        if product > 1e250 || product < 1e-250 { total += Double.log(product); product = 1 }
      }
      return total + Double.log(product)
    }
    return Double.logGamma(a + Double(k)) - Double.logGamma(a)
  }

  /// A distinct (x, n) pair.
  struct Pair: Hashable { var successes: Int; var trials: Int }

  /// Nelder–Mead minimisation in two dimensions (reflection 1, expansion 2, contraction ½,
  /// shrink ½), stopped when the simplex's values agree to 1e-12 relative or after 1,000 steps.
  static func nelderMead(_ f: (SIMD2<Double>) -> Double, start: SIMD2<Double>, step: Double) -> SIMD2<Double> {
    var points = [start, start + SIMD2(step, 0), start + SIMD2(0, step)]
    var values = points.map(f)
    for _ in 0..<1_000 {
      let order = [0, 1, 2].sorted { values[$0] < values[$1] }
      points = order.map { points[$0] }
      values = order.map { values[$0] }
      if abs(values[2] - values[0]) <= 1e-12 * (abs(values[0]) + 1e-12) { break }
      let centroid = (points[0] + points[1]) / 2
      let reflected = centroid + (centroid - points[2])
      let fr = f(reflected)
      if fr < values[0] {
        let expanded = centroid + 2 * (centroid - points[2])
        let fe = f(expanded)
        if fe < fr { points[2] = expanded; values[2] = fe } else { points[2] = reflected; values[2] = fr }
      } else if fr < values[1] {
        points[2] = reflected; values[2] = fr
      } else {
        let contracted = fr < values[2] ? centroid + (reflected - centroid) / 2 : centroid + (points[2] - centroid) / 2
        let fc = f(contracted)
        if fc < min(fr, values[2]) {
          points[2] = contracted; values[2] = fc
        } else {
          for i in 1...2 {
            points[i] = points[0] + (points[i] - points[0]) / 2
            values[i] = f(points[i])
          }
        }
      }
    }
    return points[values.indices.min { values[$0] < values[$1] }!]
  }
}
