import Foundation
import GPIOHardware
import Sequencer
import Testing

/// Splits an INI-like file into sections (the daemon owns the real reader; this one only lets the
/// tests feed the example file through `init(sections:)`).
func sections(ofINI text: String) -> [String: [String: String]] {
    var sections: [String: [String: String]] = [:]
    var current = ""
    for rawLine in text.split(separator: "\n") {
        let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces)
        if line.isEmpty { continue }
        if line.hasPrefix("["), line.hasSuffix("]") {
            current = String(line.dropFirst().dropLast())
            sections[current, default: [:]] = [:]
            continue
        }
        let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        sections[current, default: [:]][parts[0]] = parts.count > 1 ? parts[1] : ""
    }
    return sections
}

private func gpio(_ offset: UInt32, activeLow: Bool = false, bias: GPIOLineSpec.Bias? = nil) -> GPIOLineSpec {
    GPIOLineSpec(.offset(chip: "gpiochip0", offset: offset), activeLow: activeLow, bias: bias)
}

@Suite struct ExampleConfigurationTests {
    static let examplePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("systemd/pressod-gpio.example.conf").path

    @Test func theExampleFileMapsOneToOneOntoTheConfiguration() throws {
        let text = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        let configuration = try GPIOHardwareConfiguration(sections: sections(ofINI: text))
        let expected = GPIOHardwareConfiguration(
            chambers: 6, consumer: "pressod", pump: gpio(17),
            inlets: [5, 6, 13, 19, 26, 12].map { gpio($0, activeLow: true) },
            inletsNormallyOpen: false,
            exhaust: ExhaustConfiguration(.common(gpio(16)), normallyOpen: false),
            sensor: .hx710b(HX710BConfiguration(
                clock: gpio(23), data: gpio(24), mode: .differential40Hz,
                calibration: PressureCalibration(zero: 0, perKilopascal: 100_000, plausibleRange: -20...350),
                timeout: .milliseconds(500))),
            button: ButtonConfiguration(line: gpio(27, activeLow: true, bias: .pullUp), debounce: .milliseconds(30), longPress: .seconds(3)))
        #expect(configuration == expected)
        #expect(configuration.layout == HardwareLayout(installedChambers: 6, exhaust: .commonManifold, sensing: .manifold))
    }
}

@Suite struct ConfigurationValidationTests {
    let minimal: [String: [String: String]] = [
        "hardware": ["chambers": "3"],
        "pump": ["line": "gpiochip0:17"],
        "valves": ["inlet1": "gpiochip0:5", "inlet2": "gpiochip0:6", "inlet3": "gpiochip0:13"],
        "exhaust": ["layout": "per-chamber", "chamber1": "gpiochip0:20", "chamber2": "gpiochip0:21", "chamber3": "gpiochip0:22"],
    ]

    func error(_ change: (inout [String: [String: String]]) -> Void) -> GPIOConfigurationError? {
        var sections = minimal
        change(&sections)
        do {
            _ = try GPIOHardwareConfiguration(sections: sections)
            return nil
        } catch {
            return error
        }
    }

