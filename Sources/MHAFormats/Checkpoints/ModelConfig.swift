import MHACore

/// A Hugging Face `config.json`, read for the few values attention needs: the model type,
/// head counts, head width, RoPE base and window. Values are looked up by any of several
/// names (GPT-2 says `n_head` where Llama says `num_attention_heads`).
public struct ModelConfig: Sendable {
    /// The file, for messages.
    public let name: String
    /// Top-level numbers by key (integers and reals alike).
    private let numbers: [String: Double]
    /// Top-level strings by key.
    private let strings: [String: String]
    /// `rope_parameters` (transformers 5) and `rope_scaling` (transformers 4), each as found.
    private let ropeBlocks: [RopeBlock]
    /// `rope_parameters` given per layer type (Gemma 3's `{"full_attention": {…},
    /// "sliding_attention": {…}}`), by layer type.
    private let layerRopeBlocks: [String: RopeBlock]
    /// Top-level arrays of strings by key (`layer_types`).
    private let stringLists: [String: [String]]
    /// Top-level arrays of numbers by key (SmolLM3's `no_rope_layers`).
    private let numberLists: [String: [Double]]
    /// Top-level booleans by key.
    private let booleans: [String: Bool]
    /// The first entry of `architectures` (`LlamaForCausalLM`), if any.
    public let architectureClass: String?
    /// Every top-level key, in file order.
    public let keys: [String]
    /// The top-level keys whose value is `null`.
    private let nulls: Set<String>
    /// Every top-level value as a message shows it (`"500000"`, `true`, `a list`), by key: a
    /// key asked for as one type and found as another is refused with it.
    private let spellings: [String: String]
    /// `quantization_config.quant_method` (`compressed-tensors`, `bitsandbytes`, `gptq`, …),
    /// or `"unnamed"` for a quantization_config without one; nil without a quantization_config.
    public let quantizationMethod: String?

    /// Reads the config at `path`.
    /// - Throws: `FormatError` (66 when it cannot be read, 65 when it is not a JSON object).
    public init(path: String) throws(FormatError) {
        try self.init(terminated: InputBytes.read(path: path), name: path)
    }

    /// The `config.json` in the folder of `archivePath`, or nil when there is none.
    /// - Throws: `FormatError` when it exists but cannot be read or parsed.
    public static func beside(_ archivePath: String) throws(FormatError) -> ModelConfig? {
        guard archivePath != "-" else { return nil }
        let path = PathParts.folder(archivePath) + "config.json"
        return MatrixSource.exists(path) ? try ModelConfig(path: path) : nil
    }

    /// Parses config text in memory; `name` goes into messages.
    public init(bytes: [UInt8], name: String) throws(FormatError) {
        try self.init(terminated: bytes + [0], name: name)
    }

