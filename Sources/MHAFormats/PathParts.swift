/// The two parts of a file path that readers and writers go by: the extension that names a
/// format, and the folder that holds a file's companions (config.json, a checkpoint's shards).
public enum PathParts {
    /// The extension of the path's last component, as written (after its last dot; a leading
    /// dot, as in `.profile`, is not one): `csv` for `data/wq.csv`, nil for `bundle`.
    public static func fileExtension(_ path: String) -> String? {
        let name = path.split(separator: "/").last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return String(name[name.index(after: dot)...])
    }

    /// The folder of `path` with its trailing slash (`a/b/` for `a/b/c.json`, `/` for `/c`),
    /// "" for a bare file name: prefix it to a sibling's name.
    public static func folder(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }
}
