import MHACore

/// A one-line, located error from reading a matrix file or a bundle.
///
/// The description reads `file:line:column: message`, with a JSON path after the location
/// when there is one: `wq.csv:3:7: expected a number, found "abc"`,
/// `bundle.json:4:12: $.wq[2][1]: expected a number, found a string`.
/// `category` is `.noInput` for a file that cannot be opened or read and `.data` for every
/// problem in the content.
public struct FormatError: MHAError, Equatable, Sendable {
    /// What went wrong, coarsely: the tests and the front end may branch on it.
    public enum Kind: Sendable, Equatable {
        /// The file cannot be opened or read (missing, unreadable, a directory).
        case cannotOpen
        /// The bytes do not follow the format's grammar (JSON syntax, CSV quoting, NPY header).
        case syntax
        /// The content is well-formed but is not an acceptable matrix or bundle.
        case data
    }

    /// What went wrong, coarsely.
    public let kind: Kind
    /// The file's name as given by the user (`<stdin>` for standard input).
    public let file: String
    /// 1-based line of the problem, if the format has lines.
    public let line: Int?
    /// 1-based column (in characters) of the problem, if the format has lines.
    public let column: Int?
    /// The JSON path of the offending value, such as `$.wq[2][1]`.
    public let path: String?
    /// The message proper, without the location.
    public let message: String

    /// An error with every part given explicitly.
    public init(
        kind: Kind, file: String, line: Int? = nil, column: Int? = nil,
        path: String? = nil, message: String
    ) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    /// An error located at byte `offset` of `bytes`; the line and column are computed here.
    init(
        kind: Kind, file: String, bytes: UnsafeBufferPointer<UInt8>, offset: Int,
        path: String? = nil, message: String
    ) {
        let location = TextLocation(of: offset, in: bytes)
        self.init(
            kind: kind, file: file, line: location.line, column: location.column,
            path: path, message: message)
    }

    /// `.noInput` when the file cannot be opened or read, `.data` otherwise.
    public var category: ErrorCategory { kind == .cannotOpen ? .noInput : .data }

    /// `file:line:column: [path: ]message`, on one line (the root path `$` is left out), any
    /// control character in the file name or message escaped (`MessageText`);
    /// for a file that cannot be opened,
    /// the message alone (it names the file): `cannot open 'x.csv': No such file or directory`.
    public var description: String {
        if kind == .cannotOpen { return MessageText.escaped(message) }
        var text = MessageText.escaped(file)
        if let line { text += ":\(line)" }
        if let column { text += ":\(column)" }
        text += ": "
        if let path, path != "$" { text += MessageText.escaped(path) + ": " }  // the root's path says nothing
        return text + MessageText.escaped(message)
    }
}
