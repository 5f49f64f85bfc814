import Sequencer

/// The advertisement's manufacturer-specific data (company 0xFFFF): 5 bytes of status, so a
/// scanner sees what the boots do without connecting.
public struct ManufacturerData: Sendable, Equatable {
    /// The SIG's id for devices without a company identifier (testing/internal use).
    public static let companyID: UInt16 = 0xFFFF
    /// The payload layout's version.
    public static let currentVersion: UInt8 = 1

    public var version: UInt8
    /// `ManufacturerData.Flags`.
    public var flags: UInt8
    /// As Live State's `phase`.
    public var phase: UInt8
    /// As Live State's `activeChamber`.
    public var activeChamber: UInt8
    /// As Live State's `fault`.
    public var fault: UInt8

    public struct Flags: OptionSet, Sendable, Hashable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// As Live State's flag: any phase but idle and faulted (paused included).
        public static let sessionRunning = Flags(rawValue: 1 << 0)
        public static let paused = Flags(rawValue: 1 << 1)
        /// `snapshot.fault != nil` (phase faulted).
        public static let faultLatched = Flags(rawValue: 1 << 2)
        public static let openLoop = Flags(rawValue: 1 << 3)
    }

    public init(version: UInt8 = ManufacturerData.currentVersion, flags: UInt8, phase: UInt8, activeChamber: UInt8,
                fault: UInt8) {
        self.version = version
        self.flags = flags
        self.phase = phase
        self.activeChamber = activeChamber
        self.fault = fault
    }

    public init(_ snapshot: SequencerSnapshot) {
        let live = LiveState(snapshot)
        let liveFlags = LiveState.Flags(rawValue: live.flags)
        var flags: Flags = []
        if liveFlags.contains(.sessionRunning) { flags.insert(.sessionRunning) }
        if liveFlags.contains(.paused) { flags.insert(.paused) }
        if snapshot.fault != nil { flags.insert(.faultLatched) }
        if liveFlags.contains(.openLoop) { flags.insert(.openLoop) }
        self.init(flags: flags.rawValue, phase: live.phase, activeChamber: live.activeChamber, fault: live.fault)
    }

    /// The payload after the company id (BlueZ's `ManufacturerData` dictionary value).
    public var bytes: [UInt8] { [version, flags, phase, activeChamber, fault] }
}
