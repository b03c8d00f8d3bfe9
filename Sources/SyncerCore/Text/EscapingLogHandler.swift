import Logging

/// Wraps a log handler so a log line holds no control characters from data: a login name
/// such as "x\n[info] accepted login admin" must not forge a second line on the server's
/// stderr, and an ESC sequence must not repaint the operator's terminal. The message,
/// metadata keys and values (the handler's own, the provider's and the event's) and an
/// attached error's text go through `TerminalText.escaped`.
public struct EscapingLogHandler<Inner: LogHandler>: LogHandler {
    public var inner: Inner

    public init(_ inner: Inner) { self.inner = inner }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = Self.escaped(newValue) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: TerminalText.escaped(key)] = newValue.map(Self.escaped) }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue.map { provider in Logger.MetadataProvider { Self.escaped(provider.get()) } } }
    }

    public func log(event: LogEvent) {
        var safe = event
        safe.message = Logger.Message(stringLiteral: TerminalText.escaped(event.message.description))
        var metadata = event.metadata.map(Self.escaped)
        if let error = event.error {
            // The inner handler would print "\(error)" as is; these are the keys it uses.
            safe.error = nil
            metadata = metadata ?? [:]
            metadata?["error.message"] = .string(TerminalText.escaped("\(error)"))
            metadata?["error.type"] = .string(TerminalText.escaped(String(reflecting: type(of: error))))
        }
        safe.metadata = metadata
        inner.log(event: safe)
    }

    static func escaped(_ metadata: Logger.Metadata) -> Logger.Metadata {
        var out: Logger.Metadata = [:]
        out.reserveCapacity(metadata.count)
        for (key, value) in metadata { out[TerminalText.escaped(key)] = escaped(value) }
        return out
    }

    static func escaped(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let s): return .string(TerminalText.escaped(s))
        case .stringConvertible(let c): return .string(TerminalText.escaped(c.description))
        case .dictionary(let d): return .dictionary(escaped(d))
        case .array(let a): return .array(a.map(escaped))
        }
    }
}

extension EscapingLogHandler where Inner == StreamLogHandler {
    /// The handler both executables install: stderr, escaped, at `level`.
    public static func standardError(label: String, level: Logger.Level) -> Self {
        var stream = StreamLogHandler.standardError(label: TerminalText.escaped(label))
        stream.logLevel = level
        return Self(stream)
    }
}
