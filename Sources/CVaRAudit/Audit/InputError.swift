/// A problem with the user's input: a file that cannot be read, a value that
/// does not parse, a column that does not exist.
///
/// The description reads `FILE:LINE:COLUMN: message`, the way compilers report
/// errors, with the parts that do not apply left out. `column` is the 1-based
/// field number of the CSV record; `columnName` its header name.
public struct InputError: Error, CustomStringConvertible, Equatable, Sendable {
  public var file: String
  public var line: Int?
  public var column: Int?
  public var columnName: String?
  public var message: String

  public init(file: String, line: Int? = nil, column: Int? = nil, columnName: String? = nil, message: String) {
    self.file = file
    self.line = line
    self.column = column
    self.columnName = columnName
    self.message = message
  }

  public var description: String {
    var location = file
    if let line { location += ":\(line)" }
    if let column { location += ":\(column)" }
    if let columnName { return "\(location): column '\(columnName)': \(message)" }
    return "\(location): \(message)"
  }
}
