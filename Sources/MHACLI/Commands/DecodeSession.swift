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
            switch try stream.next(maxRows: DecodeCommand.maximumBlockRows) {
            case let .rows(rows, line):
                first = (rows, line)
                modelDim = rows.columns
            case .interrupted:
                exitInterrupted(after: nil)
            case .end:
                // No tokens: nothing to decode and nothing to write (decode.md), when --weights
                // would fill the layer; without any weights the layer itself is missing.
                guard command.fill != nil else {
                    throw UsageError.invalidRequest("no weights and no input rows: d_model is unknown")
                }
                return
            }
        }
        guard let modelDim else { return }
        stream.require(width: modelDim)
        let parameters: AttentionParameters<S> = try DecodeWeights.parameters(command, modelDim: modelDim)
        var decoder = try restoredDecoder(parameters)
        var pending = first
        var warnedRounding = false
        var warnedPositions = false
        while true {
            let next: RowStream.Next
            if let block = pending {
                next = .rows(block.0, firstLine: block.1)
                pending = nil
            } else {
                next = try stream.next(maxRows: DecodeCommand.maximumBlockRows)
            }
            guard case let .rows(rows, _) = next else { break }
            if !warnedRounding, let rounded = stream.firstRoundedToZero {
                warnedRounding = true
                FileDescriptorWriter.standardError("\(RootCommand.name): warning: \(roundingWarning(rounded))")
            }
            // A cache file holds positions up to 2^53 − 1: the rows that fit are decoded and
            // saved, then the run stops.
            let room = command.cachePath == nil ? rows.rows : DecodeCacheFile.maximumNextPosition - decoder.nextPosition
            if room > 0 {
                let block = room < rows.rows ? rows.rowBlock(0..<room) : rows
                let step = try decoder.append(block.converted(to: S.self))
                if !warnedPositions, let warning = step.warnings.first {
                    warnedPositions = true
                    FileDescriptorWriter.standardError("\(RootCommand.name): warning: \(warning)")
                }
                // A reader that went away ends the run quietly, keeping what was decoded.
                guard try emit(text(step)), DecodeInterruption.signal == 0 else { break }
            }
            if room < rows.rows {
                try saveCache(decoder)
                throw cacheFull()
            }
        }
        try saveCache(decoder)
        if DecodeInterruption.signal != 0 { exitInterrupted(after: decoder.nextPosition - 1) }
    }

    /// Warns of the signal received (naming the last position decoded, if any, and the saved
    /// cache) and exits with 128 + its number.
    private func exitInterrupted(after position: Int?) -> Never {
        let signal = DecodeInterruption.signal
        let saved =
            command.cachePath.map { position == nil ? "; \($0) is unchanged" : "; cache saved to \($0)" } ?? ""
        FileDescriptorWriter.standardError(
            "\(RootCommand.name): warning: interrupted by \(DecodeInterruption.name(signal)) \(position.map { "after position \($0)" } ?? "before any row")\(saved)"
        )
        exit(128 + signal)
    }

    /// The refusal of a row beyond the cache's last position (data, 65).
    private func cacheFull() -> FormatError {
        let limit = DecodeCacheFile.maximumNextPosition
        return FormatError(
            kind: .data, file: command.cachePath ?? stream.name,
            message:
                "the cache is full: it holds positions up to 2^53 − 1 = \(limit - 1) (float64 holds every integer up to 2^53 exactly); it was saved with every row decoded before, and the rows after were not decoded"
        )
    }

    /// The `--float` warning for the first input line holding nonzero values that float32
    /// rounds to 0 (given once: a stream is not counted to its end).
    private func roundingWarning(_ rounded: (line: Int, count: Int)) -> String {
        let values = rounded.count == 1 ? "1 nonzero value" : "\(rounded.count) nonzero values"
        return
            "\(stream.name):\(rounded.line): \(values) of line \(rounded.line) \(rounded.count == 1 ? "rounds" : "round") to 0 in float32 (|v| < 1.4e-45): run without --float to keep \(rounded.count == 1 ? "it" : "them") (said once, for the first such line)"
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
