import Foundation

/// The result of running the built `cvar-audit`.
public struct CommandResult: Sendable {
  public var status: Int32
  public var stdout: String
  public var stderr: String
}

/// Runs the built executable (`.build/debug/cvar-audit`, or `CVAR_AUDIT_BIN`)
/// with arguments, optional standard input, and environment variables set
/// on top of the test's own.
public func runCLI(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> CommandResult {
  let binary = ProcessInfo.processInfo.environment["CVAR_AUDIT_BIN"]
    ?? Fixtures.repositoryRoot.appendingPathComponent(".build/debug/cvar-audit").path
  let process = Process()
  process.executableURL = URL(fileURLWithPath: binary)
  process.arguments = arguments
  if !environment.isEmpty {
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  }
  // Standard error goes to a file and standard output to a pipe read to the
  // end before waiting, so neither can fill up and block the child.
  let errorURL = FileManager.default.temporaryDirectory.appendingPathComponent("cvar-audit-stderr-\(UUID().uuidString)")
  _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
  let errorHandle = try FileHandle(forWritingTo: errorURL)
  defer { try? FileManager.default.removeItem(at: errorURL) }
  let out = Pipe()
  process.standardOutput = out
  process.standardError = errorHandle
  let input = Pipe()
  process.standardInput = input
  try process.run()
  if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
  try input.fileHandleForWriting.close()
  let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  try errorHandle.close()
  let stderrData = try Data(contentsOf: errorURL)
  return CommandResult(status: process.terminationStatus,
                       stdout: String(decoding: stdoutData, as: UTF8.self),
                       stderr: String(decoding: stderrData, as: UTF8.self))
}