    private init(terminated: [UInt8], name: String) throws(FormatError) {
        self.name = name
        let (document, written) = try MatrixReader.withContent(of: terminated) {
            (text) throws(FormatError) -> (JSONDocument, [Int: String]) in
            let document = try JSONParser(text: text, name: name, acceptsPythonNonFinite: true)
                .parseObject(named: "a model's config.json")
            try document.refuseConflictingKeys(in: text, name: name, reader: "transformers")
            var written: [Int: String] = [:]
            for index in document.nodes.indices where document.nodes[index].kind == .number {
                written[index] = document.writtenNumber(index, in: text)
            }
            return (document, written)
        }
        guard document.nodes[0].kind == .object else {
            throw FormatError(kind: .data, file: name, message: "expected a JSON object (a model's config.json)")
        }
        var numbers: [String: Double] = [:], strings: [String: String] = [:], booleans: [String: Bool] = [:]
        var ropeBlocks: [RopeBlock] = []
        var layerRopeBlocks: [String: RopeBlock] = [:]
        var stringLists: [String: [String]] = [:]
        var numberLists: [String: [Double]] = [:]
        var architecture: String?
        var keys: [String] = [], nulls: Set<String> = [], quantization: String?
        var spellings: [String: String] = [:]
        for member in document.members(of: 0) {
            let node = document.nodes[member.value]
            if !keys.contains(member.key) { keys.append(member.key) }  // a repeat has the same value
            if node.kind == .number, !document.number(member.value).isFinite {
                // Python's json writes NaN and Infinity; harmless in keys not read here.
                guard !Self.readKeys.contains(member.key) else {
                    throw Self.nonFinite(member.key, written: written[member.value], name: name)
                }
                continue
            }
            spellings[member.key] = Self.spelling(member.value, in: document, written: written)
            switch node.kind {
            case .null: nulls.insert(member.key)
            case .object where member.key == "quantization_config":
                let method = document.members(of: member.value).first { $0.key == "quant_method" }
                quantization =
                    method.flatMap { document.nodes[$0.value].kind == .string ? document.string($0.value) : nil }
                    ?? "unnamed"
            case .number: numbers[member.key] = document.number(member.value)
            case .string: strings[member.key] = document.string(member.value)
            case .boolean: booleans[member.key] = document.boolean(member.value)
            case .array where member.key == "architectures":
                architecture = document.elements(of: member.value).first
                    .flatMap { document.nodes[$0].kind == .string ? document.string($0) : nil }
            case .array where document.elements(of: member.value).allSatisfy({ document.nodes[$0].kind == .string }):
                stringLists[member.key] = document.elements(of: member.value).map { document.string($0) }
            case .array where document.elements(of: member.value).allSatisfy({ document.nodes[$0].kind == .number }):
                numberLists[member.key] = document.elements(of: member.value).map { document.number($0) }
            case .object where member.key == "rope_parameters" || member.key == "rope_scaling":
                ropeBlocks.append(
                    try Self.ropeBlock(member.key, at: member.value, in: document, written: written, name: name))
                for inner in document.members(of: member.value) where document.nodes[inner.value].kind == .object {
                    let key = member.key + "." + inner.key
                    layerRopeBlocks[inner.key] = try Self.ropeBlock(
                        key, at: inner.value, in: document, written: written, name: name)
                }
            default: break
            }
        }
        (self.numbers, self.strings, self.booleans, self.ropeBlocks) = (numbers, strings, booleans, ropeBlocks)
        (self.layerRopeBlocks, self.stringLists, self.numberLists) = (layerRopeBlocks, stringLists, numberLists)
        architectureClass = architecture
        (self.keys, self.nulls, self.spellings, quantizationMethod) = (keys, nulls, spellings, quantization)
        if spellings["model_type"] != nil, strings["model_type"] == nil {
            throw Self.wrongType("model_type", expected: "a string (the model type)", found: spellings, name: name)
        }
    }

    /// A JSON value as a message shows it: a string quoted, a number as the file writes it
    /// (`written`, by node), `true`, `null`, `a list`, `an object`.
    private static func spelling(_ index: Int, in document: JSONDocument, written: [Int: String]) -> String {
        switch document.nodes[index].kind {
        case .null: return "null"
        case .boolean: return document.boolean(index) ? "true" : "false"
        case .number: return written[index] ?? describe(document.number(index))
        case .string: return MessageText.quoted(document.string(index))
        case .array: return "a list"
        case .object: return "an object"
        }
    }

    /// The error for `key` found as another JSON type than the one read.
    private static func wrongType(_ key: String, expected: String, found spellings: [String: String], name: String)
        -> FormatError
    {
        FormatError(
            kind: .data, file: name, path: "$." + key,
            message: "expected \(expected), found \(spellings[key] ?? "nothing")")
    }

