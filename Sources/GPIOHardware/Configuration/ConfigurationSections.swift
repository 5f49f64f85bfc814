import Sequencer

/// Building the configuration from the config file's sections (`[section]` → `key = value`).
/// Reading the file into sections is the daemon's job; every key here is one property of
/// `GPIOHardwareConfiguration`. Unknown sections and keys are errors: a typo in a wiring file
/// must not silently leave a valve undriven.
extension GPIOHardwareConfiguration {
    public init(sections: [String: [String: String]]) throws(GPIOConfigurationError) {
        let known: [String: (fixed: Set<String>, numbered: String?)] = [
            "hardware": (["chambers", "consumer"], nil),
            "pump": (["line"], nil),
            "valves": (["normally_open"], "inlet"),
            "exhaust": (["layout", "line", "normally_open"], "chamber"),
            "sensor": (["type", "clock", "data", "rate", "zero", "per_kpa", "min_mmhg", "max_mmhg", "timeout_ms", "device", "channel", "stale_ms"], nil),
            "button": (["line", "debounce_ms", "long_press_ms"], nil),
        ]
        for (name, keys) in sections {
            guard let allowed = known[name] else {
                throw GPIOConfigurationError("[\(name)]", "unknown section (known: \(known.keys.sorted().joined(separator: ", ")))")
            }
            for key in keys.keys where !allowed.fixed.contains(key) {
                if let prefix = allowed.numbered, key.hasPrefix(prefix), Int(key.dropFirst(prefix.count)) != nil { continue }
                throw GPIOConfigurationError(name, key, "unknown key")
            }
        }
        let hardware = Section("hardware", sections["hardware"])
        let chambers = try hardware.integer("chambers")
        guard (1...ChamberSet.maxChambers).contains(chambers) else {
            throw GPIOConfigurationError("hardware", "chambers", "\(chambers) is not in 1...\(ChamberSet.maxChambers)")
        }
        let valves = Section("valves", sections["valves"])
        let exhaust = Section("exhaust", sections["exhaust"])
        let exhaustLines: ExhaustConfiguration.Lines
        switch try exhaust.required("layout") {
        case "common": exhaustLines = .common(try exhaust.line("line"))
        case "per-chamber": exhaustLines = .perChamber(try exhaust.numberedLines("chamber", count: chambers))
        case let other: throw GPIOConfigurationError("exhaust", "layout", "'\(other)' is not common or per-chamber")
        }
        self.init(
            chambers: chambers,
            consumer: hardware.optional("consumer") ?? "pressod",
            pump: try Section("pump", sections["pump"]).line("line"),
            inlets: try valves.numberedLines("inlet", count: chambers),
            inletsNormallyOpen: try valves.flag("normally_open") ?? false,
            exhaust: ExhaustConfiguration(exhaustLines, normallyOpen: try exhaust.flag("normally_open") ?? false),
            sensor: try SensorConfiguration(Section("sensor", sections["sensor"])),
            button: try sections["button"].map { keys throws(GPIOConfigurationError) in
                let button = Section("button", keys)
                let defaults = ButtonConfiguration(line: try button.line("line"))
                return ButtonConfiguration(
                    line: defaults.line,
                    debounce: try button.milliseconds("debounce_ms") ?? defaults.debounce,
                    longPress: try button.milliseconds("long_press_ms") ?? defaults.longPress)
            })
        try validate()
    }
}

