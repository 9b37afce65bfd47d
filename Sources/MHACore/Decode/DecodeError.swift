/// Why a decode step or a restored cache was refused. Each description is one line.
public enum DecodeError: MHAError, Equatable {
    /// A restored cache holds more rows than positions before its next one.
    case positionsBeforeStart(tokens: Int, nextPosition: Int)
    /// A restored cache was made with different dimensions or settings than this decoder:
    /// `what` names the setting, with the cache's value and the decoder's.
    case cacheMismatch(what: String, cache: String, decoder: String)
    /// A block to decode has the wrong width.
    case blockWidth(columns: Int, modelDim: Int)

    public var category: ErrorCategory {
        switch self {
        case .positionsBeforeStart, .cacheMismatch, .blockWidth: return .data
        }
    }

    public var description: String {
        switch self {
        case let .positionsBeforeStart(tokens, nextPosition):
            return "the cache holds \(tokens) tokens but its next position is \(nextPosition): positions would start below 0"
        case let .cacheMismatch(what, cache, decoder):
            return "the cache was made with \(what) \(cache), this run has \(decoder): a cache continues only the configuration that made it"
        case let .blockWidth(columns, modelDim):
            return "the rows have \(columns) values; d_model is \(modelDim)"
        }
    }
}