    /// The top-level keys whose `null` means what their absence means (or, for
    /// `sliding_window` and `attn_logit_softcapping`, none), as transformers' classes read
    /// them; any other key read as `null` is refused, as transformers refuses or fails on it.
    static let nullable: Set<String> = [
        "head_dim", "num_key_value_heads", "partial_rotary_factor", "sliding_window", "attn_logit_softcapping",
        "original_max_position_embeddings", "use_bidirectional_attention", "layer_types", "no_rope_layers",
        "rope_parameters", "rope_scaling",
    ]

    /// Top-level `key` from `table` (the values of one JSON type): nil when absent (or a
    /// `nullable` null).
    /// - Throws: a data error naming the key and `expected` when it holds another type.
    private func typed<T>(_ key: String, _ table: [String: T], _ expected: String) throws(FormatError) -> T? {
        if let value = table[key] { return value }
        guard spellings[key] != nil, !(nulls.contains(key) && Self.nullable.contains(key)) else { return nil }
        throw Self.wrongType(key, expected: expected, found: spellings, name: name)
    }

    /// The numbers, strings and booleans of the RoPE object `key` at node `index`.
    private static func ropeBlock(
        _ key: String, at index: Int, in document: JSONDocument, written: [Int: String], name: String
    ) throws(FormatError) -> RopeBlock {
        var block = RopeBlock(key: key)
        for inner in document.members(of: index) {
            block.spellings[inner.key] = spelling(inner.value, in: document, written: written)
            switch document.nodes[inner.value].kind {
            case .number where !document.number(inner.value).isFinite:
                throw Self.nonFinite(key + "." + inner.key, written: written[inner.value], name: name)
            case .number: block.numbers[inner.key] = document.number(inner.value)
            case .string: block.strings[inner.key] = document.string(inner.value)
            case .boolean: block.booleans[inner.key] = document.boolean(inner.value)
            case .null: block.nulls.insert(inner.key)
            default: break
            }
        }
        return block
    }

    /// The top-level number keys attention is read from: NaN or ±∞ in one of them is an
    /// error, in any other key it is skipped (config.json's other numbers are not read).
    static let readKeys: Set<String> = [
        "num_attention_heads", "n_head", "n_heads", "head_dim", "num_key_value_heads", "rope_theta",
        "partial_rotary_factor",
        "sliding_window", "max_window_layers", "max_position_embeddings", "original_max_position_embeddings",
        "query_pre_attn_scalar", "attn_logit_softcapping", "rotary_pct", "rotary_emb_base", "rope_local_base_freq",
        "sliding_window_pattern", "rms_norm_eps", "attention_multiplier", "no_rope_layer_interval", "hidden_size",
        "n_embd", "n_embed", "dim", "num_hidden_layers", "n_layer", "n_layers",
    ]

    /// The error for NaN or ±∞ in a key that is read, with the value as the file writes it
    /// (Python's `NaN`, `Infinity`, `-Infinity`, or a number too large for a float, `1e400`).
    private static func nonFinite(_ key: String, written: String?, name: String) -> FormatError {
        let found = written ?? "NaN or Infinity"
        let why =
            ["NaN", "Infinity", "-Infinity"].contains(found)
            ? "" : " (beyond the largest float; Python reads it as \(found.hasPrefix("-") ? "-inf" : "inf"))"
        return FormatError(
            kind: .data, file: name, path: "$." + key, message: "expected a finite number, found \(found)\(why)")
    }

    /// `model_type` (`gpt2`, `bert`, `llama`, `qwen2`, …).
    public var modelType: String? { strings["model_type"] }

    /// `key` as a positive finite number, if present.
    /// - Throws: a data error when the key is present but not such a number.
    public func positiveNumber(_ key: String) throws(FormatError) -> Double? {
        guard let value = try typed(key, numbers, "a positive number") else { return nil }
        guard value > 0, value.isFinite else {
            throw FormatError(
                kind: .data, file: name, path: "$." + key,
                message: "expected a positive number, found \(written(key, value))")
        }
        return value
    }

