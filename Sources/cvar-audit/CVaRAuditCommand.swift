import ArgumentParser
import LinearAlgebra
import CVaRAudit
import CVaRInference
import CVaRSequential

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct CVaRAuditCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cvar-audit",
    abstract: "Audit a classifier's performance across intersectional groups with the CVaR of group disparities.",
    discussion: """
      Groups are the combinations of the --group-by attributes. The CVaR at level α is the \
      weighted mean disparity of the worst α share of groups (Paes et al., arXiv:2312.03867). \
      Run a subcommand with no --input to use the embedded COMPAS data.
      """,
    version: "0.1.0",
    subcommands: [AuditCommand.self, TestCommand.self, PlanCommand.self, SimulateCommand.self, SQLCommand.self,
                  MergeCommand.self, MonitorCommand.self, ActiveCommand.self, SimulateSequentialCommand.self,
                  TestStudyCommand.self]
  )

  /// Parses, validates and runs, mapping failures to exit codes: 0 for
  /// success and help (and for a closed pipe on standard output), 2 for
  /// usage and input errors, 1 for output that cannot be written and for
  /// anything else.
  static func main() {
    StandardOutput.prepareDescriptors()  // first: before any library opens a file
    // One BLAS thread: the tool parallelizes at a coarser grain itself (the
    // two-part CSV read, replicate blocks), and OpenBLAS's idle workers spin
    // on a core after the library loads, which measured at ~0.1 s of CPU per
    // run and slowed the parallel CSV read. BLAS results do not depend on it.
    BLAS.setThreadCount(1)
    var command: ParsableCommand
    do {
      command = try parseAsRoot()
    } catch {
      if exitCode(for: error) == .success { printHelp(for: error) }  // --help, --version
      // Everything that fails while parsing and validating is about the
      // command line or a file it names: exit 2, whatever the error's type
      // (ArgumentParser itself gives 1 to an error from validate() that is
      // not a ValidationError, such as an InputError from a --profiles file).
      let message = fullMessage(for: error)
      StandardError.write(message.hasSuffix("\n") ? message : message + "\n")
      terminate(2)
    }
    do {
      try command.run()
    } catch let error as InputError {
      fail("\(error)", code: 2)
    } catch let error as AuditError {
      fail("\(error)", code: 2)
    } catch let error as SequentialStateError {
      fail("\(error)", code: 2)
    } catch let error as DisparityTestError {
      fail("\(error)", code: 2)
    } catch let error as CommandFailure {
      fail(error.message, code: error.code)
    } catch {
      let code = exitCode(for: error)
      if code == .success { printHelp(for: error) }  // `cvar-audit` alone
      let message = fullMessage(for: error)
      StandardError.write(message.hasSuffix("\n") ? message : message + "\n")
      // ArgumentParser uses 64 (EX_USAGE) for usage errors; this tool uses 2.
      terminate(code == .validationFailure ? 2 : code.rawValue)
    }
  }

  /// Help or the version on standard output (checked), then exit 0.
  static func printHelp(for error: Error) -> Never {
    do { try StandardOutput.print(fullMessage(for: error)) } catch let failure as CommandFailure {
      fail(failure.message, code: failure.code)
    } catch {}
    terminate(0)
  }

  static func fail(_ message: String, code: Int32) -> Never {
    StandardError.write("cvar-audit: error: \(message)\n")
    terminate(code)
  }
}

/// A failure with a message and an exit code, for errors found while running.
struct CommandFailure: Error {
  var message: String
  var code: Int32 = 2
}

func terminate(_ code: Int32) -> Never { exit(code) }

enum StandardError {
  static func write(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = unistdWrite(2, bytes.baseAddress, bytes.count) }
  }
}

@inline(__always)
private func unistdWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }
