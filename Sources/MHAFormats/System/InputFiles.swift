import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The regular files this process has read (device and inode, with the name read by), so the
/// front end can refuse to write its result over one of them: the files named on the
/// command line, and those found beside them (a checkpoint's config.json, a shard).
public enum InputFiles {
    /// One file read.
    public struct Identity: Hashable, Sendable {
        public var device: UInt64
        public var inode: UInt64
    }

    /// Every regular file read so far, with the name it was read by.
    private static let read = Mutex<[Identity: String]>([:])

    /// Records the file open on `descriptor` (read as `name`) when it is a regular file.
    static func record(_ descriptor: Int32, name: String) {
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return }
        let identity = Identity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        read.withLock { files in if files[identity] == nil { files[identity] = name } }
    }

    /// The name an input was read by when `path` names a regular file already read; else nil.
    public static func reader(of path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        let identity = Identity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        return read.withLock { $0[identity] }
    }
}