    /// `key` as a finite number ≥ 0, if present.
    /// - Throws: a data error when the key is present but not such a number.
    public func nonNegativeNumber(_ key: String) throws(FormatError) -> Double? {
        guard let value = try typed(key, numbers, "a number ≥ 0") else { return nil }
        guard value >= 0, value.isFinite else {
            throw FormatError(
                kind: .data, file: name, path: "$." + key,
                message: "expected a number ≥ 0, found \(written(key, value))")
        }
        return value
    }

    /// The first of `keys` present as a positive integer.
    /// - Throws: a data error when the key is present but not a positive integer written as
    ///   one (`integer(_:_:least:)`).
    public func positiveInteger(_ keys: String...) throws(FormatError) -> Int? {
        for key in keys {
            guard let value = try typed(key, numbers, "a positive integer") else { continue }
            return try integer(key, value, least: 1)
        }
        return nil
    }

    /// `key` as an integer ≥ 0, if present.
    /// - Throws: a data error when the key is present but not such an integer written as one.
    public func nonNegativeInteger(_ key: String) throws(FormatError) -> Int? {
        guard let value = try typed(key, numbers, "an integer ≥ 0") else { return nil }
        return try integer(key, value, least: 0)
    }

    /// `value` of `key` as an integer ≥ `least` and below 2³¹, written as an integer: Python's
    /// json reads `16.0` or `1e3` as a float, which transformers' classes do not take as a
    /// count or a width (PyTorch refuses a float size), so it is refused, not rounded.
    private func integer(_ key: String, _ value: Double, least: Int) throws(FormatError) -> Int {
        let expected = least == 1 ? "a positive integer" : "an integer ≥ 0"
        let found = written(key, value)
        let asInteger = found.unicodeScalars.allSatisfy { $0 == "-" || ("0"..."9").contains($0) }
        var detail = ""
        if !asInteger, value.rounded() == value, value >= Double(least), value < 0x1p31 {
            detail = " (written as a float, which Python's json keeps a float and transformers cannot use as a size)"
        } else if asInteger, value >= 0x1p31 {
            detail = " (too large: at most 2147483647)"
        }
        guard asInteger, value >= Double(least), value < 0x1p31 else {
            throw FormatError(
                kind: .data, file: name, path: "$." + key, message: "expected \(expected), found \(found)\(detail)")
        }
        return Int(value)
    }

    /// Top-level `key`'s value as the file writes it (`value` as config.json would spell it
    /// when the key is not at the top level).
    private func written(_ key: String, _ value: Double) -> String { spellings[key] ?? Self.describe(value) }

    /// A number as config.json would spell it: `0`, not `0.0`, for a whole number.
    static func describe(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 0x1p53 ? String(Int64(value)) : "\(value)"
    }

    /// Whether top-level `key` is `null`.
    public func isNull(_ key: String) -> Bool { nulls.contains(key) }

    /// Whether top-level `key` is present (as any value but `null`).
    public func has(_ key: String) -> Bool { spellings[key] != nil && !nulls.contains(key) }

    /// A top-level boolean.
    /// - Throws: a data error when the key holds another type.
    public func boolean(_ key: String) throws(FormatError) -> Bool? {
        try typed(key, booleans, "true or false")
    }

    /// A top-level string.
    /// - Throws: a data error when the key holds another type.
    public func string(_ key: String) throws(FormatError) -> String? { try typed(key, strings, "a string") }

    /// A top-level number.
    /// - Throws: a data error when the key holds another type.
    public func number(_ key: String) throws(FormatError) -> Double? { try typed(key, numbers, "a number") }

    /// A top-level array of integers (`[1, 1, 1, 0]`), if present.
    /// - Throws: a data error when the key holds anything else.
    public func integerList(_ key: String) throws(FormatError) -> [Int]? {
        var values = stringLists[key]?.isEmpty == true ? [Double]() : nil  // [] reads as either
        if values == nil { values = try typed(key, numberLists, "a list of integers") }
        guard let values else { return nil }
        guard values.allSatisfy({ $0.isFinite && $0.rounded() == $0 && abs($0) < 0x1p53 }) else {
            throw Self.wrongType(key, expected: "a list of integers", found: spellings, name: name)
        }
        return values.map { Int($0) }
    }

