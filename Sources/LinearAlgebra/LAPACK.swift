import COpenBLAS

/// A LAPACK routine reported failure through its `info` value.
public struct LAPACKError: Error, CustomStringConvertible, Equatable {
  /// The routine, e.g. `dpotrf`.
  public var routine: String
  /// LAPACK's `info`: < 0 an illegal argument, > 0 a numerical failure.
  public var info: Int32
  public init(routine: String, info: Int32) {
    self.routine = routine
    self.info = info
  }
  public var description: String {
    if info < 0 { return "LAPACK \(routine): argument \(-info) had an illegal value" }
    switch routine {
    case "dpotrf": return "LAPACK dpotrf: the leading minor of order \(info) is not positive definite"
    default: return "LAPACK \(routine) failed with info = \(info)"
    }
  }
}

/// Thin wrappers over LAPACKE. Matrices are row-major `Double`.
public enum LAPACK {
  /// The Cholesky factor L of a symmetric positive definite n×n matrix A = L·Lᵀ
  /// (`LAPACKE_dpotrf`, lower). The strict upper triangle of the result is zero.
  ///
  /// - Throws: `LAPACKError` when A is not positive definite.
  /// - Complexity: O(n³).
  public static func cholesky(n: Int, _ a: [Double]) throws -> [Double] {
    precondition(a.count == n * n, "cholesky: matrix is not n×n")
    guard n > 0 else { return [] }
    var l = a
    let info = l.withUnsafeMutableBufferPointer { lb in
      LAPACKE_dpotrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), lb.baseAddress, Int32(n))
    }
    guard info == 0 else { throw LAPACKError(routine: "dpotrf", info: info) }
    for i in 0..<n { for j in (i + 1)..<n { l[i * n + j] = 0 } }
    return l
  }

  /// Solves A·X = B for symmetric positive definite A (n×n) and B (n×nrhs), row-major
  /// (`LAPACKE_dposv`).
  ///
  /// - Throws: `LAPACKError` when A is not positive definite.
  /// - Complexity: O(n³ + n²·nrhs).
  public static func solvePositiveDefinite(n: Int, nrhs: Int, _ a: [Double], _ b: [Double]) throws -> [Double] {
    precondition(a.count == n * n && b.count == n * nrhs, "posv: shapes differ")
    guard n > 0, nrhs > 0 else { return b }
    var a = a
    var x = b
    let info = a.withUnsafeMutableBufferPointer { ab in
      x.withUnsafeMutableBufferPointer { xb in
        LAPACKE_dposv(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), Int32(nrhs), ab.baseAddress, Int32(n), xb.baseAddress, Int32(nrhs))
      }
    }
    guard info == 0 else { throw LAPACKError(routine: "dposv", info: info) }
    return x
  }
}
