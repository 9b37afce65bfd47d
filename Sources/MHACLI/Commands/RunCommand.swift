import MHACore
import MHAFormats

/// `mha-cli run`: reads H (and a memory) and the weights, runs the forward pass, prints the
/// parts asked for.
struct RunCommand: Command {
    /// The checked options.
    let options: RunOptions

    init(_ arguments: ParsedArguments) throws {
        options = try RunOptions(arguments)
    }

    func run() throws -> CommandOutput {
        let inputs = try RunInputs(options)
        let x = try inputs.input()
        let memory = inputs.matrices["memory"]
        if let names = options.presentation.tokenNames {
            let (count, what) =
                memory == nil
                ? (x.rows, "the input has \(counted(x.rows, "row"))")
                : (
                    x.rows,
                    "the input has \(counted(x.rows, "query row")) (in cross-attention --tokens names the queries)"
                )
            if names.count != count {
                throw UsageError.invalidRequest(
                    "--tokens names \(counted(names.count, "token")) but \(what)\(RunOptions.commaHint(names, count))")
            }
        }
        try checkOutputBudget(x, memory: memory, inputs)
        var warnings: [String] = []
        if options.useFloat {
            let bundle = options.bundle.map { $0 == "-" ? "<stdin>" : $0 }
            do {
                try FloatRangeError.checkMask(inputs.matrices, batches: inputs.batches, kind: inputs.maskKind)
            } catch {
                throw BundleSourcedError.attributing(error, origins: inputs.origins) ?? error
            }
            try FloatRangeError.check(inputs.matrices, batches: inputs.batches, files: options.paths, bundle: bundle)
            warnings = FloatRangeError.underflowWarnings(
                inputs.matrices, batches: inputs.batches, files: options.paths, bundle: bundle)
            // The float32 copies of the inputs are held beside the float64 ones during the run.
            let values = inputs.matrices.values.reduce(0) { $0 + $1.elements.count }
            try MemoryBudget.check(
                values: values, bytesPerValue: MemoryLayout<Float>.stride, what: "converting the inputs to float32")
        }
        let text =
            options.useFloat ? try compute(Float.self, x, memory, inputs) : try compute(Double.self, x, memory, inputs)
        return CommandOutput(
            text: text.report, binary: text.binary, warnings: inputs.warnings + warnings + text.warnings,
            destination: options.presentation.output,
            files: text.files)
    }

    /// Refuses, before the forward pass, an output too large to build in memory.
    private func checkOutputBudget(_ x: Matrix<Double>, memory: Matrix<Double>?, _ inputs: RunInputs)
        throws(MemoryBudget)
    {
        let c = inputs.configuration
        let wo = inputs.matrices["wo"]
        let outputDim = (inputs.layout == .torch ? wo?.rows : wo?.columns) ?? x.columns
        let dimensions = OutputBudget.Dimensions(
            tokens: x.rows, modelDim: x.columns, heads: c.heads, kvHeads: c.kvHeads ?? c.heads, outputDim: outputDim,
            queryRows: c.token == nil ? x.rows : 1, scalarBytes: options.useFloat ? 4 : 8, keyCount: memory?.rows,
            sequences: inputs.batches.values.map(\.count).max() ?? 1)
        let keep = c.intermediates
        try OutputBudget.check(
            dimensions, parts: options.presentation.steps ? Part.allCases : options.printedParts,
            format: options.presentation.format,
            precision: options.presentation.precisionGiven ? options.presentation.precision : nil,
            full: options.presentation.full,
            keepsPerHead: keep.contains(.scores) || keep.contains(.weights), layout: inputs.layout,
            drawsSVG: options.presentation.heatmapFile != nil)
    }

    /// The forward pass in precision `S` and its rendering in the chosen format.
    private func compute<S: NPYScalar>(_: S.Type, _ x: Matrix<Double>, _ memory: Matrix<Double>?, _ inputs: RunInputs)
        throws
        -> (report: String, binary: [UInt8]?, warnings: [String], files: [OutputFile])
    {
        let input = x.converted(to: S.self)
        let parameters: AttentionParameters<S> = try inputs.parameters(S.self)
        let mask = inputs.mask(S.self)
        let memory = memory?.converted(to: S.self)
        if inputs.isBatch {
            let batch = try computeBatch(S.self, parameters, mask, inputs)
            return (batch.report, batch.binary, batch.warnings, batch.files)
        }
        let result = try forward(input, memory, parameters, mask, inputs)
        let rules = ScoreRulesSummary(
            configuration: inputs.configuration, maskKind: mask == nil ? nil : inputs.maskKind,
            alibiSlopes: result.alibiSlopes)
        let report = try options.presentation.render(
            result, rules: rules, cross: memory != nil,
            scaleGiven: inputs.configuration.scale != nil,
            biases: parameters.addedBiases
        ) { style in
            StepsRenderer.render(
                input: input, memory: memory, parameters: parameters, mask: mask,
                configuration: inputs.configuration, result: result, style: style)
        }
        return (
            report, try options.presentation.binary(result, cross: memory != nil),
            RunCommand.warningTexts(result.warnings),
            try options.presentation.files(result, cross: memory != nil)
        )
    }

