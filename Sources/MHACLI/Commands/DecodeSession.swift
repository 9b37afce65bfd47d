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
        try refuseFullStart()
        try checkCacheDestination()
        var first: (Matrix<Double>, Int)?
        let known = try DecodeWeights.modelDim(command, saved: saved)
        var modelDim = known?.dim
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
        stream.require(
            width: modelDim, from: known?.fromCache == true ? command.cachePath.map { "the cache \($0)" } : nil)
        var decoder = try restoredDecoder(try DecodeWeights.parameters(command, modelDim: modelDim))
        MHACLI.printInputWarnings()  // the weight files' warnings, before the rows stream
        // The budget is what is free once the weights and a saved cache are in memory.
        decoder.limitMemory(available: AvailableMemory.bytes(), unchecked: AvailableMemory.uncheckedBytes)
        let start = decoder.nextPosition
        var pending = first
        var warnedRounding = false
        var warnedFlush = false
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
            if !warnedFlush, let flushed = stream.firstFlushedToZero {
                warnedFlush = true
                FileDescriptorWriter.standardError("\(RootCommand.name): warning: \(flushed)")
            }
            if !warnedRounding, let rounded = stream.firstRoundedToZero {
                warnedRounding = true
                FileDescriptorWriter.standardError("\(RootCommand.name): warning: \(roundingWarning(rounded))")
            }
            // A cache file holds positions up to 2^53 − 1: the rows that fit are decoded and
            // saved, then the run stops.
            let room = command.cachePath == nil ? rows.rows : DecodeCacheFile.maximumNextPosition - decoder.nextPosition
            if room > 0 {
                let block = room < rows.rows ? rows.rowBlock(0..<room) : rows
                // A reader that went away (or a signal while writing) ends the run, keeping what was decoded.
                guard try decodeAndWrite(block.converted(to: S.self), &decoder, &warnedPositions),
                    DecodeInterruption.signal == 0
                else { break }
            }
            if room < rows.rows {
                let decoded = decoder.nextPosition > start
                if decoded { try saveCache(decoder) }
                throw cacheFull(saved: decoded)
            }
        }
        try saveCache(decoder)
        if DecodeInterruption.signal != 0 { exitInterrupted(after: decoder.nextPosition - 1) }
    }

    /// Decodes `rows` as one block and writes their output (and RoPE's far-position warning,
    /// once: `warnedPositions`); false when the writing stopped (the reader went away, or a
    /// signal arrived while it would wait).
    ///
    /// The block's memory, with the text of its rows, is checked before any of it is allocated.
    /// A block whose computation fails (a row whose scores overflow) is decoded again row by
    /// row, so the rows before the failing one are written, in order, before its error, as if
    /// they had arrived one at a time.
    private func decodeAndWrite(
        _ rows: Matrix<S>, _ decoder: inout AttentionCache<S>, _ warnedPositions: inout Bool
    ) throws -> Bool {
        let step: DecodeStep<S>
        do {
            try decoder.requireMemory(forBlockOf: rows.rows, besides: textBytes(rows: rows.rows, decoder))
            step = try decoder.append(rows)
        } catch let error as AttentionError {
            if case .insufficientMemory = error { throw error }
            guard rows.rows > 1 else { throw error }
            for r in 0..<rows.rows {
                guard try decodeAndWrite(rows.rowBlock(r..<(r + 1)), &decoder, &warnedPositions) else { return false }
            }
            return true
        }
        if !warnedPositions, let warning = step.warnings.first {
            warnedPositions = true
            FileDescriptorWriter.standardError("\(RootCommand.name): warning: \(warning)")
        }
        return try emit(text(step))
    }

    /// A bound on the bytes of the output text of `rows` rows: each number at its widest, twice
    /// (the string and its growth), as `run` counts its printed output (`OutputBudget`).
    private func textBytes(rows: Int, _ decoder: AttentionCache<S>) -> Int {
        let format: OutputFormat = command.format == .json ? .json : .csv
        let perNumber = OutputBudget.charactersPerNumber(
            format, precision: command.precision, scalarBytes: MemoryLayout<S>.stride)
        return CheckedArithmetic.product([rows, decoder.shapes.outputDim, perNumber + 1, 2]) ?? .max
    }

    /// Refuses, before any row is read, a new cache whose `--position-offset` leaves it no room:
    /// a cache holds positions up to 2^53 − 1 (usage, 64; nothing is written).
    private func refuseFullStart() throws {
        guard let path = command.cachePath, saved == nil, let offset = command.positionOffset,
            offset >= DecodeCacheFile.maximumNextPosition
        else { return }
        throw UsageError.invalidRequest(
            "--position-offset \(offset) leaves no room in the new cache \(path): a cache holds positions up to 2^53 − 1 = \(DecodeCacheFile.maximumNextPosition - 1) (without --cache, position 2^53 itself can be decoded)"
        )
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

    /// The refusal of a row beyond the cache's last position (data, 65); `saved`: whether this
    /// run decoded rows and wrote the cache (else the file is as it was).
    private func cacheFull(saved: Bool) -> FormatError {
        let limit = DecodeCacheFile.maximumNextPosition
        let outcome =
            saved
            ? "it was saved with every row decoded before, and the rows after were not decoded"
            : "no row was decoded and the file is unchanged"
        return FormatError(
            kind: .data, file: command.cachePath ?? stream.name,
            message:
                "the cache is full: it holds positions up to 2^53 − 1 = \(limit - 1) (float64 holds every integer up to 2^53 exactly); \(outcome)"
        )
    }

    /// The `--float` warning for the first input line holding nonzero values that float32
    /// rounds to 0 (given once: a stream is not counted to its end).
    private func roundingWarning(
        _ rounded: (line: Int, count: Int, first: (column: Int, written: String, value: Int)?)
    ) -> String {
        let keep =
            ": run without --float to keep \(rounded.count == 1 ? "it" : "them") (said once, for the first such line)"
        guard let first = rounded.first else {
            let values = rounded.count == 1 ? "1 nonzero value" : "\(rounded.count) nonzero values"
            return
                "\(stream.name):\(rounded.line): \(values) of line \(rounded.line) \(rounded.count == 1 ? "rounds" : "round") to 0 in float32 (|v| < 1.4e-45)\(keep)"
        }
        let more = rounded.count == 1 ? "" : " (and \(rounded.count - 1) more of line \(rounded.line))"
        return
            "\(stream.name):\(rounded.line):\(first.column): value \(first.value) of line \(rounded.line) = \(first.written) rounds to 0 in float32 (|v| < 1.4e-45)\(more)\(keep)"
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

    /// Writes `text` to stdout; false when the reader has gone (EPIPE) or a signal arrived
    /// while the write would wait for a reader that is not reading (the rest is not written).
    private func emit(_ text: String) throws(OutputError) -> Bool {
        let stopping = { DecodeInterruption.signal != 0 }
        guard let failure = FileDescriptorWriter.write(text, to: STDOUT_FILENO, stopping: stopping) else { return true }
        if failure == EPIPE || (failure == EINTR && stopping()) { return false }
        throw .cannotWrite(path: "<stdout>", reason: String(cString: strerror(failure)))
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
