import ArgumentParser
import CVaRAudit

/// The label and prediction columns: shared by the commands that read rows
/// (through `InputOptions`) and by `sql`, which names them in a query.
struct PredictionOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Column of true labels (0/1).", valueName: "column"))
  var label: String?

  @Option(help: ArgumentHelp("Column of predictions (0/1).", valueName: "column"))
  var prediction: String?

  @Option(help: ArgumentHelp("Score column; predict 1 when score ≥ --threshold.", valueName: "column"))
  var score: String?

  @Option(range: .finite, help: "Threshold for --score.", valueName: "x")
  var threshold: Double?

  /// Where predictions come from, if given.
  var source: PredictionSource? {
    if let score { return .score(column: score, threshold: threshold ?? 0.5) }
    return prediction.map { .column($0) }
  }

  func validate() throws {
    if prediction != nil && score != nil {
      throw ValidationError("give either --prediction or --score, not both")
    }
    if threshold != nil && score == nil {
      throw ValidationError("--threshold goes with --score")
    }
    if score != nil && threshold == nil {
      throw ValidationError("--score needs --threshold (predict 1 when score ≥ threshold)")
    }
  }
}