    /// A 3-D input: each sequence with the same weights (a 3-D memory or mask gives one per
    /// sequence, a 2-D one is shared), rendered with the batch index.
    private func computeBatch<S: NPYScalar>(
        _: S.Type, _ parameters: AttentionParameters<S>, _ mask: AttentionMask<S>?,
        _ inputs: RunInputs
    ) throws -> (report: String, binary: [UInt8]?, warnings: [String], files: [OutputFile]) {
        func sequences(_ key: String) -> [Matrix<S>] {
            (inputs.batches[key] ?? inputs.matrices[key].map { [$0] } ?? []).map { $0.converted(to: S.self) }
        }
        let masks = sequences("mask").map { AttentionMask($0, kind: inputs.maskKind.converted()) }
        let results: [AttentionResult<S>]
        do {
            results = try MultiHeadAttention.forward(
                batch: sequences("x"), memories: sequences("memory"), parameters: parameters,
                masks: masks, configuration: inputs.configuration)
        } catch {
            if let sourced = BundleSourcedError.attributing(
                error, origins: inputs.origins, given: Set(inputs.matrices.keys))
            {
                throw sourced
            }
            throw error
        }
        let (xs, memories) = (sequences("x"), sequences("memory"))
        let report = try options.presentation.renderBatch(
            results,
            rules: {
                ScoreRulesSummary(
                    configuration: inputs.configuration, maskKind: mask == nil ? nil : inputs.maskKind,
                    alibiSlopes: $0.alibiSlopes)
            },
            cross: inputs.matrices["memory"] != nil, scaleGiven: inputs.configuration.scale != nil,
            biases: parameters.addedBiases
        ) { b, style in
            StepsRenderer.render(
                input: xs[b], memory: memories.count > 1 ? memories[b] : memories.first,
                parameters: parameters, mask: masks.count > 1 ? masks[b] : masks.first,
                configuration: inputs.configuration, result: results[b], style: style)
        }
        let warnings = results.enumerated().flatMap { b, r in
            RunCommand.warningTexts(r.warnings).map { "batch \(b + 1): " + $0 }
        }
        return (report, try options.presentation.binary(batch: results), warnings, [])
    }

    /// The engine's forward pass; an error about a value read from a file names that file.
    private func forward<S: AttentionScalar>(
        _ input: Matrix<S>, _ memory: Matrix<S>?, _ parameters: AttentionParameters<S>,
        _ mask: AttentionMask<S>?, _ inputs: RunInputs
    ) throws -> AttentionResult<S> {
        do {
            // The budget is read now, with the inputs, weights and their conversions all held.
            var configuration = inputs.configuration
            AvailableMemory.limit(&configuration)
            return try MultiHeadAttention.forward(
                input: input, memory: memory, parameters: parameters, mask: mask,
                configuration: configuration)
        } catch {
            if let sourced = BundleSourcedError.attributing(
                error, origins: inputs.origins, given: Set(inputs.matrices.keys))
            {
                throw sourced
            }
            throw error
        }
    }

    /// A warning in the command line's words: the engine's "use the block kind" becomes
    /// `--mask-kind block`.
    static func warningText(_ warning: AttentionWarning) -> String {
        guard case .probablyInvertedMask = warning else { return warning.description }
        return warning.description.replacing("use the block kind", with: "give --mask-kind block")
    }

    /// The engine's warnings as lines: rows that can attend to no key in one line (a count
    /// and their ranges; one line per row flooded stderr under a window), `rows` naming them
    /// (`token` in run, `query row` in attend).
    static func warningTexts(_ warnings: [AttentionWarning], rows: String = "token") -> [String] {
        let masked = warnings.compactMap { warning -> Int? in
            if case let .fullyMaskedRow(token) = warning { return token } else { return nil }
        }
        var lines = warnings.filter { if case .fullyMaskedRow = $0 { false } else { true } }.map { warning in
            guard case let .swampedMask(token, head) = warning else { return warningText(warning) }
            return "\(rows) \(token), head \(head): " + AttentionWarning.swampedText
        }
        switch masked.count {
        case 0: break
        case 1:
            lines.append(
                "\(rows) \(masked[0]) can attend to no key (every key is masked): its head outputs are zero rows")
        default:
            lines.append(
                "\(masked.count) \(rows)s can attend to no key (every key is masked): \(ranges(masked)); their head outputs are zero rows"
            )
        }
        return lines
    }

    /// `0…449, 460, 470…471` for sorted integers, at most eight ranges then `…`.
    static func ranges(_ values: [Int]) -> String {
        var runs: [ClosedRange<Int>] = []
        for value in values.sorted() {
            if let last = runs.last, value == last.upperBound + 1 {
                runs[runs.count - 1] = last.lowerBound...value
            } else if runs.last?.contains(value) != true {
                runs.append(value...value)
            }
        }
        let shown = runs.prefix(8).map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)…\($0.upperBound)" }
        return shown.joined(separator: ", ") + (runs.count > 8 ? ", …" : "")
    }
}
