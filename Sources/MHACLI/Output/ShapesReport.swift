import MHACore
import MHAFormats

/// The text and JSON forms of a `ShapeReport` (`mha-cli shapes`).
enum ShapesReport {
    /// JSON with the keys of docs/contract.md (§3): d_model, heads, head_dim, kv_heads, concat_dim,
    /// seq_len, tensors{name: [rows, cols]}, parameters{…, total}, flops; an unknown n stays "n".
    /// Extended (§4): `value_dim` always; `memory_len` (or "n_k") and `memory_dim` in
    /// cross-attention; `kv_cache{layers, dtype, bytes_per_token, bytes}` when asked (`bytes`
    /// a formula in n while n is unknown). With an `explanation`, also `explanation`, the
    /// arithmetic as an array of lines.
    static func json(_ r: ShapeReport, explanation: [String]? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("d_model", .int(r.modelDim)), ("heads", .int(r.heads)), ("head_dim", .int(r.headDim)),
            ("value_dim", .int(r.valueDim)), ("kv_heads", .int(r.kvHeads)), ("concat_dim", .int(r.concatDim)),
            ("seq_len", r.seqLen.map { .int($0) } ?? .string("n")),
        ]
        if let memory = r.memory {
            members += [("memory_len", memory.length.map { .int($0) } ?? .string("n_k")), ("memory_dim", .int(memory.width))]
        }
        members += [
            ("tensors", .object(r.tensors.map { ($0.name, .array([dimension($0.rows), dimension($0.columns)])) })),
            ("parameters", .object(r.parameters.map { ($0.name, .int($0.count)) })),
            ("flops", r.flops.map { .int($0) } ?? .string(r.flopsDescription)),
        ]
        if let cache = r.kvCache {
            members.append(("kv_cache", .object([
                ("layers", .int(cache.layers)), ("dtype", .string(cache.element.rawValue)),
                ("bytes_per_token", .int(cache.bytesPerToken)),
                ("bytes", cache.bytes.map { .int($0) } ?? .string("\(cache.bytesPerToken)·\(cachedTokenSymbol(r))")),
            ])))
        }
        if let explanation { members.append(("explanation", .array(explanation.map { .string($0) }))) }
        return .object(members)
    }

    /// Aligned lines: the widths, a table of tensors, parameter counts, FLOPs and the KV cache.
    static func text(_ r: ShapeReport) -> [String] {
        var lines = [headline(r), ""]
        let shapes = r.tensors.map { "\($0.rows) × \($0.columns)" }
        let nameWidth = max(6, r.tensors.map(\.symbol.count).max() ?? 0)
        let shapeWidth = max(5, shapes.map(\.count).max() ?? 0)
        lines.append(pad("tensor", nameWidth) + "  " + pad("shape", shapeWidth) + "  meaning")
        for (tensor, shape) in zip(r.tensors, shapes) {
            lines.append(pad(tensor.symbol, nameWidth) + "  " + pad(shape, shapeWidth) + "  " + tensor.meaning)
        }
        lines += ["", "parameters"]
        let counts = r.parameters.map { String($0.count) }
        let countWidth = counts.map(\.count).max() ?? 0
        for (parameter, count) in zip(r.parameters, counts) {
            lines.append("  " + pad(parameter.name, 8) + "  " + String(repeating: " ", count: countWidth - count.count) + count)
        }
        lines += ["", "FLOPs  " + r.flopsDescription + (r.flops == nil ? "" : " (\(countsGiven(r)))")]
        if let cache = r.kvCache { lines += ["", "KV cache  " + cacheSummary(cache, r)] }
        return lines
    }

    /// `d_model = 512 · τ = 8 heads · d_k = 64 · …`, naming d_v and the memory only when they
    /// are in the question.
    private static func headline(_ r: ShapeReport) -> String {
        var parts = ["d_model = \(r.modelDim)", "τ = \(r.heads) heads", "d_k = \(r.headDim)"]
        if r.valueDim != r.headDim { parts.append("d_v = \(r.valueDim)") }
        parts += ["kv_heads = \(r.kvHeads)", "concat = \(r.concatDim)"]
        if let n = r.seqLen { parts.append("n = \(n)") }
        if let memory = r.memory {
            parts.append("memory n_k × d_mem = \(memory.length.map(String.init) ?? "n_k") × \(memory.width)")
        }
        return parts.joined(separator: " · ")
    }

    /// `n = 10`, or `n = 10, n_k = 5` in cross-attention.
    static func countsGiven(_ r: ShapeReport) -> String {
        let n = "n = " + (r.seqLen.map(String.init) ?? "n")
        guard let memory = r.memory else { return n }
        return n + ", n_k = " + (memory.length.map(String.init) ?? "n_k")
    }

    /// The symbol of the cached token count: n, or n_k (the memory) in cross-attention.
    static func cachedTokenSymbol(_ r: ShapeReport) -> String { r.memory == nil ? "n" : "n_k" }

    /// `524288 bytes (512.0 KiB) per token, 32 layers in f16; 4096 tokens: 2147483648 bytes (2.0 GiB)`.
    static func cacheSummary(_ cache: KVCacheSize, _ r: ShapeReport) -> String {
        let unit = r.memory == nil ? "token" : "memory token"
        let layers = "\(cache.layers) \(cache.layers == 1 ? "layer" : "layers")"
        var text = "\(bytes(cache.bytesPerToken)) per \(unit), \(layers) in \(cache.element.rawValue)"
        let tokens = r.memory == nil ? r.seqLen : r.memory?.length
        if let total = cache.bytes, let tokens {
            text += "; \(tokens) \(unit)s: \(bytes(total))"
        } else {
            text += "; \(cache.bytesPerToken)·\(cachedTokenSymbol(r)) bytes for \(cachedTokenSymbol(r)) \(unit)s"
        }
        return text
    }

    /// `524288 bytes (512.0 KiB)`, or `96 bytes` below a KiB.
    static func bytes(_ count: Int) -> String {
        count < 1024 ? "\(count) bytes" : "\(count) bytes (\(ByteCount.describe(count)))"
    }

    private static func dimension(_ d: Dimension) -> JSONValue {
        switch d {
        case let .size(value): return .int(value)
        case let .symbol(name): return .string(name)
        }
    }

    /// `text` padded with spaces on the right to `width`.
    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
