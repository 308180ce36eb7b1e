import COpenBLAS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin, Swift-typed wrappers over OpenBLAS's CBLAS.
///
/// This module is the only one that imports the C shim. Matrices are dense,
/// row-major, `Double`. Results of level-2/3 routines can differ in the last
/// bits between OpenBLAS kernels and thread counts: compare them with a
/// tolerance.
public enum BLAS {
  /// The number of threads OpenBLAS may use for one call
  /// (`openblas_get_num_threads`).
  public static var threadCount: Int { Int(openblas_get_num_threads()) }

  /// Sets the number of threads OpenBLAS may use for one call
  /// (`openblas_set_num_threads`). With one, the worker threads that the
  /// pthread build of OpenBLAS starts when it loads are also shut down
  /// (`blas_thread_shutdown_`, looked up at run time because the serial
  /// and OpenMP builds may not export it): `openblas_set_num_threads(1)`
  /// alone leaves them polling with `sched_yield` for about 2²⁸ cycles
  /// after the load, which measured at ~0.1 s of CPU per process and took a
  /// core from the caller's own threads. Should a later call want more
  /// threads, OpenBLAS starts its workers again.
  ///
  /// - Precondition: n ≥ 1.
  public static func setThreadCount(_ n: Int) {
    precondition(n >= 1, "at least one thread")
    openblas_set_num_threads(Int32(n))
    if n == 1, let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") {
      typealias Shutdown = @convention(c) () -> Int32
      _ = unsafeBitCast(symbol, to: Shutdown.self)()
    }
  }

  /// The dot product Σᵢ xᵢ yᵢ (`cblas_ddot`).
  ///
  /// - Complexity: O(n).
  @inlinable
  public static func dot(_ x: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> Double {
    precondition(x.count == y.count, "dot: lengths differ")
    guard let xp = x.baseAddress, let yp = y.baseAddress, !x.isEmpty else { return 0 }
    return cblas_ddot(Int32(x.count), xp, 1, yp, 1)
  }

  /// The dot product Σᵢ xᵢ yᵢ of two arrays (`cblas_ddot`).
  ///
  /// - Complexity: O(n).
  @inlinable
  public static func dot(_ x: [Double], _ y: [Double]) -> Double {
    x.withUnsafeBufferPointer { xb in y.withUnsafeBufferPointer { yb in dot(xb, yb) } }
  }

  /// y ← a·x + y (`cblas_daxpy`).
  ///
  /// - Complexity: O(n).
  @inlinable
  public static func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
    precondition(x.count == y.count, "axpy: lengths differ")
    guard !x.isEmpty else { return }
    x.withUnsafeBufferPointer { xb in
      y.withUnsafeMutableBufferPointer { yb in
        cblas_daxpy(Int32(xb.count), a, xb.baseAddress, 1, yb.baseAddress, 1)
      }
    }
  }

  /// y ← α·A·x + β·y for a row-major `rows × columns` matrix A (`cblas_dgemv`).
  ///
  /// - Complexity: O(rows · columns).
  @inlinable
  public static func gemv(
    rows: Int, columns: Int, alpha: Double = 1,
    _ a: UnsafeBufferPointer<Double>, _ x: UnsafeBufferPointer<Double>,
    beta: Double = 0, _ y: UnsafeMutableBufferPointer<Double>
  ) {
    precondition(a.count >= rows * columns && x.count == columns && y.count == rows, "gemv: shapes differ")
    guard rows > 0 else { return }
    if columns == 0 {
      for i in 0..<rows { y[i] *= beta }
      return
    }
    cblas_dgemv(
      CblasRowMajor, CblasNoTrans, Int32(rows), Int32(columns), alpha,
      a.baseAddress, Int32(columns), x.baseAddress, 1, beta, y.baseAddress, 1)
  }

  /// A·x for a row-major `rows × columns` matrix A given as an array (`cblas_dgemv`).
  ///
  /// - Complexity: O(rows · columns).
  @inlinable
  public static func gemv(rows: Int, columns: Int, _ a: [Double], _ x: [Double]) -> [Double] {
    var y = [Double](repeating: 0, count: rows)
    a.withUnsafeBufferPointer { ab in
      x.withUnsafeBufferPointer { xb in
        y.withUnsafeMutableBufferPointer { yb in
          gemv(rows: rows, columns: columns, ab, xb, yb)
        }
      }
    }
    return y
  }

  /// C ← α·A·B + β·C, row-major: A is m×k, B is k×n, C is m×n (`cblas_dgemm`).
  ///
  /// - Complexity: O(m · n · k).
  @inlinable
  public static func gemm(
    m: Int, n: Int, k: Int, alpha: Double = 1,
    _ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>,
    beta: Double = 0, _ c: UnsafeMutableBufferPointer<Double>
  ) {
    precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "gemm: shapes differ")
    guard m > 0, n > 0 else { return }
    cblas_dgemm(
      CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha,
      a.baseAddress, Int32(max(k, 1)), b.baseAddress, Int32(n), beta, c.baseAddress, Int32(n))
  }

  /// Solves L·x = b in place for lower-triangular L (row-major n×n) (`cblas_dtrsv`).
  ///
  /// - Complexity: O(n²).
  @inlinable
  public static func solveLowerTriangular(n: Int, _ l: [Double], _ b: inout [Double]) {
    precondition(l.count == n * n && b.count == n, "trsv: shapes differ")
    guard n > 0 else { return }
    l.withUnsafeBufferPointer { lb in
      b.withUnsafeMutableBufferPointer { bb in
        cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, Int32(n), lb.baseAddress, Int32(n), bb.baseAddress, 1)
      }
    }
  }
}
