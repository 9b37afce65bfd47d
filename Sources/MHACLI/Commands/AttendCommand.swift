import MHACore
import MHAFormats

/// `mha-cli attend -q Q -k K -v V`: Att_qkv on given matrices, no projections (DESIGN §4).
struct AttendCommand: Command {
    /// The declaration that parsing, help and completions read.
    static let spec = CommandSpec(
        name: "attend",
        abstract:
            "Attention on given Q, K and V (no projections): every head's softmax(Q_j·K_jᵀ·scale)·V_j and their concat.",
        discussion: """
            Q is n_q × τ·d_k, K is n_k × g·d_k, V is n_k × g·d_v (d_v may differ from d_k); query head j \
            uses K/V head ⌈j·g/τ⌉ (both counted from 1). With τ = 1 it is the textbook's Att_qkv(q, K, V). Prints each head \
            (n_q × d_v) and the concat (n_q × τ·d_v). Keys are at positions 0…n_k−1 and query row i at \
            n_k − n_q + i, so --causal with n_q < n_k is aligned at the end (row i sees keys \
            0 … i + n_k − n_q, the KV-cache convention of Hugging Face); PyTorch SDPA's is_causal aligns \
            at the start instead. --tokens names the n_k key positions (the last n_q name the queries). \
            RoPE, ALiBi, the window, the soft-cap and masks act as in run; 3-D .npy operands \
            (B × n × width) run as a batch. With --checkpoint FILE --layer L the layer's τ, g, d_k, \
            scale, causal mask, RoPE, QK-norm and window come from the checkpoint (Q, K, V are its projections \
            before its QK-norm and RoPE, as q_proj, k_proj, v_proj give them); its weights are not used, since attend \
            has no projections. Flags still win.
            """,
        options: [
            queries, keys, values, heads, RunCommand.kvHeads, RunCommand.causal, noCausal,
            RunCommand.mask, RunCommand.scale, RunCommand.token,
        ]
            + ScoreOptions.attendDeclarations + [RunCommand.gq, RunCommand.gk] + [
                RunCommand.format, show, RunCommand.precision, RunCommand.useFloat, RunCommand.output, RunCommand.steps,
                RunCommand.heatmap, RunCommand.heatmapScale, RunCommand.tokens, RunCommand.noColor, RunCommand.full,
                checkpoint, RunCommand.layer, RunCommand.arch, RunCommand.config,
            ])

    /// run's `--checkpoint`, worded for attend, which has no projections to fill.
    static let checkpoint = RunCommand.checkpoint.reworded(
        "A model's .safetensors (or .npz): take layer --layer's τ, g, d_k, scale, causal mask, RoPE, QK-norm and window from it and its config.json (its weights are not used); flags still win."
    )

    static let queries = Option<String>.file("queries", short: "q", help: "Q, n_q × τ·d_k, one query per row.")
    static let keys = Option<String>.file("keys", short: "k", help: "K, n_k × kv_heads·d_k, one key per row.")
    static let values = Option<String>.file("values", short: "v", help: "V, n_k × kv_heads·d_v, one value per key.")
    static let heads = Option<Int>.integer(
        "heads", "n", minimum: 1, help: "τ, the number of attention heads; must divide Q's width unless --head-dim.",
        default: "1, or the checkpoint's")
    static let noCausal = Flag(
        "no-causal", help: "Not causal, even when the --checkpoint layer is a decoder's, whose attention is causal.")
    static let show = Option<[String]>.list(
        "show", "parts", allowed: parts.map(\.rawValue),
        help: "Comma list of the parts to print: qkv, scores, weights, heads, concat.", default: "heads,concat")

    /// The parts `attend` can show (there is no projected output).
    static let parts: [Part] = [.qkv, .scores, .weights, .heads, .concat]

    /// Paths of Q, K, V and the mask by name.
    let paths: [String: String]
    /// τ, g, causal, scale and the score options given, laid over a checkpoint's settings.
    let given: GivenSettings
    /// `--token`.
    let tokenGiven: Int?
    /// RoPE, ALiBi, window, soft-cap, head width, offset, mask kind.
    var score: ScoreOptions { given.score }
    /// `--checkpoint FILE --layer L`: the layer whose head structure and RoPE to use.
    let checkpoint: CheckpointChoice?
    /// How the result is shown.
    let presentation: ResultPresentation
    /// `--float`.
    let useFloat: Bool

