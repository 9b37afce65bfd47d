import MHACore
import MHAFormats
@testable import MHACLI

/// libFuzzer entry point for the argument parser: the input, split at NUL bytes, is an argv
/// (without the program name). It goes through the same steps as `MHACLI.dispatch` up to the
/// options' validation; only `shapes` and `help`, which do no I/O and allocate nothing large,
/// are also run. A value or an `MHAError` with a one-line description is acceptable; any other
/// error, a crash, a leak or a hang is not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArguments(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = FuzzInput.bytes(data, size)
    let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
    do {
        try parseAndValidate(arguments)
    } catch let error as any MHAError {
        // The front end prints `MHACLI.oneLine(description)`: line breaks in a quoted
        // argument are shown as `\n`. That printed form must be one non-empty line.
        FuzzInput.checkOneLine(MHACLI.oneLine(error.description))
    } catch {
        fatalError("untyped error: \(error)")
    }
    return 0
}

/// `MHACLI.dispatch` without the work of `run`, `init` and `bench`.
private func parseAndValidate(_ arguments: [String]) throws {
    guard let first = arguments.first, !ArgumentParser.looksLikeOption(first) else {
        _ = try RootCommand.run(arguments)
        return
    }
    let command = try RootCommand.command(named: first)
    let parsed = try ArgumentParser.parse(Array(arguments.dropFirst()), for: command.spec)
    if parsed.helpRequested {
        _ = HelpRenderer.help(for: command.spec, path: [RootCommand.name, command.spec.name])
        return
    }
    let instance = try command.init(parsed)
    if command == ShapesCommand.self || command == HelpCommand.self { _ = try instance.run() }
}
