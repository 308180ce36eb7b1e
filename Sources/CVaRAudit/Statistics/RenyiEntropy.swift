import RealModule

/// Rényi entropies of a distribution over groups, in nats.
///
///     H_β(w) = 1/(1 − β) · log Σ_g w_g^β        (β ≥ 0, β ≠ 1)
///     H_0 = log |support|,  H_1 = −Σ w log w,  H_∞ = −log max w
///     ‖w‖_{2/3} = (Σ w_g^{2/3})^{3/2} = exp(H_{2/3}(w)/2)
///
/// H_{2/3} governs the sample complexity of the CVaR test: exp(H_{2/3}) is an
/// effective number of groups (K for uniform weights).
public enum RenyiEntropy {
  /// H_β(w) for β ∈ [0, ∞] (pass `.infinity` for the min-entropy). The weights
  /// are normalised; zero weights are outside the support.
  ///
  /// - Precondition: weights finite, non-negative, with a positive sum; β ≥ 0.
  /// - Complexity: O(K).
  public static func entropy(_ weights: [Double], order beta: Double) -> Double {
    precondition(beta >= 0 && !beta.isNaN, "the order must be ≥ 0")
    let p = normalized(weights)
    let support = p.filter { $0 > 0 }
    if beta == 0 { return Double.log(Double(support.count)) }
    if beta == 1 {
      var h = 0.0
      for x in support { h -= x * Double.log(x) }
      return h
    }
    if beta == .infinity { return -Double.log(support.max()!) }
    // log Σ exp(β log p) with the largest term factored out, so that large β
    // neither overflows nor underflows.
    let logs = support.map { beta * Double.log($0) }
    let largest = logs.max()!
    var sum = 0.0
    for l in logs { sum += Double.exp(l - largest) }
    return (largest + Double.log(sum)) / (1 - beta)
  }

  /// ‖w‖_{2/3} = (Σ w_g^{2/3})^{3/2} of the normalised weights; √K for uniform.
  ///
  /// - Complexity: O(K).
  public static func norm23(_ weights: [Double]) -> Double {
    let p = normalized(weights)
    var sum = 0.0
    for x in p where x > 0 { sum += Double.pow(x, 2.0 / 3) }
    return Double.pow(sum, 1.5)
  }

  /// exp(H_β(w)): the effective number of groups (K for uniform w).
  public static func effectiveNumber(_ weights: [Double], order beta: Double = 2.0 / 3) -> Double {
    Double.exp(entropy(weights, order: beta))
  }

  /// The weights divided by their sum.
  ///
  /// - Precondition: finite, non-negative, with a positive sum.
  /// - Complexity: O(K).
  public static func normalized(_ weights: [Double]) -> [Double] {
    var total = 0.0
    for w in weights {
      precondition(w >= 0 && w.isFinite, "shares and weights must be finite and non-negative")
      total += w
    }
    precondition(total > 0, "shares and weights must have a positive sum")
    return weights.map { $0 / total }
  }
}