    /// `layer_types` (`full_attention`, `sliding_attention`, …), one per layer, if given.
    /// - Throws: a data error when it is not a list of strings.
    public func layerTypes() throws(FormatError) -> [String]? {
        if numberLists["layer_types"]?.isEmpty == true { return [] }  // [] reads as either
        return try typed("layer_types", stringLists, "a list of layer types (strings)")
    }

    /// The RoPE object transformers reads: `rope_scaling` (transformers 4's name, which
    /// transformers 5 still prefers when a config.json has both) or `rope_parameters`; with a
    /// layer type that `rope_parameters` gives its own object (Gemma 3), that object (Gemma 3
    /// reads no other `rope_parameters`).
    /// - Throws: a data error for a RoPE key that is not an object, or a member of the wrong type.
    private func ropeBlock(_ layerType: String? = nil) throws(FormatError) -> RopeBlock? {
        for key in ["rope_scaling", "rope_parameters"] where has(key) && !ropeBlocks.contains(where: { $0.key == key })
        {
            throw Self.wrongType(key, expected: "an object (the RoPE parameters)", found: spellings, name: name)
        }
        // Gemma3TextConfig reads rope_parameters only per layer type (a flat one is ignored).
        let flat = modelType == "gemma3_text" ? nil : ropeBlocks.first
        let block = layerType.flatMap { layerRopeBlocks[$0] } ?? ropeBlocks.first { $0.key == "rope_scaling" } ?? flat
        try block?.check(name: name)
        return block
    }

    /// Whether `rope_parameters` gives `layerType` its own RoPE object.
    public func hasRopeParameters(forLayerType layerType: String) -> Bool { layerRopeBlocks[layerType] != nil }

    /// The key of the RoPE object a layer reads (`rope_scaling`, `rope_parameters`,
    /// `rope_parameters.full_attention`), for messages; nil without one.
    public func ropeKey(layerType: String? = nil) -> String? { (try? ropeBlock(layerType))??.key }

    /// The RoPE base: `rope_theta` in the RoPE object, else at the top level (transformers 4);
    /// nil when neither says.
    public var ropeTheta: Double? { try? ropeTheta(layerType: nil) }

    /// `ropeTheta` for a layer type that may have its own RoPE object (Gemma 3).
    /// - Throws: a data error for a value of the wrong type.
    public func ropeTheta(layerType: String?, topLevel: Bool = true) throws(FormatError) -> Double? {
        if let base = try ropeBlock(layerType)?.numbers["rope_theta"] { return base }
        return topLevel ? try typed("rope_theta", numbers, "a number (RoPE's base)") : nil
    }

    /// `ropeTheta`, checked: a positive finite number.
    /// - Parameter topLevel: whether a top-level `rope_theta` counts (GPT-NeoX's class ignores it).
    /// - Throws: a data error naming the key otherwise.
    public func ropeBase(layerType: String? = nil, topLevel: Bool = true) throws(FormatError) -> Double? {
        guard let base = try ropeTheta(layerType: layerType, topLevel: topLevel) else { return nil }
        guard base > 0, base.isFinite else {
            let ropeBlock = try ropeBlock(layerType)
            let path = ropeBlock?.numbers["rope_theta"] != nil ? "$.\(ropeBlock?.key ?? "").rope_theta" : "$.rope_theta"
            throw FormatError(
                kind: .data, file: name, path: path,
                message:
                    "RoPE's base must be a positive number, found \(ropeBlock?.spellings["rope_theta"] ?? written("rope_theta", base))"
            )
        }
        return base
    }

