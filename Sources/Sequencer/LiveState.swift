/// What the sequencer is doing. Raw values are a stable wire format for the GATT layer.
public enum SessionPhase: UInt8, Sendable, CustomStringConvertible {
    /// No session: everything vented.
    case idle = 0
    /// Venting before the first inflation of a session (or after resume).
    case venting = 1
    /// Inflating `activeChamber`; chambers before it are full and sealed.
    case inflating = 2
    /// Every active chamber full and sealed.
    case holding = 3
    /// Venting every chamber at the end of a cycle.
    case releasing = 4
    /// Vented, waiting for the next cycle.
    case resting = 5
    /// Paused by the user: vented, timer frozen.
    case paused = 6
    /// A fault is latched: vented until cleared.
    case faulted = 7

    public var description: String {
        switch self {
        case .idle: "idle"
        case .venting: "venting"
        case .inflating: "inflating"
        case .holding: "holding"
        case .releasing: "releasing"
        case .resting: "resting"
        case .paused: "paused"
        case .faulted: "faulted"
        }
    }
}

/// One chamber in a snapshot.
public struct ChamberStatus: Sendable, Equatable {
    /// 1-based, chamber 1 at the feet.
    public var chamber: Int
    public var active: Bool
    /// This cycle's target (mmHg); 0 for an inactive chamber or when no cycle runs.
    public var target: Double
    /// The latest reading that applies to this chamber; nil when nothing measures it right now
    /// (open loop, or a manifold sensor while the chamber's inlet is closed and it is not sealed full).
    public var measured: Double?
    /// Inflated this cycle and sealed (inlet closed) at its target.
    public var full: Bool
}

/// The sequencer's live state after one control tick: everything the GATT layer publishes.
public struct SequencerSnapshot: Sendable, Equatable {
    public var phase: SessionPhase
    /// The chamber being inflated, when `phase == .inflating`.
    public var activeChamber: Int?
    /// One entry per installed chamber, feet first.
    public var chambers: [ChamberStatus]
    /// The cycle running (1-based); 0 before the first cycle.
    public var cycle: Int
    public var elapsed: Duration
    public var remaining: Duration
    /// The settings in force for the current cycle.
    public var settings: SessionSettings
    /// A validated change waiting for the next safe boundary (see `InflationSequencer.update`).
    public var pendingSettings: SessionSettings?
    /// No pressure sensor: chambers are filled for a fixed time, pressures are not measured.
    public var openLoop: Bool
    public var fault: Fault?
    /// The outputs commanded at this tick.
    public var output: ActuatorState
    /// Time since the sequencer was created, on its clock.
    public var time: Duration
}
