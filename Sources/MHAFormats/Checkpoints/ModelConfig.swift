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
    /// `layer_types` (`full_attention`, `sliding_attention`, …), one per layer, if given.
    public let layerTypes: [String]?
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
        let document = try MatrixReader.withContent(of: terminated) { (text) throws(FormatError) in
            try JSONParser(text: text, name: name, acceptsPythonNonFinite: true).parse()
        }
        guard document.nodes[0].kind == .object else {
            throw FormatError(kind: .data, file: name, message: "expected a JSON object (a model's config.json)")
        }
        var numbers: [String: Double] = [:], strings: [String: String] = [:], booleans: [String: Bool] = [:]
        var ropeBlocks: [RopeBlock] = []
        var layerRopeBlocks: [String: RopeBlock] = [:]
        var layerTypes: [String]?
        var numberLists: [String: [Double]] = [:]
        var architecture: String?
        var keys: [String] = [], nulls: Set<String> = [], quantization: String?
        for member in document.members(of: 0) {
            let node = document.nodes[member.value]
            keys.append(member.key)
            if node.kind == .number, !document.number(member.value).isFinite {
                // Python's json writes NaN and Infinity; harmless in keys not read here.
                guard !Self.readKeys.contains(member.key) else { throw Self.nonFinite(member.key, name: name) }
                continue
            }
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
            case .array where member.key == "layer_types":
                layerTypes = document.elements(of: member.value).map {
                    document.nodes[$0].kind == .string ? document.string($0) : ""
                }
            case .array where document.elements(of: member.value).allSatisfy({ document.nodes[$0].kind == .number }):
                numberLists[member.key] = document.elements(of: member.value).map { document.number($0) }
            case .object where member.key == "rope_parameters" || member.key == "rope_scaling":
                ropeBlocks.append(try Self.ropeBlock(member.key, at: member.value, in: document, name: name))
                for inner in document.members(of: member.value) where document.nodes[inner.value].kind == .object {
                    let key = member.key + "." + inner.key
                    layerRopeBlocks[inner.key] = try Self.ropeBlock(key, at: inner.value, in: document, name: name)
                }
            default: break
            }
        }
        (self.numbers, self.strings, self.booleans, self.ropeBlocks, self.layerTypes) = (
            numbers, strings, booleans, ropeBlocks, layerTypes
        )
        self.layerRopeBlocks = layerRopeBlocks
        self.numberLists = numberLists
        architectureClass = architecture
        (self.keys, self.nulls, quantizationMethod) = (keys, nulls, quantization)
    }

    /// The numbers, strings and booleans of the RoPE object `key` at node `index`.
    private static func ropeBlock(_ key: String, at index: Int, in document: JSONDocument, name: String)
        throws(FormatError) -> RopeBlock
    {
        var block = RopeBlock(key: key)
        for inner in document.members(of: index) {
            switch document.nodes[inner.value].kind {
            case .number where !document.number(inner.value).isFinite:
                throw Self.nonFinite(key + "." + inner.key, name: name)
            case .number: block.numbers[inner.key] = document.number(inner.value)
            case .string: block.strings[inner.key] = document.string(inner.value)
            case .boolean: block.booleans[inner.key] = document.boolean(inner.value)
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
        "sliding_window_pattern", "rms_norm_eps",
    ]

    /// The error for NaN or ±∞ in a key that is read.
    private static func nonFinite(_ key: String, name: String) -> FormatError {
        FormatError(
            kind: .data, file: name, path: "$." + key, message: "expected a finite number, found NaN or Infinity")
    }

    /// `model_type` (`gpt2`, `bert`, `llama`, `qwen2`, …).
    public var modelType: String? { strings["model_type"] }

    /// `key` as a positive finite number, if present.
    /// - Throws: a data error when the key is present but not such a number.
    public func positiveNumber(_ key: String) throws(FormatError) -> Double? {
        guard let value = numbers[key] else { return nil }
        guard value > 0, value.isFinite else {
            throw FormatError(
                kind: .data, file: name, path: "$." + key,
                message: "expected a positive number, found \(Self.describe(value))")
        }
        return value
    }

    /// `key` as a finite number ≥ 0, if present.
    /// - Throws: a data error when the key is present but not such a number.
    public func nonNegativeNumber(_ key: String) throws(FormatError) -> Double? {
        guard let value = numbers[key] else { return nil }
        guard value >= 0, value.isFinite else {
            throw FormatError(
                kind: .data, file: name, path: "$." + key,
                message: "expected a number ≥ 0, found \(Self.describe(value))")
        }
        return value
    }

    /// The first of `keys` present as a positive integer.
    /// - Throws: a data error when the key is present but not a positive integer.
    public func positiveInteger(_ keys: String...) throws(FormatError) -> Int? {
        for key in keys {
            guard let value = numbers[key] else { continue }
            guard value >= 1, value < 0x1p31, value.rounded() == value else {
                throw FormatError(
                    kind: .data, file: name, path: "$." + key,
                    message: "expected a positive integer, found \(Self.describe(value))")
            }
            return Int(value)
        }
        return nil
    }

    /// `key` as an integer ≥ 0, if present.
    /// - Throws: a data error when the key is present but not such an integer.
    public func nonNegativeInteger(_ key: String) throws(FormatError) -> Int? {
        guard let value = numbers[key] else { return nil }
        guard value >= 0, value < 0x1p31, value.rounded() == value else {
            throw FormatError(
                kind: .data, file: name, path: "$." + key,
                message: "expected an integer ≥ 0, found \(Self.describe(value))")
        }
        return Int(value)
    }

    /// A number as config.json would spell it: `0`, not `0.0`, for a whole number.
    static func describe(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 0x1p53 ? String(Int64(value)) : "\(value)"
    }

    /// Whether top-level `key` is `null`.
    public func isNull(_ key: String) -> Bool { nulls.contains(key) }

    /// A top-level boolean.
    public func boolean(_ key: String) -> Bool? { booleans[key] }

    /// A top-level string.
    public func string(_ key: String) -> String? { strings[key] }

    /// A top-level number.
    public func number(_ key: String) -> Double? { numbers[key] }

    /// A top-level array of integers (`[1, 1, 1, 0]`); nil when absent or not all integers.
    public func integerList(_ key: String) -> [Int]? {
        guard let values = numberLists[key],
            values.allSatisfy({ $0.isFinite && $0.rounded() == $0 && abs($0) < 0x1p53 })
        else { return nil }
        return values.map { Int($0) }
    }

    /// The RoPE object transformers reads: `rope_scaling` (transformers 4's name, which
    /// transformers 5 still prefers when a config.json has both) or `rope_parameters`; with a
    /// layer type that `rope_parameters` gives its own object (Gemma 3), that object.
    private func ropeBlock(_ layerType: String? = nil) -> RopeBlock? {
        layerType.flatMap { layerRopeBlocks[$0] } ?? ropeBlocks.first { $0.key == "rope_scaling" } ?? ropeBlocks.first
    }

    /// Whether `rope_parameters` gives `layerType` its own RoPE object.
    public func hasRopeParameters(forLayerType layerType: String) -> Bool { layerRopeBlocks[layerType] != nil }

    /// The RoPE base: `rope_theta` in the RoPE object, else at the top level (transformers 4);
    /// nil when neither says.
    public var ropeTheta: Double? { ropeTheta(layerType: nil) }

    /// `ropeTheta` for a layer type that may have its own RoPE object (Gemma 3).
    public func ropeTheta(layerType: String?) -> Double? {
        ropeBlock(layerType)?.numbers["rope_theta"] ?? numbers["rope_theta"]
    }

    /// `ropeTheta`, checked: a positive finite number.
    /// - Throws: a data error naming the key otherwise.
    public func ropeBase(layerType: String? = nil) throws(FormatError) -> Double? {
        guard let base = ropeTheta(layerType: layerType) else { return nil }
        guard base > 0, base.isFinite else {
            let ropeBlock = ropeBlock(layerType)
            let path = ropeBlock?.numbers["rope_theta"] != nil ? "$.\(ropeBlock?.key ?? "").rope_theta" : "$.rope_theta"
            throw FormatError(
                kind: .data, file: name, path: path,
                message: "RoPE's base must be a positive number, found \(Self.describe(base))")
        }
        return base
    }

    /// `partialRotaryFactor`, checked: in (0, 1], as transformers' RoPE needs.
    /// - Throws: a data error naming the key otherwise.
    public func rotaryFraction() throws(FormatError) -> Double? {
        guard let factor = partialRotaryFactor else { return nil }
        guard factor > 0, factor <= 1 else {
            let path =
                ropeBlock()?.numbers["partial_rotary_factor"] != nil
                ? "$.\(ropeBlock()?.key ?? "").partial_rotary_factor" : "$.partial_rotary_factor"
            throw FormatError(
                kind: .data, file: name, path: path,
                message:
                    "partial_rotary_factor must be in (0, 1] (the fraction of d_k that rotates), found \(Self.describe(factor))"
            )
        }
        return factor
    }

    /// The RoPE scaling config.json asks for, or nil for plain RoPE (no RoPE object, or
    /// `rope_type` `default`).
    /// - Throws: a data error for a type not computed here (`dynamic`, `longrope`, …), a
    ///   parameter a type needs and the config lacks, or a `factor` other than 1 with no
    ///   type, whose meaning transformers' versions disagree on.
    public func rotaryScaling(layerType: String? = nil) throws(FormatError) -> RotaryScaling? {
        guard let block = ropeBlock(layerType) else { return nil }
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
        let context = RotaryScalingParameters.Context(
            maxPositionEmbeddings: numbers["max_position_embeddings"],
            originalMaxPositionEmbeddings: numbers["original_max_position_embeddings"])
        do {
            return try RotaryScalingParameters.rule(
                type: type, numbers: block.numbers, booleans: block.booleans, strict: false, context: context)
        } catch {
            throw FormatError(
                kind: .data, file: name, path: "$." + block.key,
                message: error.message + "; reading this layer without it would give wrong scores")
        }
    }

    /// The fraction of each head's dimensions that rotate (`partial_rotary_factor`, in the
    /// RoPE object or at the top level), if given.
    public var partialRotaryFactor: Double? {
        ropeBlock()?.numbers["partial_rotary_factor"] ?? numbers["partial_rotary_factor"]
    }
}

/// One of config.json's RoPE objects: its key and its number and string members.
private struct RopeBlock: Sendable {
    var key: String
    var numbers: [String: Double] = [:]
    var strings: [String: String] = [:]
    var booleans: [String: Bool] = [:]
}
