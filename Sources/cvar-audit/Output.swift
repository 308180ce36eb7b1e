import ArgumentParser
import CVaRAudit
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Everything the tool writes goes through `CheckedWriter`: standard output
// (`StandardOutput`) and output files (`OutputPath`). Foundation's
// `String.write(toFile:)` and `print` report neither a full disk nor a closed
// descriptor (print buffers in stdio and drops the error at exit), so the
// writes are plain write(2) calls whose results are all checked.

/// A failed write: the descriptor's name and errno.
struct OutputError: Error, CustomStringConvertible {
  var name: String
  var code: Int32
  var description: String { "\(name): cannot write: \(String(cString: strerror(code)))" }
}

/// Writes whole buffers to a descriptor, checking every write(2) (short
/// writes are continued, EINTR retried).
struct CheckedWriter {
  var descriptor: Int32
  /// The name in messages ("standard output", a path).
  var name: String

  func write(_ text: String) throws {
    var text = text
    try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
  }

  func write(_ bytes: UnsafeRawBufferPointer) throws {
    guard let base = bytes.baseAddress else { return }
    var offset = 0
    while offset < bytes.count {
      let n = systemWrite(descriptor, base + offset, bytes.count - offset)
      if n > 0 { offset += n; continue }
      if n < 0 && errno == EINTR { continue }
      throw OutputError(name: name, code: n < 0 ? errno : EIO)
    }
  }
}

@inline(__always)
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }

/// Standard output, checked. A closed pipe (`| head -1`) ends the process
/// quietly with status 0: the reader has all it wanted. Any other failure (a
/// full disk, /dev/full, a closed descriptor) is an error with exit status 1.
enum StandardOutput {
  /// Set when descriptor 1 was closed at startup (it then holds /dev/null,
  /// so that no file the tool opens can take its number).
  nonisolated(unsafe) static var wasClosed = false

  static func write(_ text: String) throws {
    guard !wasClosed else { throw CommandFailure(message: "standard output is closed: nothing can be written", code: 1) }
    do {
      try CheckedWriter(descriptor: 1, name: "standard output").write(text)
    } catch let error as OutputError {
      if error.code == EPIPE { terminate(0) }
      throw CommandFailure(message: error.description, code: 1)
    }
  }

  /// Writes `text` and a line break unless it ends with one.
  static func print(_ text: String) throws {
    try write(text.hasSuffix("\n") ? text : text + "\n")
  }

  /// Before anything else runs: ignore SIGPIPE (a closed pipe becomes EPIPE,
  /// handled above, instead of a silent death), and give a closed descriptor
  /// 0, 1 or 2 /dev/null, so that an input or output file the tool opens never
  /// receives the tool's standard output or error messages.
  static func prepareDescriptors() {
    signal(SIGPIPE, SIG_IGN)
    for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
      let opened = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
      if opened != fd && opened >= 0 { _ = dup2(opened, fd); _ = close(opened) }
      if fd == 1 { wasClosed = true }
    }
  }
}

/// An output file named by an option (`--report`, `--save-state`,
/// `--output`): checked before any data is read, written at the end through a
/// temporary file in the same directory and a rename, so that a failed write
/// leaves the old file as it was.
struct OutputPath {
  var path: String
  /// The option that names it, for messages.
  var option: String

  /// Refuses, with exit 2 before any data is read: a directory; a path in a
  /// directory that does not exist; and a path that is one of `inputs` (the
  /// same file, compared by device and inode, so another name, a link or a
  /// symbolic link to an input is refused as well). `-` among the inputs is
  /// standard input.
  static func check(_ path: String, option: String, inputs: [(option: String, path: String?)]) throws {
    if path.isEmpty { throw ValidationError("\(option) needs a file name") }
    var target = stat()
    if stat(path, &target) == 0 {
      if (target.st_mode & S_IFMT) == S_IFDIR {
        throw ValidationError("\(option) \(path) is a directory: give a file name, such as \(path.hasSuffix("/") ? path : path + "/")output")
      }
      for (inputOption, input) in inputs {
        guard let input else { continue }
        var source = stat()
        let found = input == "-" ? fstat(0, &source) == 0 : stat(input, &source) == 0
        if found && source.st_dev == target.st_dev && source.st_ino == target.st_ino {
          throw ValidationError("\(option) \(path) is also an input (\(inputOption) \(input)): write it to another file")
        }
      }
    } else {
      let directory = (path as NSString).deletingLastPathComponent
      var parent = stat()
      if !directory.isEmpty && (stat(directory, &parent) != 0 || (parent.st_mode & S_IFMT) != S_IFDIR) {
        throw ValidationError("\(option) \(path): the directory \(directory) does not exist")
      }
    }
  }

  /// Writes the whole file. An existing file that is not a regular file (a
  /// FIFO, /dev/stdout, /dev/full) is written in place; otherwise a temporary
  /// file next to it is written, flushed to disk and renamed over it.
  /// Failing to create the file is exit 2 (the path is the user's); failing
  /// to write it (a full disk) is exit 1.
  func write(_ text: String) throws {
    var existing = stat()
    if stat(path, &existing) == 0 && (existing.st_mode & S_IFMT) != S_IFREG {
      if (existing.st_mode & S_IFMT) == S_IFDIR { throw CommandFailure(message: "\(option) \(path) is a directory") }
      let fd = open(path, O_WRONLY | O_CLOEXEC)
      guard fd >= 0 else { throw failure("cannot open", errno, code: 2) }
      defer { _ = close(fd) }
      do { try CheckedWriter(descriptor: fd, name: path).write(text) } catch let error as OutputError {
        throw CommandFailure(message: error.description, code: 1)
      }
      return
    }
    // A regular file (or a new one): through the library's atomic writer.
    do { try AtomicFile.write(Data(text.utf8), to: path) } catch let error as InputError {
      throw CommandFailure(message: "\(error) (\(option): the old file, if any, is left as it was)", code: 1)
    }
  }

  private func failure(_ what: String, _ code: Int32, code exit: Int32) -> CommandFailure {
    CommandFailure(message: "\(path): \(what): \(String(cString: strerror(code)))", code: exit)
  }
}
