import MHACore
import MHAFormats

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One `decode` run in precision `S`: the weights, the decoder (restored from the cache file
/// when there is one), the loop from input blocks to output rows, and the cache written back.
struct DecodeSession<S: NPYScalar> {
    let command: DecodeCommand
    let stream: RowStream
    let saved: DecodeCacheFile?

    /// Decodes until the input ends, stdout closes or a signal arrives; writes the cache.
    func run() throws {
        try checkCacheDestination()
        var first: (Matrix<Double>, Int)?
        var modelDim = try DecodeWeights.modelDim(command, saved: saved)
        if modelDim == nil {
            // Only --weights: d_model is the width of the first row.
            guard case let .rows(rows, line) = try stream.next(maxRows: DecodeCommand.maximumBlockRows) else {
                throw UsageError.invalidRequest("no weights and no input rows: d_model is unknown")
            }
            first = (rows, line)
            modelDim = rows.columns
        }
        guard let modelDim else { return }
        stream.require(width: modelDim)
        let parameters: AttentionParameters<S> = try DecodeWeights.parameters(command, modelDim: modelDim)
        var decoder = try restoredDecoder(parameters)
        var pending = first
        while true {
            let next: RowStream.Next
            if let block = pending {
                next = .rows(block.0, firstLine: block.1)
                pending = nil
            } else {
                next = try stream.next(maxRows: DecodeCommand.maximumBlockRows)
            }
            guard case let .rows(rows, _) = next else { break }
            let step = try decoder.append(rows.converted(to: S.self))
            // A reader that went away ends the run quietly, keeping what was decoded.
            guard try emit(text(step)), DecodeInterruption.signal == 0 else { break }
        }
        try saveCache(decoder)
        let signal = DecodeInterruption.signal
        if signal != 0 {
            let saved = command.cachePath.map { "; cache saved to \($0)" } ?? ""
            FileDescriptorWriter.standardError(
                "\(RootCommand.name): warning: interrupted by \(DecodeInterruption.name(signal)) after position \(decoder.nextPosition - 1)\(saved)"
            )
            exit(128 + signal)
        }
    }

    /// The decoder, continuing the saved cache after checking it was made by this configuration.
    private func restoredDecoder(_ parameters: AttentionParameters<S>) throws -> AttentionCache<S> {
        var configuration = command.configuration
        let fresh = try AttentionCache(parameters: parameters, configuration: configuration)
        guard let saved, let path = command.cachePath else { return fresh }
        if command.positionOffset != nil {
            throw UsageError.invalidRequest(
                "--position-offset starts a new cache, but \(path) continues at position \(saved.nextPosition)")
        }
        try DecodeCacheSettings.check(
            saved, against: DecodeCacheSettings.settings(fresh), precisionBits: S.self == Float.self ? 32 : 64,
            file: path)
        let shapes = fresh.shapes
        let cache: KVCache<S>
        do {
            cache = try KVCache(
                keys: saved.keys.converted(to: S.self), values: saved.values.converted(to: S.self),
                kvHeads: shapes.kvHeads, headDim: shapes.headDim, nextPosition: saved.nextPosition)
        } catch let error as any MHAError {
            throw FormatError(kind: .data, file: path, message: error.description)
        }
        configuration.positionOffset = 0
        return try AttentionCache(parameters: parameters, configuration: configuration, cache: cache)
    }

    /// Writes `text` to stdout; false when the reader has gone (EPIPE).
    private func emit(_ text: String) throws(OutputError) -> Bool {
        do {
            try FileDescriptorWriter.standardOutput(text)
            return true
        } catch {
            guard case .brokenPipe = error else { throw error }
            return false
        }
    }

    /// The block's output rows as CSV lines or JSON Lines.
    private func text(_ step: DecodeStep<S>) -> String {
        switch command.format {
        case .csv:
            return CSVWriter.matrix(step.output, decimals: command.precision)
        case .json:
            var text = ""
            for (r, position) in step.positions.enumerated() {
                let row = JSONWriter.matrix(step.output.rowBlock(r..<(r + 1)))
                text += "{\"token\": \(position), \"output\": \(row.dropFirst().dropLast())}\n"
            }
            return text
        }
    }

    /// Refuses a cache path that could not be written (a directory, a dangling link, a folder
    /// where no file can be created) before any row is decoded, not after the session: a
    /// temporary file is created beside it and removed.
    private func checkCacheDestination() throws {
        guard let path = command.cachePath else { return }
        try AtomicOutput.stage([], to: path).discard()
    }

    /// Writes the cache file atomically, if one was asked for.
    private func saveCache(_ decoder: AttentionCache<S>) throws {
        guard let path = command.cachePath else { return }
        let bytes = try DecodeCacheFile.archive(
            decoder.cache, settings: DecodeCacheSettings.settings(decoder).map { ($0.name, $0.values) })
        try AtomicOutput.write(bytes, to: path)
    }
}