    init(_ a: ParsedArguments) throws {
        var paths: [String: String] = [:]
        for (option, key) in [
            (Self.queries, "q"), (Self.keys, "k"), (Self.values, "v"), (RunCommand.mask, "mask"), (RunCommand.gq, "gq"),
            (RunCommand.gk, "gk"),
        ] {
            paths[key] = try a[option]
        }
        for (key, option) in [("q", "-q, --queries <file>"), ("k", "-k, --keys <file>"), ("v", "-v, --values <file>")]
        where paths[key] == nil {
            throw UsageError.missingOption(
                option: option, reason: "attend needs Q, K and V (give -q Q.csv -k K.csv -v V.csv)")
        }
        self.paths = paths
        typealias R = RunCommand
        if a[R.causal], a[Self.noCausal] {
            throw UsageError.invalidRequest("--causal and --no-causal contradict each other; give one")
        }
        let checkpoint = try CheckpointChoice(a)
        try StandardInputReaders.check(Array(paths.values), checkpoint: checkpoint)
        let score = try ScoreOptions(a, rotaryFromFile: checkpoint != nil)
        self.checkpoint = checkpoint
        given = GivenSettings(
            heads: try a[Self.heads], kvHeads: try a[R.kvHeads], scale: try a[R.scale],
            causal: a[R.causal] ? true : a[Self.noCausal] ? false : nil, score: score)
        tokenGiven = try a[R.token]
        if score.maskKind != nil, paths["mask"] == nil {
            throw UsageError.invalidRequest("--mask-kind says how to read a mask, but no --mask was given")
        }
        var p = ResultPresentation()
        try p.read(a)
        if let parts = try a[Self.show] {
            p.show = Self.parts.filter { parts.contains($0.rawValue) }
            p.showGiven = true
        } else {
            p.show = [.heads, .concat]
        }
        p.tokenNames = try RunOptions.tokenNames(a)
        try p.checkCombinations()
        presentation = p
        useFloat = a[RunCommand.useFloat]
    }

    /// Q, K, V (and a mask) as read, with the configuration they are attended under.
    struct Operands {
        /// The checkpoint's layer, if one was given (its warnings are the user's).
        var layer: CheckpointLayer?
        /// Q, K, V, the mask and the QK-norm gains by key (`q`, `k`, `v`, `mask`, `gq`, `gk`).
        var matrices: [String: Matrix<Double>]
        /// The 3-D operands, by key.
        var batches: [String: [Matrix<Double>]]
        /// τ, g, the score rules, `--token` and the memory limit (no intermediates chosen).
        var configuration: AttentionConfiguration
        /// `--mask-kind`, if given (keep otherwise).
        var kind: AttentionMask<Double>.Kind?
        /// The mask of a single sequence, read as `--mask-kind` says.
        var mask: AttentionMask<Double>? {
            matrices["mask"].map { AttentionMask($0, kind: (kind ?? .keep).converted()) }
        }
    }

    /// Reads Q, K, V and the mask and states the configuration, as `run` and `check` use them.
    func operands() throws -> Operands {
        let layer = try checkpoint?.read(heads: given.heads, ropeBase: score.ropeBase).layer
        var matrices: [String: Matrix<Double>] = [:]
        var batches: [String: [Matrix<Double>]] = [:]
        for (key, path) in paths.sorted(by: { $0.key < $1.key }) {
            let input = try MaskFile.read(
                path, key: key, kind: score.maskKind, batchable: ["q", "k", "v", "mask"].contains(key))
            (matrices[key], batches[key]) = (input.matrix, input.batch)
        }
        guard matrices["q"] != nil, matrices["k"] != nil, matrices["v"] != nil else {
            throw UsageError.missingOption(option: "-q, --queries <file>", reason: "attend needs Q, K and V")
        }
        var configuration = try given.configuration(over: layer?.configuration)
        try WeightAssembly.setNormGains(matrices, &configuration) { message, _ in UsageError.invalidRequest(message) }
        configuration.token = tokenGiven
        AvailableMemory.limit(&configuration)
        return Operands(
            layer: layer, matrices: matrices, batches: batches, configuration: configuration, kind: score.maskKind)
    }

    func run() throws -> CommandOutput {
        let operands = try operands()
        let (layer, matrices, batches) = (operands.layer, operands.matrices, operands.batches)
        guard let q = matrices["q"], let k = matrices["k"] else {
            throw UsageError.missingOption(option: "-q, --queries <file>", reason: "attend needs Q, K and V")
        }
        if let names = presentation.tokenNames, names.count != k.rows {
            throw UsageError.invalidRequest(
                "--tokens names \(counted(names.count, "token")) but K has \(counted(k.rows, "row")) (--tokens names the key positions)\(RunOptions.commaHint(names, k.rows))"
            )
        }
        var configuration = operands.configuration
        configuration.intermediates = presentation.intermediates(projected: false)
        try checkOutputBudget(q, k, configuration, sequences: batches.values.map(\.count).max() ?? 1)
        var warnings = layer?.warnings ?? []
        if useFloat {
            try FloatRangeError.checkMask(matrices, batches: batches, kind: score.maskKind ?? .keep)
            try FloatRangeError.check(matrices, batches: batches, files: paths, bundle: nil)
            warnings += FloatRangeError.underflowWarnings(matrices, batches: batches, files: paths, bundle: nil)
        }
        let text =
            useFloat
            ? try compute(Float.self, matrices, batches, configuration)
            : try compute(Double.self, matrices, batches, configuration)
        return CommandOutput(
            text: text.report, binary: text.binary, warnings: warnings + text.warnings,
            destination: presentation.output,
            files: text.files)
    }

