import Testing
@testable import LinearAlgebra

@Suite struct BLASTests {
  @Test func dotProduct() {
    #expect(BLAS.dot([1, 2, 3], [4, 5, 6]) == 32)
    #expect(BLAS.dot([], []) == 0)
  }

  @Test func matrixVectorProduct() {
    // [[1 2 3] [4 5 6]] · [1 0 -1] = [-2, -2]
    let y = BLAS.gemv(rows: 2, columns: 3, [1, 2, 3, 4, 5, 6], [1, 0, -1])
    #expect(y == [-2, -2])
  }

  @Test func matrixProduct() {
    let a: [Double] = [1, 2, 3, 4]  // 2×2
    let b: [Double] = [5, 6, 7, 8]
    var c = [Double](repeating: 0, count: 4)
    a.withUnsafeBufferPointer { ab in
      b.withUnsafeBufferPointer { bb in
        c.withUnsafeMutableBufferPointer { cb in BLAS.gemm(m: 2, n: 2, k: 2, ab, bb, cb) }
      }
    }
    #expect(c == [19, 22, 43, 50])
  }

  /// One thread shuts OpenBLAS's workers down; a large product (which the
  /// pthread build would split across threads) is still right afterwards,
  /// and again after the workers are allowed back.
  /// The thread count is process-wide, which other tests may see: every
  /// count gives the same products here (integers, exact in any order).
  @Test func largeProductAcrossThreadCounts() {
    let n = 256
    let a = (0..<n * n).map { Double($0 % 7) - 3 }
    let b = (0..<n * n).map { Double(($0 * 5) % 11) - 5 }
    var expected = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0..<n { var s = 0.0; for k in 0..<n { s += a[i * n + k] * b[k * n + j] }; expected[i * n + j] = s } }
    for threads in [1, 2, 1] {
      BLAS.setThreadCount(threads)
      var c = [Double](repeating: 0, count: n * n)
      a.withUnsafeBufferPointer { ab in
        b.withUnsafeBufferPointer { bb in
          c.withUnsafeMutableBufferPointer { cb in BLAS.gemm(m: n, n: n, k: n, ab, bb, cb) }
        }
      }
      #expect(c == expected, "threads \(threads)")
    }
  }

  @Test func choleskyFactorsAndSolves() throws {
    // A = [[4 2] [2 3]] = L Lᵀ with L = [[2 0] [1 √2]].
    let l = try LAPACK.cholesky(n: 2, [4, 2, 2, 3])
    #expect(abs(l[0] - 2) < 1e-15 && l[1] == 0 && abs(l[2] - 1) < 1e-15 && abs(l[3] - 2.0.squareRoot()) < 1e-15)
    var b: [Double] = [2, 1 + 2.0.squareRoot()]
    BLAS.solveLowerTriangular(n: 2, l, &b)
    #expect(abs(b[0] - 1) < 1e-15 && abs(b[1] - 1) < 1e-15)
    let x = try LAPACK.solvePositiveDefinite(n: 2, nrhs: 1, [4, 2, 2, 3], [6, 5])
    #expect(abs(x[0] - 1) < 1e-14 && abs(x[1] - 1) < 1e-14)
  }

  @Test func choleskyRejectsIndefiniteMatrix() {
    #expect(throws: LAPACKError(routine: "dpotrf", info: 2)) {
      _ = try LAPACK.cholesky(n: 2, [1, 2, 2, 1])
    }
  }
}
