import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The temporary files being written right now, which a signal handler must remove before
/// the process dies (`TerminationSignals` in the front end calls `removeAll()`).
///
/// The registry is a fixed table allocated once by `prepare()` (before any handler is
/// installed): `slots` paths of up to `pathBytes − 1` bytes, each with an atomic state.
/// `removeAll()` only loads those states and calls `unlink`, both async-signal-safe; it
/// allocates nothing and takes no lock. A path is registered *before* its file is created
/// (`TemporaryFile.create`), so no signal can fall between the two and leave it behind.
public enum InFlightFiles {
    /// How many temporary files may be in flight at once (more are written unprotected).
    public static let slots = 16
    /// Room for one path, with its NUL.
    public static let pathBytes = Int(PATH_MAX)

    /// 0 free, 1 being filled in, 2 registered (the handler removes its path).
    private nonisolated(unsafe) static let states: UnsafeMutablePointer<Atomic<Int>> = {
        let states = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: slots)
        for index in 0..<slots { (states + index).initialize(to: Atomic(0)) }
        return states
    }()

    /// The paths, `pathBytes` apart.
    private nonisolated(unsafe) static let paths: UnsafeMutablePointer<CChar> = {
        let paths = UnsafeMutablePointer<CChar>.allocate(capacity: slots * pathBytes)
        paths.initialize(repeating: 0, count: slots * pathBytes)
        return paths
    }()

    /// Allocates the table; call before installing a handler that calls `removeAll()`.
    public static func prepare() {
        _ = states
        _ = paths
    }

    /// Registers `path`; returns its slot, or nil when the table is full or the path too long.
    static func register(_ path: String) -> Int? {
        let bytes = path.utf8CString
        guard bytes.count <= pathBytes else { return nil }
        for slot in 0..<slots
        where states[slot].compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged {
            bytes.withUnsafeBufferPointer { source in
                guard let base = source.baseAddress else { return }
                (paths + slot * pathBytes).update(from: base, count: bytes.count)
            }
            states[slot].store(2, ordering: .releasing)
            return slot
        }
        return nil
    }

    /// Forgets the path of `slot` (its file was renamed into place or removed).
    static func unregister(_ slot: Int?) {
        guard let slot else { return }
        states[slot].store(0, ordering: .releasing)
    }

    /// Unlinks every registered path. Async-signal-safe: for signal handlers.
    public static func removeAll() {
        for slot in 0..<slots where states[slot].load(ordering: .acquiring) == 2 {
            unlink(paths + slot * pathBytes)
        }
    }

    /// How many paths are registered now (for tests).
    public static var count: Int {
        (0..<slots).reduce(0) { $0 + (states[$1].load(ordering: .acquiring) == 2 ? 1 : 0) }
    }
}

/// A new file `.NAME.tmp-XXXXXX` beside a target, open for writing and registered with
/// `InFlightFiles` for its whole life, then renamed onto the target or removed. For a NAME
/// longer than 243 bytes, NAME is cut so that the whole stays within 255 bytes (NAME_MAX).
public struct TemporaryFile {
    /// The longest file name, in bytes, of the file systems in use (Linux, macOS: 255).
    static let nameLimit = 255

    /// The temporary file's path.
    public let path: String
    /// Its descriptor, open for writing (closed by `commit` and `discard`).
    public let descriptor: Int32
    /// Its slot in `InFlightFiles`.
    private let slot: Int?

    /// Creates a temporary sibling of `target` (the same folder, so a rename is atomic) with
    /// permission bits `mode`.
    /// - Returns: nil with `errno` set when it cannot be created.
    public static func create(beside target: String, mode: mode_t) -> TemporaryFile? {
        let slash = target.lastIndex(of: "/")
        let folder = slash.map { String(target[...$0]) } ?? ""
        var name = Substring(slash.map { String(target[target.index(after: $0)...]) } ?? target)
        // `.` and `.tmp-XXXXXX` add 12 bytes: a legal 244…255-byte name is cut (at a character)
        // so the temporary name stays within NAME_MAX; the random suffix keeps it unique.
        while name.utf8.count > nameLimit - 12 { name.removeLast() }
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let suffix = String((0..<6).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
            let path = folder + "." + name + ".tmp-" + suffix
            // Registered first: a signal between here and `open` unlinks a name not yet taken.
            let slot = InFlightFiles.register(path)
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 {
                fchmod(descriptor, mode)
                return TemporaryFile(path: path, descriptor: descriptor, slot: slot)
            }
            let code = errno
            InFlightFiles.unregister(slot)
            errno = code
            if code != EEXIST { return nil }
        }
        return nil
    }

    /// Flushes the file to disk, closes it and renames it onto `target`.
    /// - Returns: nil on success, else the `errno` of the failing step (the file is then removed).
    public func commit(to target: String) -> Int32? {
        var failure: Int32?
        if fsync(descriptor) != 0 && errno != EINVAL { failure = errno }
        if close(descriptor) != 0 && failure == nil { failure = errno }
        if failure == nil && rename(path, target) != 0 { failure = errno }
        if failure != nil { unlink(path) }
        InFlightFiles.unregister(slot)
        return failure
    }

    /// Closes and removes the file.
    public func discard() {
        close(descriptor)
        unlink(path)
        InFlightFiles.unregister(slot)
    }
}
