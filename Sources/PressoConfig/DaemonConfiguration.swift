import GPIOHardware
import Sequencer

/// Everything `pressod` reads from its configuration file (see `systemd/pressod.conf`).
///
/// The hardware backend follows from the file: with GPIO wiring sections (`[hardware]`, `[pump]`,
/// `[valves]`, …, see `systemd/pressod-gpio.example.conf`) the boots are driven through libgpiod;
/// without them a simulated pump stands in, so a fresh machine runs the whole daemon.
public struct DaemonConfiguration: Sendable, Equatable {
    public enum Security: String, Sendable, CaseIterable {
        /// Writes need an encrypted link from a bonded central (the default).
        case bonded
        /// Anyone in range may write: for development only, logged loudly.
        case open
    }

    /// What a running session does when the last central disconnects.
    public enum DisconnectPolicy: String, Sendable, CaseIterable {
        case `continue`, pause, stop
    }

    public enum Backend: Sendable, Equatable {
        case simulated(SimulatorSettings)
        case gpio(GPIOHardwareConfiguration)
    }

    public struct SimulatorSettings: Sendable, Equatable {
        public var layout: HardwareLayout
        /// Seed of the sensor noise, so a demo run can be repeated.
        public var seed: UInt64
    }

    public struct Bluetooth: Sendable, Equatable {
        /// `hciN` or an adapter address; nil: the first adapter BlueZ offers.
        public var adapter: String?
        /// The advertised local name and adapter alias; nil: `Presso-` + the adapter address' last 4 hex digits.
        public var name: String?
        public var security: Security
        public var pairingWindow: Duration
        public var onDisconnect: DisconnectPolicy
    }

    public struct DeviceInformation: Sendable, Equatable {
        public var manufacturer: String
        public var model: String
        /// nil: the adapter address without colons.
        public var serial: String?
    }

    public var bluetooth: Bluetooth
    public var device: DeviceInformation
    public var sequencer: SequencerConfig
    public var backend: Backend
    /// Where user settings and session history are kept.
    public var stateDirectory: String

    /// The layout of the configured boots.
    public var layout: HardwareLayout {
        switch backend {
        case .simulated(let settings): settings.layout
        case .gpio(let gpio): gpio.layout
        }
    }

    /// Sections this file owns; any other section belongs to the GPIO backend.
    static let daemonSections = ["daemon", "bluetooth", "device", "safety", "simulator"]
    static let gpioSections = ["hardware", "pump", "valves", "exhaust", "sensor", "button"]

    /// Reads and checks the whole file; the first problem is thrown, naming file, line and field.
    public init(_ file: ConfigFile) throws(ConfigError) {
        var reader = ConfigReader(file)
        stateDirectory = reader.string("daemon", "state_directory", default: "/var/lib/presso")

        bluetooth = Bluetooth(
            adapter: reader.optionalString("bluetooth", "adapter"),
            name: try Self.localName(&reader),
            security: try reader.choice("bluetooth", "security", default: Security.bonded),
            pairingWindow: .seconds(try reader.integer("bluetooth", "pairing_window_s", in: 10...600, default: 60)),
            onDisconnect: try reader.choice("bluetooth", "on_disconnect", default: DisconnectPolicy.continue))

        device = DeviceInformation(
            manufacturer: reader.string("device", "manufacturer", default: "Presso"),
            model: reader.string("device", "model", default: "Presso Boots"),
            serial: reader.optionalString("device", "serial"))

        var sequencer = SequencerConfig()
        sequencer.pressureCap = try reader.integer("safety", "max_pressure", in: SessionSettings.pressureRange.lowerBound...SequencerConfig.absoluteCap, default: 200)
        sequencer.overPressureMargin = try reader.double("safety", "over_pressure_margin", in: 1...50, default: sequencer.overPressureMargin)
        sequencer.fillTimeout = .milliseconds(try reader.integer("safety", "fill_timeout_s", in: 2...120, default: 20) * 1000)
        sequencer.tickRate = try reader.integer("safety", "tick_rate", in: 10...400, default: sequencer.tickRate)
        sequencer.maxTickGap = .milliseconds(try reader.integer("safety", "stall_timeout_ms", in: 100...5000, default: 500))
        sequencer.inletSettle = .milliseconds(try reader.integer("safety", "valve_settle_ms", in: 0...1000, default: 100))
        self.sequencer = sequencer

        let gpioEntries = Self.gpioSections.flatMap { reader.claimSection($0) }
        if gpioEntries.isEmpty && Self.gpioSections.allSatisfy({ file.sectionLines[$0] == nil }) {
            let chambers = try reader.integer("simulator", "chambers", in: 1...ChamberSet.maxChambers, default: 6)
            let exhaust = try reader.choice("simulator", "exhaust", default: ExhaustChoice.common)
            let sensing = try reader.choice("simulator", "sensing", default: SensingChoice.manifold)
            let seed = try reader.integer("simulator", "seed", in: 0...Int(Int32.max), default: 1)
            backend = .simulated(SimulatorSettings(
                layout: HardwareLayout(installedChambers: chambers, exhaust: exhaust.layout, sensing: sensing.layout),
                seed: UInt64(seed)))
        } else {
            if let line = file.sectionLines["simulator"] {
                throw ConfigError(path: file.path, line: line, field: "[simulator]",
                                  message: "GPIO wiring is configured, so there is no simulator to configure")
            }
            var sections: [String: [String: String]] = [:]
            for section in Self.gpioSections where file.sectionLines[section] != nil { sections[section] = [:] }
            for entry in gpioEntries { sections[entry.section, default: [:]][entry.key] = entry.value }
            do {
                backend = .gpio(try GPIOHardwareConfiguration(sections: sections))
            } catch {
                throw file.locate(entry: error.entry, message: error.message)
            }
        }
        try reader.finish()
        do {
            try sequencer.validate()
        } catch {
            throw ConfigError(path: file.path, line: file.entry("safety", "max_pressure")?.line, field: "safety", message: "\(error)")
        }
    }

    private static func localName(_ reader: inout ConfigReader) throws(ConfigError) -> String? {
        guard let entry = reader.raw("bluetooth", "name"), !entry.value.isEmpty else { return nil }
        // The name travels in a 31-byte scan response: 2 bytes of header leave 29.
        guard entry.value.utf8.count <= 29 else { throw reader.error(entry, "longer than 29 bytes (it must fit the scan response)") }
        return entry.value
    }

    enum ExhaustChoice: String, CaseIterable {
        case common, perChamber = "per-chamber"
        var layout: ExhaustLayout { self == .common ? .commonManifold : .perChamber }
    }

    enum SensingChoice: String, CaseIterable {
        case manifold, perChamber = "per-chamber", none
        var layout: PressureSensing {
            switch self {
            case .manifold: .manifold
            case .perChamber: .perChamber
            case .none: .none
            }
        }
    }
}

extension ConfigFile {
    /// Turns an entry named like `[section] key` or `[section]` (as the GPIO backend names them)
    /// into an error carrying this file's line for it.
    public func locate(entry: String, message: String) -> ConfigError {
        var section = entry
        var key: String?
        if entry.hasPrefix("["), let close = entry.firstIndex(of: "]") {
            section = String(entry[entry.index(after: entry.startIndex)..<close])
            let rest = entry[entry.index(after: close)...].trimmingWhitespace()
            key = rest.isEmpty ? nil : rest
        }
        let line = key.flatMap { self.entry(section, $0)?.line } ?? sectionLines[section]
        return ConfigError(path: path, line: line, field: key.map { "\(section).\($0)" } ?? "[\(section)]", message: message)
    }
}
