import CVaRAudit
import CVaRPlanning
import Foundation

/// The JSON document of `simulate` (schema version 1).
struct SimulateDocument: Encodable {
  struct Point: Encodable {
    var samples: Int
    var rowsCollected: Int
    var criticalValue: Double?
    var power: Double
    var powerStandardError: Double
    var typeIError: Double?
    var typeIErrorStandardError: Double?
  }
  struct Cell: Encodable {
    var groups: Int
    var profile: String
    var alternative: String
    var alpha: Double
    var epsilon: Double
    var baseRate: Double
    var test: String
    var calibration: String
    var sampler: String
    var delta: Double
    var power: Double
    var effectiveGroups: Double
    var boundSamples: Int?
    var samples: Int?
    var bracketLow: Int?
    var boundOverSimulated: Double?
    var powerAtSamples: Double?
    var powerStandardError: Double?
    var typeIError: Double?
    var typeIErrorStandardError: Double?
    /// What the type I error is of: the calibration of the study, not `cvar-audit test`'s permutation test.
    var typeIErrorCalibration: String
    var curve: [Point]
  }
  struct Slope: Encodable {
    var test: String
    var sampler: String
    var alternative: String
    var slope: Double?
    var intercept: Double?
  }
  var schemaVersion = 1
  var replicates: Int
  var calibrationReplicates: Int
  var seed: UInt64
  var seconds: Double
  var cells: [Cell]
  var slopes: [Slope]?
}

enum SimulateRendering {
  typealias Slopes = [(DisparityTest, Sampler, Alternative, LogLogFit?)]

  /// What a cell's type I error measures.
  static func typeIErrorCalibration(_ calibration: Calibration) -> String {
    switch calibration {
    case .monteCarlo:
      "oracle: critical value from null replicates at the known base rate and design, "
        + "not the permutation calibration cvar-audit test runs"
    case .bound: "closed-form bound of the study (no resampling)"
    }
  }

  static func render(_ results: [StudyCellResult], settings: SimulationSettings, seconds: Double,
                     format: OutputFormat, slopes: Slopes?) throws -> String {
    switch format {
    case .json: return try AuditRendering.encodeJSON(document(results, settings: settings, seconds: seconds, slopes: slopes))
    case .csv: return csv(results)
    case .table: return table(results, settings: settings, seconds: seconds, slopes: slopes)
    }
  }

  static func document(_ results: [StudyCellResult], settings: SimulationSettings, seconds: Double, slopes: Slopes?) -> SimulateDocument {
    SimulateDocument(
      replicates: settings.replicates, calibrationReplicates: settings.calibrationReplicates, seed: settings.seed,
      seconds: seconds,
      cells: results.map { r in
        let c = r.cell, at = r.result.atSamples
        return SimulateDocument.Cell(
          groups: c.groupCount, profile: c.profile.description, alternative: c.alternative.rawValue, alpha: c.alpha,
          epsilon: c.epsilon, baseRate: c.baseRate, test: c.test.rawValue, calibration: c.calibration.rawValue,
          sampler: c.sampler.rawValue, delta: c.delta, power: c.power,
          effectiveGroups: RenyiEntropy.effectiveNumber(c.shares, order: 2.0 / 3), boundSamples: r.boundSamples,
          samples: r.result.samples, bracketLow: r.result.bracketLow, boundOverSimulated: r.boundRatio,
          powerAtSamples: at?.power, powerStandardError: at?.powerStandardError, typeIError: at?.typeIError,
          typeIErrorStandardError: at?.typeIErrorStandardError,
          typeIErrorCalibration: typeIErrorCalibration(c.calibration),
          curve: r.result.points.map { p in
            .init(samples: p.samples, rowsCollected: p.rowsCollected, criticalValue: finite(p.criticalValue), power: p.power,
                  powerStandardError: p.powerStandardError, typeIError: p.typeIError, typeIErrorStandardError: p.typeIErrorStandardError)
          })
      },
      slopes: slopes?.map { t, s, a, fit in
        .init(test: t.rawValue, sampler: s.rawValue, alternative: a.rawValue, slope: fit?.slope, intercept: fit?.intercept)
      })
  }