    /// `partialRotaryFactor`, checked: in (0, 1], as transformers' RoPE needs.
    /// - Parameters:
    ///   - layerType: a layer type with its own RoPE object (Gemma 3).
    ///   - topLevel: whether a top-level `partial_rotary_factor` counts (GPT-NeoX's class ignores it).
    /// - Throws: a data error naming the key otherwise.
    public func rotaryFraction(layerType: String? = nil, topLevel: Bool = true) throws(FormatError) -> Double? {
        let block = try ropeBlock(layerType)
        let inBlock = block?.numbers["partial_rotary_factor"]
        var found = inBlock
        if found == nil, topLevel { found = try typed("partial_rotary_factor", numbers, "a number") }
        guard let factor = found else { return nil }
        guard factor > 0, factor <= 1 else {
            let path = inBlock != nil ? "$.\(block?.key ?? "").partial_rotary_factor" : "$.partial_rotary_factor"
            throw FormatError(
                kind: .data, file: name, path: path,
                message:
                    "partial_rotary_factor must be in (0, 1] (the fraction of d_k that rotates), found \(inBlock != nil ? block?.spellings["partial_rotary_factor"] ?? Self.describe(factor) : written("partial_rotary_factor", factor))"
            )
        }
        return factor
    }

    /// The key a layer's `partial_rotary_factor` was read from, for messages.
    public func rotaryFractionPath(layerType: String? = nil) -> String {
        guard let block = try? ropeBlock(layerType), block.numbers["partial_rotary_factor"] != nil else {
            return "$.partial_rotary_factor"
        }
        return "$.\(block.key).partial_rotary_factor"
    }

    /// The RoPE scaling config.json asks for, or nil for plain RoPE (no RoPE object, or
    /// `rope_type` `default`).
    /// - Throws: a data error for a type not computed here (`dynamic`, `longrope`, …), a
    ///   parameter a type needs and the config lacks (yarn's `factor` included, which
    ///   transformers requires as a key; `null` derives it), or a `factor` other than 1 with no
    ///   type, whose meaning transformers' versions disagree on.
    public func rotaryScaling(layerType: String? = nil) throws(FormatError) -> RotaryScaling? {
        guard let block = try ropeBlock(layerType) else { return nil }
        guard let type = block.strings["rope_type"] ?? block.strings["type"] else {
            if let factor = block.numbers["factor"], factor != 1 {
                throw FormatError(
                    kind: .data, file: name, path: "$." + block.key,
                    message:
                        "\(block.key) with factor \(factor) and no rope_type (scaled RoPE) is ambiguous; say its rope_type"
                )
            }
            return nil
        }
        if type == "yarn", block.spellings["factor"] == nil {
            throw FormatError(
                kind: .data, file: name, path: "$." + block.key,
                message:
                    "rope scaling yarn needs factor (transformers refuses a yarn block without the key; null derives it from max_position_embeddings / original_max_position_embeddings); reading this layer without it would give wrong scores"
            )
        }
        let context = RotaryScalingParameters.Context(
            maxPositionEmbeddings: try positiveNumber("max_position_embeddings"),
            originalMaxPositionEmbeddings: try positiveNumber("original_max_position_embeddings"))
        let scaling: RotaryScaling?
        do {
            scaling = try RotaryScalingParameters.rule(
                type: type, numbers: block.numbers, booleans: block.booleans, strict: false, context: context)
        } catch {
            throw FormatError(
                kind: .data, file: name, path: "$." + block.key,
                message: error.message + "; reading this layer without it would give wrong scores")
        }
        if let scaling, let parameter = scaling.invalidParameter {
            throw invalidScaling(scaling, parameter: parameter, in: block)
        }
        return scaling
    }