    @Test func aMinimalPerChamberWiringIsOpenLoopWithDefaults() throws {
        let configuration = try GPIOHardwareConfiguration(sections: minimal)
        #expect(configuration.layout == HardwareLayout(installedChambers: 3, exhaust: .perChamber, sensing: .none))
        #expect(configuration.consumer == "pressod")
        #expect(configuration.button == nil)
        #expect(configuration.outputs.map(\.entry) == [
            "[pump] line", "[exhaust] chamber1", "[exhaust] chamber2", "[exhaust] chamber3",
            "[valves] inlet1", "[valves] inlet2", "[valves] inlet3",
        ])
    }

    @Test func eachMistakeNamesItsEntry() {
        #expect(error { $0["valves"]!["inlet3"] = nil }?.description == "[valves] inlet3: missing")
        #expect(error { $0["valves"]!["inlet4"] = "gpiochip0:7" }?.description == "[valves] inlet4: there are only 3 chambers")
        #expect(error { $0["exhaust"]!["chamber2"] = nil }?.description == "[exhaust] chamber2: missing")
        #expect(error { $0["hardware"]!["chambers"] = "13" }?.description == "[hardware] chambers: 13 is not in 1...12")
        #expect(error { $0["hardware"]!["chambers"] = "six" }?.description == "[hardware] chambers: 'six' is not a whole number")
        #expect(error { $0["pump"]!["lien"] = "x" }?.description == "[pump] lien: unknown key")
        #expect(error { $0["pumps"] = [:] }?.entry == "[pumps]")
        #expect(error { $0["exhaust"]!["layout"] = "shared" }?.description == "[exhaust] layout: 'shared' is not common or per-chamber")
        #expect(error { $0["pump"]!["line"] = "gpiochip0:17 active-lo" }?.entry == "[pump] line")
        #expect(error { $0["sensor"] = ["type": "hx710b", "clock": "gpiochip0:23", "data": "gpiochip0:24"] }?.description == "[sensor] per_kpa: missing")
        #expect(error { $0["sensor"] = ["type": "iio", "channel": "0", "per_kpa": "0"] }?.description == "[sensor] per_kpa: must be a non-zero number")
        #expect(error { $0["sensor"] = ["type": "iio", "channel": "0", "per_kpa": "45", "stale_ms": "10"] }?.description == "[sensor] stale_ms: must be in 20...5000 (one control tick is 20 ms)")
        #expect(error { $0["button"] = ["line": "gpiochip0:27", "long_press_ms": "10"] }?.description == "[button] long_press_ms: must be longer than debounce_ms")
    }

    /// An IIO sample goes stale after 100 ms unless `stale_ms` says otherwise (emulated boards).
    @Test func anIIOChannelsStaleLimitIsConfigurable() throws {
        func plan(_ keys: [String: String]) throws -> SamplingPlan? {
            var sections = minimal
            sections["sensor"] = ["type": "iio", "device": "/tmp/iio:device0", "channel": "1", "per_kpa": "45"].merging(keys) { $1 }
            return SamplingPlan.forSensor(try GPIOHardwareConfiguration(sections: sections).sensor)
        }
        #expect(try plan([:]) == SamplingPlan(interval: .milliseconds(2), staleAfter: .milliseconds(100), continuousConversions: false))
        #expect(try plan(["stale_ms": "1000"])?.staleAfter == .seconds(1))
    }

    @Test func twoEntriesOnOneLineAreRefusedNamingBoth() {
        #expect(error { $0["valves"]!["inlet2"] = "gpiochip0:17" }?.description == "[valves] inlet2: gpiochip0:17 is already used by [pump] line")
    }

    @Test func aCommonExhaustNeedsItsLine() throws {
        var sections = minimal
        sections["exhaust"] = ["layout": "common", "line": "EXHAUST", "normally_open": "true"]
        let configuration = try GPIOHardwareConfiguration(sections: sections)
        #expect(configuration.exhaust == ExhaustConfiguration(.common(GPIOLineSpec(.name("EXHAUST", chip: nil))), normallyOpen: true))
        #expect(configuration.layout.exhaust == .commonManifold)
        sections["exhaust"] = ["layout": "common"]
        #expect(throws: GPIOConfigurationError("[exhaust] line", "missing")) { try GPIOHardwareConfiguration(sections: sections) }
    }
}

@Suite struct GPIOLineSpecTests {
    @Test(arguments: [
        ("gpiochip0:17", GPIOLineSpec(.offset(chip: "gpiochip0", offset: 17))),
        ("gpiochip0:17 active-low", GPIOLineSpec(.offset(chip: "gpiochip0", offset: 17), activeLow: true)),
        ("PUMP_EN", GPIOLineSpec(.name("PUMP_EN", chip: nil))),
        ("pinctrl-bcm2711:GPIO27 active-low pull-up", GPIOLineSpec(.name("GPIO27", chip: "pinctrl-bcm2711"), activeLow: true, bias: .pullUp)),
        ("/dev/gpiochip1:3 pull-down", GPIOLineSpec(.offset(chip: "/dev/gpiochip1", offset: 3), bias: .pullDown)),
    ])
    func parsesAndPrintsBack(text: String, spec: GPIOLineSpec) throws {
        #expect(try GPIOLineSpec(parsing: text) == spec)
        #expect(try GPIOLineSpec(parsing: spec.description) == spec)
    }

    @Test func activeLowAndBiasBecomeRequestFlags() throws {
        #expect(try GPIOLineSpec(parsing: "gpiochip0:27 active-low pull-up").flags == [.activeLow, .pullUp])
        #expect(try GPIOLineSpec(parsing: "gpiochip0:27").flags == [])
    }

    @Test(arguments: ["", "17", "gpiochip0:", ":17", "gpiochip0:17 inverted", "gpiochip0:99999999999"])
    func refusesMalformedSpecs(text: String) {
        #expect(throws: LineSpecSyntaxError.self) { try GPIOLineSpec(parsing: text) }
    }
}