    /// Q, K, V (and a mask) of which at least one is a 3-D `.npy` batch: each sequence on its
    /// own (a 2-D operand is shared), rendered with the batch index.
    private func computeBatch<S: NPYScalar>(
        _: S.Type, _ m: [String: Matrix<Double>], _ batches: [String: [Matrix<Double>]],
        _ configuration: AttentionConfiguration
    ) throws -> (report: String, binary: [UInt8]?, warnings: [String], files: [OutputFile]) {
        func sequences(_ key: String) -> [Matrix<S>] {
            (batches[key] ?? m[key].map { [$0] } ?? []).map { $0.converted(to: S.self) }
        }
        let (qs, ks, vs) = (sequences("q"), sequences("k"), sequences("v"))
        let count = [qs.count, ks.count, vs.count].max() ?? 1
        for (name, list) in [("Q", qs), ("K", ks), ("V", vs)] where list.count != 1 && list.count != count {
            throw UsageError.invalidRequest(
                "\(name) is a batch of \(list.count) sequences but another operand has \(count); give one (shared) or \(count)"
            )
        }
        func pick(_ list: [Matrix<S>], _ b: Int) -> Matrix<S> { list.count == 1 ? list[0] : list[b] }
        let batch = (0..<count).map { b in (queries: pick(qs, b), keys: pick(ks, b), values: pick(vs, b)) }
        let masks = sequences("mask").map { AttentionMask($0, kind: (score.maskKind ?? .keep).converted()) }
        let results = try MultiHeadAttention.attend(batch: batch, masks: masks, configuration: configuration)
        let report = try presentation.renderBatch(
            results,
            rules: {
                ScoreRulesSummary(
                    configuration: configuration, maskKind: masks.isEmpty ? nil : score.maskKind ?? .keep,
                    alibiSlopes: $0.alibiSlopes)
            },
            cross: false, scaleGiven: configuration.scale != nil, biases: []
        ) { b, style in
            StepsRenderer.render(
                input: nil, parameters: nil, mask: masks.count > 1 ? masks[b] : masks.first,
                configuration: configuration, result: results[b], style: style)
        }
        return (
            report, try presentation.binary(batch: results),
            results.enumerated().flatMap { b, r in
                RunCommand.warningTexts(r.warnings, rows: "query row").map { "batch \(b + 1): " + $0 }
            },
            []
        )
    }

    /// Refuses, before the pass, an output too large to build in memory (`sequences` of a batch).
    private func checkOutputBudget(
        _ q: Matrix<Double>, _ k: Matrix<Double>, _ c: AttentionConfiguration, sequences: Int
    ) throws(MemoryBudget) {
        let dimensions = OutputBudget.Dimensions(
            tokens: q.rows, modelDim: q.columns, heads: c.heads, kvHeads: c.kvHeads ?? c.heads, outputDim: q.columns,
            queryRows: c.token == nil ? q.rows : 1, scalarBytes: useFloat ? 4 : 8, keyCount: k.rows,
            sequences: sequences, projected: false)
        let p = presentation
        let keep = c.intermediates
        try OutputBudget.check(
            dimensions, parts: p.steps ? Self.parts : p.format.holdsOneMatrix ? [p.csvPart(projected: false)] : p.show,
            format: p.format, precision: p.precisionGiven ? p.precision : nil, full: p.full,
            keepsPerHead: keep.contains(.scores) || keep.contains(.weights), layout: .xw,
            drawsSVG: p.heatmapFile != nil)
    }

    /// The pass in precision `S` and its rendering.
    private func compute<S: NPYScalar>(
        _: S.Type, _ m: [String: Matrix<Double>], _ batches: [String: [Matrix<Double>]],
        _ configuration: AttentionConfiguration
    ) throws
        -> (report: String, binary: [UInt8]?, warnings: [String], files: [OutputFile])
    {
        func get(_ key: String) -> Matrix<S>? { m[key]?.converted(to: S.self) }
        guard let q = get("q"), let k = get("k"), let v = get("v") else { return ("", nil, [], []) }
        let mask = get("mask").map { AttentionMask($0, kind: (score.maskKind ?? .keep).converted()) }
        if !batches.isEmpty {
            let batch = try computeBatch(S.self, m, batches, configuration)
            return (batch.report, batch.binary, batch.warnings, batch.files)
        }
        let result = try MultiHeadAttention.attend(
            queries: q, keys: k, values: v, mask: mask, configuration: configuration)
        let rules = ScoreRulesSummary(
            configuration: configuration, maskKind: mask == nil ? nil : score.maskKind ?? .keep,
            alibiSlopes: result.alibiSlopes)
        let report = try presentation.render(
            result, rules: rules, cross: false, scaleGiven: configuration.scale != nil,
            biases: []
        ) { style in
            StepsRenderer.render(
                input: nil, parameters: nil, mask: mask, configuration: configuration,
                result: result, style: style)
        }
        return (
            report, try presentation.binary(result, cross: false),
            RunCommand.warningTexts(result.warnings, rows: "query row"),
            try presentation.files(result, cross: false)
        )
    }
}
