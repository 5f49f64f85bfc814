import Sequencer

/// The wiring of one set of boots to GPIO lines and a pressure sensor.
///
/// Maps 1:1 to the sections and keys of `systemd/pressod-gpio.example.conf` (each property's
/// comment names its `[section] key`); `init(sections:)` builds it from that file once split into
/// sections of `key = value` pairs.
public struct GPIOHardwareConfiguration: Sendable, Equatable {
    /// `[hardware] chambers`: chambers installed, 1...12.
    public var chambers: Int
    /// `[hardware] consumer`: the consumer name on every requested line (what `gpioinfo` shows).
    public var consumer: String
    /// `[pump] line`.
    public var pump: GPIOLineSpec
    /// `[valves] inlet1` ... `inletN`: the inlet valve of each chamber, chamber 1 (feet) first.
    public var inlets: [GPIOLineSpec]
    /// `[valves] normally_open`: the inlet valves are open when not energised.
    public var inletsNormallyOpen: Bool
    /// `[exhaust]`.
    public var exhaust: ExhaustConfiguration
    /// `[sensor]`.
    public var sensor: SensorConfiguration
    /// `[button]`, absent when the boots have no button.
    public var button: ButtonConfiguration?

    public init(
        chambers: Int, consumer: String = "pressod", pump: GPIOLineSpec, inlets: [GPIOLineSpec],
        inletsNormallyOpen: Bool = false, exhaust: ExhaustConfiguration,
        sensor: SensorConfiguration = .none, button: ButtonConfiguration? = nil
    ) {
        self.chambers = chambers
        self.consumer = consumer
        self.pump = pump
        self.inlets = inlets
        self.inletsNormallyOpen = inletsNormallyOpen
        self.exhaust = exhaust
        self.sensor = sensor
        self.button = button
    }

    /// The build the sequencer plans for. Call `validate()` first.
    public var layout: HardwareLayout {
        HardwareLayout(
            installedChambers: chambers,
            exhaust: exhaust.lines.isCommon ? .commonManifold : .perChamber,
            sensing: sensor == .none ? .none : .manifold)
    }

    /// Checks that the wiring is complete and consistent, naming the first entry that is not.
    public func validate() throws(GPIOConfigurationError) {
        guard (1...ChamberSet.maxChambers).contains(chambers) else {
            throw GPIOConfigurationError("hardware", "chambers", "\(chambers) is not in 1...\(ChamberSet.maxChambers)")
        }
        guard !consumer.isEmpty else { throw GPIOConfigurationError("hardware", "consumer", "must not be empty") }
        guard inlets.count == chambers else {
            throw GPIOConfigurationError("valves", "inlet\(min(inlets.count, chambers) + 1)",
                                     "\(chambers) chambers need inlet1...inlet\(chambers); \(inlets.count) given")
        }
        if case .perChamber(let valves) = exhaust.lines, valves.count != chambers {
            throw GPIOConfigurationError("exhaust", "chamber\(min(valves.count, chambers) + 1)",
                                     "per-chamber exhaust with \(chambers) chambers needs chamber1...chamber\(chambers); \(valves.count) given")
        }
        try sensor.validate()
        try button?.validate()
        // Two entries on one line would fight over it; name both.
        var seen: [GPIOLineSpec.Address: String] = [:]
        for (entry, spec) in allLines {
            if let first = seen[spec.address] {
                throw GPIOConfigurationError(entry, "\(spec) is already used by \(first)")
            }
            seen[spec.address] = entry
        }
    }

    /// Every line of the wiring with its config entry (e.g. "[valves] inlet3").
    public var allLines: [(entry: String, spec: GPIOLineSpec)] {
        var lines = outputs.map { ($0.entry, $0.spec) }
        if case .hx710b(let adc) = sensor {
            lines += [("[sensor] clock", adc.clock), ("[sensor] data", adc.data)]
        }
        if let button { lines.append(("[button] line", button.line)) }
        return lines
    }
}

/// `[exhaust]`: how the chambers vent.
public struct ExhaustConfiguration: Sendable, Equatable {
    public enum Lines: Sendable, Equatable {
        /// `layout = common`, `line = ...`: one valve on the manifold.
        case common(GPIOLineSpec)
        /// `layout = per-chamber`, `chamber1 = ...` ... `chamberN = ...`.
        case perChamber([GPIOLineSpec])

        var isCommon: Bool { if case .common = self { true } else { false } }
    }
    public var lines: Lines
    /// `normally_open`: the exhaust valves are open when not energised (they vent on power loss,
    /// the fail-safe choice).
    public var normallyOpen: Bool

    public init(_ lines: Lines, normallyOpen: Bool = false) {
        self.lines = lines
        self.normallyOpen = normallyOpen
    }
}

/// `[button]`: the start/stop button (long press: pairing window).
public struct ButtonConfiguration: Sendable, Equatable {
    /// `line`, e.g. `gpiochip0:27 active-low pull-up` for a button to ground.
    public var line: GPIOLineSpec
    /// `debounce_ms`: a level must hold this long to count (contact bounce is ignored).
    public var debounce: Duration
    /// `long_press_ms`: a press held at least this long is a long press.
    public var longPress: Duration

    public init(line: GPIOLineSpec, debounce: Duration = .milliseconds(30), longPress: Duration = .seconds(3)) {
        self.line = line
        self.debounce = debounce
        self.longPress = longPress
    }

    func validate() throws(GPIOConfigurationError) {
        guard debounce >= .zero, debounce <= .milliseconds(500) else {
            throw GPIOConfigurationError("button", "debounce_ms", "must be in 0...500")
        }
        guard longPress > debounce else {
            throw GPIOConfigurationError("button", "long_press_ms", "must be longer than debounce_ms")
        }
    }
}

/// A configuration entry that is missing, malformed or inconsistent.
public struct GPIOConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The entry, e.g. "[valves] inlet3" or "[exhaust]".
    public var entry: String
    public var message: String

    public init(_ entry: String, _ message: String) {
        self.entry = entry
        self.message = message
    }

    init(_ section: String, _ key: String, _ message: String) {
        self.init("[\(section)] \(key)", message)
    }

    public var description: String { "\(entry): \(message)" }
}
