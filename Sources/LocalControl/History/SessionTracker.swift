import BootsControlAPI
import Sequencer

/// A session while it runs, as the marker file keeps it: if pressod dies before the session
/// ends, the next start records it as interrupted with what was last known.
public struct SessionInProgress: Codable, Sendable, Equatable {
    /// Unix time (seconds) the session started.
    public var started: UInt64
    public var elapsedSeconds: UInt64
    public var program: String
    public var pressureMmHg: Int
    public var cycles: Int

    public init(started: UInt64, elapsedSeconds: UInt64, program: String, pressureMmHg: Int, cycles: Int) {
        self.started = started
        self.elapsedSeconds = elapsedSeconds
        self.program = program
        self.pressureMmHg = pressureMmHg
        self.cycles = cycles
    }
}

/// One finished session, as `history.json` keeps it.
public struct SessionRecord: Codable, Sendable, Equatable {
    public var started: UInt64
    public var durationSeconds: UInt64
    public var program: String
    public var pressureMmHg: Int
    public var cycles: Int
    /// completed, stopped, emergency stop, fault 0xNN <what>, daemon stopped, interrupted.
    public var ending: String

    public init(_ session: SessionInProgress, ending: String) {
        started = session.started
        durationSeconds = session.elapsedSeconds
        program = session.program
        pressureMmHg = session.pressureMmHg
        cycles = session.cycles
        self.ending = ending
    }

    public var summary: SessionSummary {
        SessionSummary(started: started, durationSeconds: durationSeconds, program: program, pressure: pressureMmHg,
                       cycles: cycles, ending: ending)
    }
}

/// Follows the sequencer's snapshots and says when a session starts, makes progress worth
/// saving, and ends — and how. Pure: snapshots and wall-clock time in, events out.
///
/// A session runs from the first snapshot in a session phase (venting … resting, paused) to
/// the first one out of it: idle with no time left is `completed`, idle with time left is
/// `stopped`, faulted is `emergency stop` or `fault 0xNN …`.
public struct SessionTracker: Sendable {
    public enum Event: Sendable, Equatable {
        case started(SessionInProgress)
        /// A new cycle, or another minute run: worth saving in the marker.
        case progressed(SessionInProgress)
        case ended(SessionRecord)
    }

    public private(set) var current: SessionInProgress?
    private var lastSavedElapsed: UInt64 = 0

    public init() {}

    public mutating func observe(_ snapshot: SequencerSnapshot, unixTime now: UInt64) -> Event? {
        let elapsed = UInt64(max(0, snapshot.elapsed.components.seconds))
        if Self.isSession(snapshot.phase) {
            let settings = snapshot.settings
            guard var session = current else {
                let started = SessionInProgress(
                    started: now - min(now, elapsed), elapsedSeconds: elapsed, program: ProgramSpec(settings.program).kindText,
                    pressureMmHg: settings.pressure, cycles: snapshot.cycle)
                current = started
                lastSavedElapsed = elapsed
                return .started(started)
            }
            let newCycle = snapshot.cycle > session.cycles
            session.elapsedSeconds = elapsed
            session.cycles = max(session.cycles, snapshot.cycle)
            session.pressureMmHg = settings.pressure
            session.program = ProgramSpec(settings.program).kindText
            current = session
            guard newCycle || elapsed >= lastSavedElapsed + 60 else { return nil }
            lastSavedElapsed = elapsed
            return .progressed(session)
        }
        guard var session = current else { return nil }
        current = nil
        session.elapsedSeconds = elapsed
        session.cycles = max(session.cycles, snapshot.cycle)
        return .ended(SessionRecord(session, ending: Self.ending(snapshot)))
    }

    /// The daemon is stopping: the session in progress, if any, ends as `daemon stopped`.
    public mutating func daemonStopping(_ snapshot: SequencerSnapshot) -> SessionRecord? {
        guard var session = current else { return nil }
        current = nil
        session.elapsedSeconds = UInt64(max(0, snapshot.elapsed.components.seconds))
        session.cycles = max(session.cycles, snapshot.cycle)
        return SessionRecord(session, ending: "daemon stopped")
    }

    static func isSession(_ phase: SessionPhase) -> Bool {
        switch phase {
        case .venting, .inflating, .holding, .releasing, .resting, .paused: true
        case .idle, .faulted: false
        }
    }

    static func ending(_ snapshot: SequencerSnapshot) -> String {
        if let fault = snapshot.fault {
            return fault.code == .emergencyStop ? "emergency stop" : "fault \(Refusals.hex(fault.code)) \(fault.code)"
        }
        return snapshot.remaining <= .zero ? "completed" : "stopped"
    }
}
