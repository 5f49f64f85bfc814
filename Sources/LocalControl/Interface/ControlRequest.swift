import BootsControlAPI
import DBus
import Sequencer

/// One method call of `org.presso.Boots1`, read from its arguments (the bus has already checked
/// their types against the declared signature). Pure: tested without a bus.
public enum ControlRequest: Sendable, Equatable {
    case start, pause, resume, stop, emergencyStop, clearFault
    case change(SettingsChange)
    case openPairingWindow(Duration)
    case listBonds
    case removeBond(address: String)
    case history

    /// The shortest and longest pairing window a caller may open.
    public static let pairingWindowRange = 10...600

    /// The methods, with their arguments and results, as introspection shows them.
    public static let methods: [(name: String, inputs: [DBusArgument], outputs: [DBusArgument])] = [
        ("Start", [], []), ("Pause", [], []), ("Resume", [], []), ("Stop", [], []), ("EmergencyStop", [], []),
        ("ClearFault", [], []),
        ("SetPressure", [DBusArgument("mmHg", "q")], []),
        ("SetChambers", [DBusArgument("chambers", "aq")], []),
        ("SetDuration", [DBusArgument("seconds", "u")], []),
        ("SetProgram", [DBusArgument("kind", "s"), DBusArgument("parameters", "a{sv}")], []),
        ("OpenPairingWindow", [DBusArgument("seconds", "u")], []),
        ("ListBonds", [], [DBusArgument("bonds", "a(ssb)")]),
        ("RemoveBond", [DBusArgument("address", "s")], []),
        ("History", [], [DBusArgument("sessions", "a(ttsqqs)")]),
    ]

    /// Reads a call of `method`; `InvalidValue` for arguments no boots could accept (a chamber
    /// 13, an unknown program parameter, a malformed address). Whether a value fits these
    /// boots is the sequencer's rule, applied when the request is performed.
    public init(method: String, arguments: [DBusValue]) throws(DBusError) {
        switch method {
        case "Start": self = .start
        case "Pause": self = .pause
        case "Resume": self = .resume
        case "Stop": self = .stop
        case "EmergencyStop": self = .emergencyStop
        case "ClearFault": self = .clearFault
        case "SetPressure": self = .change(.pressure(Int(try arguments.argument(0, as: UInt16.self))))
        case "SetChambers":
            let numbers = try arguments.argument(0, as: [UInt16].self).map(Int.init)
            self = .change(.activeChambers(try ChamberSet(numbers: numbers)))
        case "SetDuration": self = .change(.duration(.seconds(try arguments.argument(0, as: UInt32.self))))
        case "SetProgram":
            let spec = try ProgramSpec(
                dbusKind: try arguments.argument(0, as: String.self),
                parameters: try arguments.argument(1, as: [String: DBusValue].self))
            self = .change(.program(try Program(spec)))
        case "OpenPairingWindow":
            let seconds = Int(try arguments.argument(0, as: UInt32.self))
            let range = Self.pairingWindowRange
            guard range.contains(seconds) else {
                throw .invalidValue("a pairing window of \(seconds) s is out of range: \(range.lowerBound)–\(range.upperBound) s")
            }
            self = .openPairingWindow(.seconds(seconds))
        case "ListBonds": self = .listBonds
        case "RemoveBond": self = .removeBond(address: try Self.bluetoothAddress(try arguments.argument(0, as: String.self)))
        case "History": self = .history
        default: throw .unknownMethod("\(BootsBus.interface) has no method \(method)")
        }
    }

    /// "aa:bb:cc:dd:ee:ff" as "AA:BB:CC:DD:EE:FF"; `InvalidValue` for anything else.
    static func bluetoothAddress(_ text: String) throws(DBusError) -> String {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts.allSatisfy({ $0.count == 2 && UInt8($0, radix: 16) != nil }) else {
            throw .invalidValue("'\(text)' is not a Bluetooth address (like AA:BB:CC:DD:EE:FF)")
        }
        return text.uppercased()
    }
}
