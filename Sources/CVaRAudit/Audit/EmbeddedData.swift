import Foundation

/// The data set that ships with the package: ProPublica's COMPAS two-year
/// recidivism data, 7,214 rows, trimmed to the columns an audit of it needs
/// (race, sex, age_cat, decile_score, two_year_recid). See
/// Resources/PROVENANCE.md.
public enum EmbeddedData {
  /// The resource's file name.
  public static let compasFileName = "compas-two-years.csv"

  /// The default audit of the embedded data.
  public static let compasColumns = ColumnSelection(
    groupBy: ["race", "sex", "age_cat"], label: "two_year_recid",
    prediction: .score(column: "decile_score", threshold: 5))

  /// The path of the embedded COMPAS file.
  ///
  /// SwiftPM copies resources into a `CVaRAudit_CVaRAudit.resources` folder
  /// next to the built products; it is looked up there (and in the main
  /// bundle) directly rather than through the generated `Bundle.module`,
  /// which stops the process when the folder is missing.
  ///
  /// - Throws: `InputError` when the resource cannot be found.
  public static func compasPath() throws -> String {
    let bundleName = "CVaRAudit_CVaRAudit.resources"
    var folders: [URL] = []
    if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
      folders.append(executable.deletingLastPathComponent())
    }
    folders.append(Bundle.main.bundleURL)
    if let resources = Bundle.main.resourceURL { folders.append(resources) }
    let manager = FileManager.default
    for folder in folders {
      for candidate in [folder.appendingPathComponent(bundleName).appendingPathComponent(compasFileName),
                        folder.appendingPathComponent(bundleName).appendingPathComponent("Resources").appendingPathComponent(compasFileName)] {
        if manager.fileExists(atPath: candidate.path) { return candidate.path }
      }
    }
    throw InputError(file: compasFileName,
                     message: "the embedded data set was not found next to the executable (\(bundleName)); pass --input FILE")
  }
}