    /// The error for a scaling rule that a value of config.json leaves undefined (a factor ≤ 0,
    /// llama3's `low_freq_factor` not below `high_freq_factor`, …), naming the key and quoting
    /// the value as the file spells it.
    private func invalidScaling(_ scaling: RotaryScaling, parameter: String, in block: RopeBlock) -> FormatError {
        let value = scaling.parameters.first { $0.name == parameter }?.value ?? .nan
        let found = block.spellings[parameter] ?? spellings[parameter] ?? Self.describe(value)
        let path =
            block.spellings[parameter] != nil
            ? "$.\(block.key).\(parameter)" : spellings[parameter] != nil ? "$.\(parameter)" : "$.\(block.key)"
        var rule = "must be a positive number"
        if case let .llama3(l) = scaling, parameter == "low_freq_factor", value.isFinite, value > 0 {
            let high = block.spellings["high_freq_factor"] ?? Self.describe(l.highFrequencyFactor)
            rule = "must be below high_freq_factor (\(high))"
        }
        return FormatError(
            kind: .data, file: name, path: path,
            message:
                "rope scaling \(scaling.name) is invalid: \(parameter) \(rule), found \(found) (transformers' rule is not defined for it)"
        )
    }

    /// The warning for members of the RoPE object a layer reads that its `rope_type` does not
    /// use (`beta_fast` beside `linear`, `factor` beside `default`), which transformers logs as
    /// unrecognized and ignores, as this reader does; nil when there are none.
    /// - Throws: a data error for a RoPE key that is not an object, or a member of the wrong type.
    public func unreadRopeParametersWarning(layerType: String? = nil) throws(FormatError) -> String? {
        guard let block = try ropeBlock(layerType), let type = block.strings["rope_type"] ?? block.strings["type"]
        else { return nil }
        let read = Set(
            (RotaryScalingParameters.names[type] ?? []) + ["rope_type", "type", "rope_theta", "partial_rotary_factor"])
        let unread = block.spellings.filter { !read.contains($0.key) && $0.value != "an object" }.keys.sorted()
        guard !unread.isEmpty else { return nil }
        let listed = unread.map { MessageText.escaped($0, limit: 40) }.joined(separator: ", ")
        return
            "\(name)'s \(block.key) has \(listed), which rope_type \(MessageText.quoted(type)) does not read: ignored, as transformers ignores it (it logs the key as unrecognized)"
    }
}

/// One of config.json's RoPE objects: its key and its number and string members.
private struct RopeBlock: Sendable {
    var key: String
    var numbers: [String: Double] = [:]
    var strings: [String: String] = [:]
    var booleans: [String: Bool] = [:]
    var nulls: Set<String> = []
    /// Every member as a message shows it.
    var spellings: [String: String] = [:]

    /// The members transformers' RoPE reads, by the type each must be; `null` is refused in
    /// `rope_theta`, `low_freq_factor` and `high_freq_factor` (transformers fails on it) and
    /// means "absent" in the others.
    static let expected: [String: String] = [
        "rope_type": "a string", "type": "a string", "rope_theta": "a number", "factor": "a number",
        "partial_rotary_factor": "a number", "low_freq_factor": "a number", "high_freq_factor": "a number",
        "original_max_position_embeddings": "a number", "beta_fast": "a number", "beta_slow": "a number",
        "attention_factor": "a number", "mscale": "a number", "mscale_all_dim": "a number", "truncate": "true or false",
    ]
    static let nonNullable: Set<String> = ["rope_type", "type", "rope_theta", "low_freq_factor", "high_freq_factor"]

    /// Refuses a member of the wrong JSON type.
    func check(name: String) throws(FormatError) {
        for (member, expected) in Self.expected.sorted(by: { $0.key < $1.key }) {
            guard let found = spellings[member] else { continue }
            if nulls.contains(member), !Self.nonNullable.contains(member) { continue }
            let right: Bool
            switch expected {
            case "a string": right = strings[member] != nil
            case "a number": right = numbers[member] != nil
            default: right = booleans[member] != nil
            }
            guard !right else { continue }
            throw FormatError(
                kind: .data, file: name, path: "$.\(key).\(member)", message: "expected \(expected), found \(found)")
        }
    }
}
