import Sequencer

/// Live State (4012bb64): what the boots are doing now, 15 bytes, read and notified.
///
/// Built from a `SequencerSnapshot` by `init(_:)`; every field's derivation is documented on the
/// field. All of it describes the cycle that runs now (the snapshot's `settings`), not a change
/// waiting for the next cycle (flag bit 3 says one is waiting).
public struct LiveState: Sendable, Equatable {
    /// `SessionPhase.rawValue`.
    public var phase: UInt8
    /// The chamber being inflated (`snapshot.activeChamber`, set only while inflating); 0 when none.
    public var activeChamber: UInt8
    /// mmHg, rounded to nearest, negative readings (sensor noise around zero) as 0. Which reading:
    /// - open loop (no sensor): always `LiveState.notMeasured`;
    /// - inflating: the active chamber's reading;
    /// - otherwise, when chambers are sealed full (holding): the highest sealed chamber's reading;
    /// - otherwise (idle, venting, releasing, resting, paused, faulted: every chamber open to the
    ///   air): the highest reading of any installed chamber;
    /// - `LiveState.notMeasured` when the chosen chamber (or, in the last case, every chamber) has
    ///   no reading now, e.g. a manifold sensor while that chamber's inlet is closed.
    public var measured: UInt16
    /// The active chamber's target this cycle (program and warm-up applied), rounded to nearest;
    /// 0 when no chamber is being inflated (as `activeChamber`).
    public var target: UInt16
    /// `snapshot.cycle`: the cycle running, 1-based; 0 before the first.
    public var cycle: UInt16
    /// Whole seconds left, exactly the Session Timer's `remaining`.
    public var remaining: UInt16
    /// The kind of the program running (`ProgramValue.Kind` raw value).
    public var program: UInt8
    /// `FaultCode.rawValue` of the latched fault; 0 when none.
    public var fault: UInt8
    /// `LiveState.Flags`.
    public var flags: UInt8
    /// The chambers inflated and sealed this cycle (`ChamberStatus.full`), chamber 1 in bit 0.
    public var fullMask: UInt16

    /// Live State's flag bits.
    public struct Flags: OptionSet, Sendable, Hashable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// A session is in progress: any phase but idle and faulted. Set while paused too (the
        /// session is not over); `paused` tells the two apart.
        public static let sessionRunning = Flags(rawValue: 1 << 0)
        /// Phase paused.
        public static let paused = Flags(rawValue: 1 << 1)
        /// No pressure sensor: chambers are filled for a fixed time (`snapshot.openLoop`).
        public static let openLoop = Flags(rawValue: 1 << 2)
        /// A settings change is accepted and waits for the next cycle (`snapshot.pendingSettings`).
        public static let settingsPending = Flags(rawValue: 1 << 3)
    }

    /// `measured` when nothing measures the pressure.
    public static let notMeasured: UInt16 = 0xFFFF
    public static let length = 15

    public init(phase: UInt8, activeChamber: UInt8, measured: UInt16, target: UInt16, cycle: UInt16,
                remaining: UInt16, program: UInt8, fault: UInt8, flags: UInt8, fullMask: UInt16) {
        self.phase = phase
        self.activeChamber = activeChamber
        self.measured = measured
        self.target = target
        self.cycle = cycle
        self.remaining = remaining
        self.program = program
        self.fault = fault
        self.flags = flags
        self.fullMask = fullMask
    }

    public init(_ snapshot: SequencerSnapshot) {
        let active = snapshot.activeChamber.flatMap { chamber in snapshot.chambers.first { $0.chamber == chamber } }
        phase = snapshot.phase.rawValue
        activeChamber = UInt8(clamping: active?.chamber ?? 0)
        measured = LiveState.measured(snapshot, active: active)
        target = active?.target.wirePressure() ?? 0
        cycle = UInt16(clamping: snapshot.cycle)
        remaining = SessionTimerValue(snapshot).remaining
        program = ProgramValue.Kind(snapshot.settings.program.kind).rawValue
        fault = snapshot.fault?.code.rawValue ?? 0
        flags = LiveState.flags(snapshot).rawValue
        fullMask = snapshot.chambers.reduce(0) { mask, status in
            status.full ? mask | ChamberSet(chamber: status.chamber).rawValue : mask
        }
    }

    static func flags(_ snapshot: SequencerSnapshot) -> Flags {
        var flags: Flags = []
        if snapshot.phase != .idle && snapshot.phase != .faulted { flags.insert(.sessionRunning) }
        if snapshot.phase == .paused { flags.insert(.paused) }
        if snapshot.openLoop { flags.insert(.openLoop) }
        if snapshot.pendingSettings != nil { flags.insert(.settingsPending) }
        return flags
    }

    private static func measured(_ snapshot: SequencerSnapshot, active: ChamberStatus?) -> UInt16 {
        guard !snapshot.openLoop else { return notMeasured }
        // 0xFFFE at most: 0xFFFF means "not measured".
        func wire(_ reading: Double?) -> UInt16 { reading.map { $0.wirePressure(limit: notMeasured - 1) } ?? notMeasured }
        if let active { return wire(active.measured) }
        if let sealed = snapshot.chambers.last(where: \.full) { return wire(sealed.measured) }
        return wire(snapshot.chambers.compactMap(\.measured).max())
    }

    public var bytes: [UInt8] {
        var writer = ByteWriter()
        writer.uint8(phase)
        writer.uint8(activeChamber)
        writer.uint16(measured)
        writer.uint16(target)
        writer.uint16(cycle)
        writer.uint16(remaining)
        writer.uint8(program)
        writer.uint8(fault)
        writer.uint8(flags)
        writer.uint16(fullMask)
        return writer.bytes
    }
}