  static let csvHeader = ["groups", "profile", "alternative", "alpha", "epsilon", "base_rate", "test", "calibration", "sampler",
                          "bound_samples", "samples", "bracket_low", "bound_over_samples", "power", "power_se",
                          "type1_error", "type1_se", "evaluations"]

  static func csv(_ results: [StudyCellResult]) -> String {
    var lines = [csvHeader.joined(separator: ",")]
    for r in results {
      let c = r.cell, at = r.result.atSamples
      let fields: [String] = [
        "\(c.groupCount)", AuditRendering.csvField(c.profile.description), c.alternative.rawValue, "\(c.alpha)", "\(c.epsilon)",
        "\(c.baseRate)", c.test.rawValue, c.calibration.rawValue, c.sampler.rawValue, r.boundSamples.map(String.init) ?? "",
        r.result.samples.map(String.init) ?? "", r.result.bracketLow.map(String.init) ?? "",
        r.boundRatio.map { "\($0)" } ?? "", at.map { "\($0.power)" } ?? "", at.map { "\($0.powerStandardError)" } ?? "",
        at?.typeIError.map { "\($0)" } ?? "", at?.typeIErrorStandardError.map { "\($0)" } ?? "", "\(r.result.points.count)",
      ]
      lines.append(fields.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func table(_ results: [StudyCellResult], settings: SimulationSettings, seconds: Double, slopes: Slopes?) -> String {
    let header = ["K", "profile", "alternative", "α", "ε", "base", "test", "calibration", "sampler",
                  "bound", "n*", "bound/n*", "power±se", "oracle type I±se"]
    var rows: [[String]] = [header]
    for r in results {
      let c = r.cell, at = r.result.atSamples
      rows.append([
        AuditRendering.grouped(c.groupCount), c.profile.description, c.alternative.rawValue, fmtShort(c.alpha), fmtShort(c.epsilon),
        fmtShort(c.baseRate), c.test.rawValue, c.calibration.rawValue, c.sampler.rawValue,
        r.boundSamples.map(AuditRendering.grouped) ?? "not reachable", r.result.samples.map(AuditRendering.grouped) ?? "not reached",
        r.boundRatio.map { AuditRendering.fixed($0, 2) } ?? "—",
        at.map { "\(AuditRendering.fixed($0.power, 3))±\(AuditRendering.fixed($0.powerStandardError, 3))" } ?? "—",
        at.flatMap { p in p.typeIError.map { "\(AuditRendering.fixed($0, 3))±\(AuditRendering.fixed(p.typeIErrorStandardError ?? .nan, 3))" } } ?? "—",
      ])
    }
    let widths = header.indices.map { i in rows.map { $0[i].count }.max()! }
    var out = rows.map { row in
      row.indices.map { i in AuditRendering.pad(row[i], widths[i], right: i >= 9 || i == 0) }.joined(separator: "  ")
    }
    if let slopes {
      out.append("")
      out.append("Log-log slope of n* against K (least squares):")
      for (t, s, a, fit) in slopes {
        out.append("  \(t) / \(s) / \(a): \(fit.map { AuditRendering.fixed($0.slope, 3) } ?? "—")")
      }
    }
    out.append("")
    out.append("n*: smallest n on the bracketing search path with power ≥ target; oracle type I: the rejection rate at n* on \(CountText.counted(settings.replicates, "fresh null replicate")) with the cell's calibration (monte-carlo: a critical value from null replicates at the known base rate, which a user does not have; not the permutation test of cvar-audit test). \(CountText.counted(settings.replicates, "replicate")) per power estimate, \(CountText.counted(settings.calibrationReplicates, "null replicate")) per Monte-Carlo critical value, seed \(settings.seed); \(AuditRendering.fixed(seconds, 1)) s.")
    return out.joined(separator: "\n") + "\n"
  }
}