extension SensorConfiguration {
    init(_ sensor: Section) throws(GPIOConfigurationError) {
        func calibration() throws(GPIOConfigurationError) -> PressureCalibration {
            let defaults = PressureCalibration(zero: 0, perKilopascal: 1)
            return PressureCalibration(
                zero: try sensor.number("zero") ?? defaults.zero,
                perKilopascal: try sensor.requiredNumber("per_kpa"),
                plausibleRange: (try sensor.number("min_mmhg") ?? defaults.plausibleRange.lowerBound)
                    ... (try sensor.number("max_mmhg") ?? defaults.plausibleRange.upperBound))
        }
        switch sensor.optional("type") ?? "none" {
        case "none": self = .none
        case "hx710b":
            let mode: HX710BMode
            switch sensor.optional("rate") ?? "40hz" {
            case "10hz": mode = .differential10Hz
            case "40hz": mode = .differential40Hz
            case let other: throw GPIOConfigurationError("sensor", "rate", "'\(other)' is not 10hz or 40hz")
            }
            self = .hx710b(HX710BConfiguration(
                clock: try sensor.line("clock"), data: try sensor.line("data"), mode: mode,
                calibration: try calibration(),
                timeout: try sensor.milliseconds("timeout_ms") ?? .milliseconds(500)))
        case "iio":
            self = .iio(IIOChannelConfiguration(
                directory: sensor.optional("device") ?? IIOChannelConfiguration(channel: 0, calibration: .init(zero: 0, perKilopascal: 1)).directory,
                channel: try sensor.integer("channel"),
                calibration: try calibration(),
                staleAfter: try sensor.milliseconds("stale_ms") ?? .milliseconds(100)))
        case let other: throw GPIOConfigurationError("sensor", "type", "'\(other)' is not none, hx710b or iio")
        }
    }
}

/// One section's keys, with typed getters whose errors name the entry.
struct Section {
    let name: String
    let keys: [String: String]

    init(_ name: String, _ keys: [String: String]?) {
        self.name = name
        self.keys = keys ?? [:]
    }

    func optional(_ key: String) -> String? {
        keys[key].map { $0.trimmingWhitespace() }
    }

    func required(_ key: String) throws(GPIOConfigurationError) -> String {
        guard let value = optional(key), !value.isEmpty else { throw GPIOConfigurationError(name, key, "missing") }
        return value
    }

    func integer(_ key: String) throws(GPIOConfigurationError) -> Int {
        let text = try required(key)
        guard let value = Int(text) else { throw GPIOConfigurationError(name, key, "'\(text)' is not a whole number") }
        return value
    }

    func number(_ key: String) throws(GPIOConfigurationError) -> Double? {
        guard let text = optional(key) else { return nil }
        guard let value = Double(text), value.isFinite else { throw GPIOConfigurationError(name, key, "'\(text)' is not a number") }
        return value
    }

    func requiredNumber(_ key: String) throws(GPIOConfigurationError) -> Double {
        _ = try required(key)
        return try number(key)!
    }

    func milliseconds(_ key: String) throws(GPIOConfigurationError) -> Duration? {
        guard let text = optional(key) else { return nil }
        guard let value = Int(text), value >= 0 else { throw GPIOConfigurationError(name, key, "'\(text)' is not a number of milliseconds") }
        return .milliseconds(value)
    }

    func flag(_ key: String) throws(GPIOConfigurationError) -> Bool? {
        guard let text = optional(key) else { return nil }
        switch text {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default: throw GPIOConfigurationError(name, key, "'\(text)' is not true or false")
        }
    }

    func line(_ key: String) throws(GPIOConfigurationError) -> GPIOLineSpec {
        let text = try required(key)
        do { return try GPIOLineSpec(parsing: text) } catch { throw GPIOConfigurationError(name, key, error.description) }
    }

    /// `prefix1` ... `prefixN`, all present, none beyond N.
    func numberedLines(_ prefix: String, count: Int) throws(GPIOConfigurationError) -> [GPIOLineSpec] {
        for key in keys.keys where key.hasPrefix(prefix) {
            if let n = Int(key.dropFirst(prefix.count)), !(1...max(count, 1)).contains(n) {
                throw GPIOConfigurationError(name, key, "there are only \(count) chambers")
            }
        }
        var lines: [GPIOLineSpec] = []
        for n in 1...max(count, 1) { lines.append(try line("\(prefix)\(n)")) }
        return lines
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
