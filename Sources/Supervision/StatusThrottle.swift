/// Rate-limits status lines: a changed line goes out at once unless one went out less than
/// `minimumSpacing` ago; then it waits, and only the newest waiting line is sent when the spacing
/// has passed (`systemctl status` wants the present, not the history).
///
/// Times are offsets on any clock the caller uses consistently (pressod: the sequencer's).
public struct StatusThrottle: Sendable {
    public let minimumSpacing: Duration
    private var lastSent: (line: String, at: Duration)?
    private var waiting: String?

    public init(minimumSpacing: Duration = .seconds(1)) {
        self.minimumSpacing = minimumSpacing
    }

    /// Offers the current line at `now`; returns the line to send now, if any.
    public mutating func offer(_ line: String, at now: Duration) -> String? {
        if let lastSent, lastSent.line == line {
            waiting = nil
            return nil
        }
        waiting = line
        return due(at: now)
    }

    /// The waiting line, if the spacing since the last one sent has passed.
    public mutating func due(at now: Duration) -> String? {
        guard let line = waiting else { return nil }
        if let lastSent, now - lastSent.at < minimumSpacing { return nil }
        lastSent = (line, now)
        waiting = nil
        return line
    }

    /// When the waiting line may go out; nil when nothing waits.
    public var nextDue: Duration? {
        guard waiting != nil else { return nil }
        return (lastSent?.at ?? .zero) + minimumSpacing
    }
}
