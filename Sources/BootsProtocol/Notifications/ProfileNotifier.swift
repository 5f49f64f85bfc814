import Sequencer

/// A value to notify (BlueZ: a `PropertiesChanged` of the characteristic's `Value`).
public struct Notification: Sendable, Equatable {
    public var characteristic: CharacteristicID
    public var value: [UInt8]

    public init(_ characteristic: CharacteristicID, _ value: [UInt8]) {
        self.characteristic = characteristic
        self.value = value
    }
}

/// Turns the sequencer's stream of snapshots into the profile's notifications:
/// - Pressure, Chamber Count, Session Timer, Program: whenever their value changes (the timer's
///   elapsed seconds change once a second while a session runs, so it is notified once a second);
/// - Live State: through `LiveStateThrottle` (events at once, pressure at most 10 Hz).
/// The first snapshot notifies every value. Pure: time is `SequencerSnapshot.time`, or passed in.
public struct ProfileNotifier: Sendable {
    public let layout: HardwareLayout
    private var throttle: LiveStateThrottle
    private var lastValues: [CharacteristicID: [UInt8]] = [:]

    /// The characteristics notified when their value changes (Live State aside).
    public static let notifiedOnChange: [CharacteristicID] = [.pressure, .chambers, .timer, .program]

    public init(layout: HardwareLayout, liveStateInterval: Duration = .milliseconds(100)) {
        self.layout = layout
        self.throttle = LiveStateThrottle(minimumInterval: liveStateInterval)
    }

    /// The notifications a new snapshot calls for now.
    public mutating func notifications(for snapshot: SequencerSnapshot) -> [Notification] {
        var result: [Notification] = []
        for characteristic in ProfileNotifier.notifiedOnChange {
            guard let value = ProfileHandler.value(of: characteristic, snapshot: snapshot, layout: layout),
                  lastValues[characteristic] != value
            else { continue }
            lastValues[characteristic] = value
            result.append(Notification(characteristic, value))
        }
        if let live = throttle.offer(LiveState(snapshot), at: snapshot.time) {
            result.append(Notification(.liveState, live.bytes))
        }
        return result
    }

    /// When a held-back Live State value is due (on the snapshots' clock); nil if none is.
    public var deadline: Duration? { throttle.deadline }

    /// The held-back Live State value, if due at `now` (for when no snapshot arrives by `deadline`).
    public mutating func flush(at now: Duration) -> Notification? {
        throttle.flush(at: now).map { Notification(.liveState, $0.bytes) }
    }

    /// Forgets what was notified: the next snapshot notifies every value again.
    public mutating func reset() {
        lastValues = [:]
        throttle.reset()
    }
}
