/// What the doctor is asked to check: taken from the configuration (or its defaults).
public struct DoctorPlan: Sendable, Equatable {
    public var configuration: ConfigurationFacts
    /// `[bluetooth] adapter`: `hciN` or an address; nil: the first adapter.
    public var adapter: String?
    /// The GPIO wiring; nil when the simulated pump stands in.
    public var gpio: GPIOPlan?
    public var stateDirectory: String

    public init(configuration: ConfigurationFacts, adapter: String?, gpio: GPIOPlan?, stateDirectory: String) {
        self.configuration = configuration
        self.adapter = adapter
        self.gpio = gpio
        self.stateDirectory = stateDirectory
    }
}

/// The outcome of reading the configuration file.
public enum ConfigurationFacts: Sendable, Equatable {
    /// Read and valid; `summary` says what it configures.
    case valid(path: String, summary: String)
    /// No file at the default path: built-in defaults apply (simulated pump).
    case defaults(path: String)
    /// Unreadable or invalid; `message` names file, line and field.
    case invalid(message: String)
}

/// The GPIO lines the configuration wires, each with the entry that names it.
public struct GPIOPlan: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        /// e.g. "[valves] inlet3".
        public var entry: String
        /// The configured form, e.g. "gpiochip0:13 active-low".
        public var spec: String
        public init(entry: String, spec: String) { self.entry = entry; self.spec = spec }
    }
    /// `[hardware] consumer`: the name pressod's own requests carry.
    public var consumer: String
    public var lines: [Line]

    public init(consumer: String, lines: [Line]) {
        self.consumer = consumer
        self.lines = lines
    }
}

/// The system bus and, on it, bluetoothd.
public enum SystemBusFacts: Sendable, Equatable {
    case unreachable(reason: String)
    /// `bluetoothd` is nil when nobody owns org.bluez.
    case reachable(address: String, bluetoothd: BluetoothdFacts?)
}

public struct BluetoothdFacts: Sendable, Equatable {
    /// Unique bus name of org.bluez's owner, e.g. ":1.4".
    public var owner: String
    public var pid: UInt32?
    /// The owner's command line (from /proc), when it could be read.
    public var commandLine: [String]?
    /// e.g. "5.66", from `bluetoothd --version` or the bluez package.
    public var version: String?
    /// The adapters bluetoothd offers (Adapter1 objects); nil when they could not be listed.
    public var adapters: [BusAdapter]?

    public init(owner: String, pid: UInt32? = nil, commandLine: [String]? = nil, version: String? = nil, adapters: [BusAdapter]? = nil) {
        self.owner = owner
        self.pid = pid
        self.commandLine = commandLine
        self.version = version
        self.adapters = adapters
    }
}

/// One `org.bluez.Adapter1` object.
public struct BusAdapter: Sendable, Equatable {
    /// "hci0" (the last component of its object path).
    public var name: String
    public var address: String
    public var powered: Bool
    /// The adapter shows `PowerState`, a property BlueZ 5.66–5.76 marks experimental (it is
    /// hidden unless bluetoothd runs with experimental interfaces: `-E` or main.conf).
    public var showsExperimentalProperty: Bool

    public init(name: String, address: String, powered: Bool, showsExperimentalProperty: Bool) {
        self.name = name
        self.address = address
        self.powered = powered
        self.showsExperimentalProperty = showsExperimentalProperty
    }
}

/// The kernel's Bluetooth controllers (HCI devices).
public enum KernelBluetoothFacts: Sendable, Equatable {
    /// The kernel could not be asked: `noBluetooth` when it has no AF_BLUETOOTH at all.
    case unavailable(reason: String, noBluetooth: Bool)
    case controllers([Controller])

    public struct Controller: Sendable, Equatable {
        public var name: String
        public var address: String
        public var isUp: Bool
        public var supportsLE: Bool
        public var isLEOnly: Bool
        public init(name: String, address: String, isUp: Bool, supportsLE: Bool, isLEOnly: Bool = false) {
            self.name = name
            self.address = address
            self.isUp = isUp
            self.supportsLE = supportsLE
            self.isLEOnly = isLEOnly
        }
    }
}

/// One configured GPIO line as the kernel has it.
public enum GPIOLineFacts: Sendable, Equatable {
    /// The chip could not be opened (missing, no permission): `reason` says which and why.
    case chipUnavailable(reason: String, permissionDenied: Bool)
    /// The chip is there but has no such line.
    case lineMissing(reason: String)
    /// `chip` ("gpiochip0 [pinctrl-bcm2711]") line `offset`; `consumer` is who holds it, if
    /// anyone (nil + `used`: the kernel).
    case found(chip: String, offset: UInt32, used: Bool, consumer: String?)
}

/// The configured state directory.
public enum DirectoryFacts: Sendable, Equatable {
    case directory(writable: Bool, owner: String)
    case notADirectory
    /// Missing; `creatable`: its nearest existing parent is writable.
    case missing(creatable: Bool)
}

/// Where the doctor's facts come from: the system (DoctorProbes) or, in tests, fakes.
public protocol DoctorProbing: Sendable {
    func systemBus() async -> SystemBusFacts
    func kernelBluetooth() -> KernelBluetoothFacts
    /// Paths of the installed D-Bus policy files for bus name `name` (`NAME.conf` in the
    /// system bus' policy folders).
    func busPolicyFiles(for name: String) -> [String]
    /// Facts for each line, in the plan's order.
    func gpioLines(_ lines: [GPIOPlan.Line]) -> [GPIOLineFacts]
    /// Whether a pressod other than this process runs.
    func otherPressodRunning() -> Bool
    func directory(_ path: String) -> DirectoryFacts
    /// The user running the doctor, e.g. "root".
    var userName: String { get }
}
