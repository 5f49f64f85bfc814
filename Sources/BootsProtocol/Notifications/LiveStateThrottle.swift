/// Decides when Live State is notified, as the contract says: at once on every change of phase,
/// chamber, cycle, fault or flags (and of the full-chamber mask and program, which change only
/// with those), and while only pressures or the remaining time change, at most once per
/// `minimumInterval` (10 Hz).
///
/// Pure: the caller passes the time (offsets on one clock, e.g. `SequencerSnapshot.time`) and
/// sends what `offer` or `flush` return. A change held back is never lost: the newest value is
/// sent at `deadline`, by the next `offer` or by `flush`.
public struct LiveStateThrottle: Sendable {
    public let minimumInterval: Duration
    /// The last value sent, and when.
    public private(set) var lastSent: (value: LiveState, at: Duration)?
    /// The newest value held back, waiting for `deadline`.
    public private(set) var pending: LiveState?

    public init(minimumInterval: Duration = .milliseconds(100)) {
        self.minimumInterval = minimumInterval
    }

    /// When the held-back value is due; nil when nothing is held back.
    public var deadline: Duration? {
        guard pending != nil, let lastSent else { return nil }
        return lastSent.at + minimumInterval
    }

    /// Offers the newest value at `now`; returns it if it must be notified now, nil if it is the
    /// value already sent or is held back until `deadline`.
    public mutating func offer(_ value: LiveState, at now: Duration) -> LiveState? {
        guard let lastSent else { return send(value, at: now) }
        if value == lastSent.value {
            pending = nil  // back to what the client already has
            return nil
        }
        if LiveStateThrottle.isEvent(from: lastSent.value, to: value) || now - lastSent.at >= minimumInterval {
            return send(value, at: now)
        }
        pending = value
        return nil
    }

    /// Sends the held-back value if it is due at `now`.
    public mutating func flush(at now: Duration) -> LiveState? {
        guard let pending, let deadline, now >= deadline else { return nil }
        return send(pending, at: now)
    }

    /// Forgets what was sent (the last subscriber left): the next offer is sent at once.
    public mutating func reset() {
        lastSent = nil
        pending = nil
    }

    /// A change that is notified at once: anything but `measured`, `target` and `remaining`.
    /// (`target` changes with the chamber; alone it changes only by rounding.)
    public static func isEvent(from old: LiveState, to new: LiveState) -> Bool {
        old.phase != new.phase || old.activeChamber != new.activeChamber || old.cycle != new.cycle
            || old.fault != new.fault || old.flags != new.flags || old.fullMask != new.fullMask
            || old.program != new.program
    }

    private mutating func send(_ value: LiveState, at now: Duration) -> LiveState {
        lastSent = (value, now)
        pending = nil
        return value
    }
}
