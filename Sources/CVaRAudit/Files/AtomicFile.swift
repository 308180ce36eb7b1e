#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Replacing a file's contents all at once: the bytes go to a new file in
/// the same directory, which is flushed to disk (`fsync`) and then renamed
/// over the target. A reader sees the old file or the new one, never a mix
/// or a truncated file; a failed write (disk full, a file size limit, no
/// permission) removes the new file and leaves the old one as it was.
///
/// Hand-written rather than `Data.write(to:options: .atomic)`: Foundation's
/// atomic write does not flush the new file before the rename, so a crash
/// right after it can leave an empty file under the target's name.
public enum AtomicFile {
  /// Writes `data` to `path`, atomically (see the type's comment). A
  /// symbolic link at `path` is followed: the file it names is replaced.
  /// The new file gets the old file's permissions, or for a new file those
  /// of the process's umask.
  ///
  /// - Throws: `InputError` naming `path` and the system's reason; the old
  ///   file, if any, is then unchanged.
  /// - Complexity: O(bytes).
  public static func write(_ data: Data, to path: String) throws {
    func failure(_ what: String, _ code: Int32 = errno) -> InputError {
      InputError(file: path, message: "cannot write the file (\(what)): \(String(cString: strerror(code)))")
    }
    var target = path
    var info = stat()
    if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK, let resolved = realpath(path, nil) {
      target = String(cString: resolved)
      free(resolved)
    }
    let directory = (target as NSString).deletingLastPathComponent
    let name = (target as NSString).lastPathComponent
    var template = Array(((directory.isEmpty ? "." : directory) + "/." + name + ".tmp-XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw failure("cannot create a temporary file next to it") }
    let temporary = String(cString: template)
    var finished = false
    defer {
      if !finished { unlink(temporary) }
    }
    var mode: mode_t
    if stat(target, &info) == 0 {
      guard (info.st_mode & S_IFMT) == S_IFREG else {
        close(fd)
        throw InputError(file: path, message: "cannot write the file: it exists and is not a regular file")
      }
      mode = info.st_mode & 0o7777
    } else {
      let mask = umask(0)
      umask(mask)
      mode = 0o666 & ~mask
    }
    fchmod(fd, mode)
    let written: Int = data.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          return -1
        }
        offset += n
      }
      return offset
    }
    if written < 0 {
      let code = errno
      close(fd)
      throw failure("writing", code)
    }
    if fsync(fd) != 0 {
      let code = errno
      close(fd)
      throw failure("flushing to disk", code)
    }
    if close(fd) != 0 { throw failure("closing") }
    if rename(temporary, target) != 0 { throw failure("renaming the temporary file over it") }
    finished = true
    // Flush the directory entry too (best effort: not every file system allows it).
    let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY)
    if directoryFD >= 0 {
      fsync(directoryFD)
      close(directoryFD)
    }
  }
}

/// write(2), under a name the static `AtomicFile.write` does not shadow.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
  write(fd, bytes, count)
}
