import GPIO

/// Where one GPIO line is and how it is wired: one value of the config file, e.g.
/// `gpiochip0:17`, `gpiochip0:17 active-low`, `PUMP_EN` (a line name, searched on every chip),
/// `gpiochip0:PUMP_EN`, or `gpiochip0:27 active-low pull-up` for a button to ground.
///
/// The chip is a `/dev` name (`gpiochip0`), a path (`/dev/gpiochip0`) or a driver label
/// (`pinctrl-bcm2711`). Offsets are the chip's line numbers (on a Raspberry Pi, the BCM GPIO
/// number on `gpiochip0`), not header pin numbers.
public struct GPIOLineSpec: Sendable, Hashable, CustomStringConvertible {
    public enum Address: Sendable, Hashable {
        /// Line `offset` of `chip`.
        case offset(chip: String, offset: UInt32)
        /// The line the kernel names `name`, on `chip` or, when nil, on whichever chip has it.
        case name(String, chip: String?)
    }

    public enum Bias: String, Sendable, Hashable {
        case pullUp = "pull-up", pullDown = "pull-down", disabled = "bias-disabled"
    }

    public var address: Address
    /// The circuit is active when the pin is low (e.g. a relay board, a button to ground).
    public var activeLow: Bool
    /// Bias for inputs; nil leaves it as the kernel has it.
    public var bias: Bias?

    public init(_ address: Address, activeLow: Bool = false, bias: Bias? = nil) {
        self.address = address
        self.activeLow = activeLow
        self.bias = bias
    }

    /// Parses the config file's form (see the type's documentation).
    public init(parsing text: String) throws(LineSpecSyntaxError) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let location = words.first else { throw LineSpecSyntaxError("empty line specification") }
        var activeLow = false
        var bias: Bias?
        for option in words.dropFirst() {
            if option == "active-low" { activeLow = true; continue }
            if option == "active-high" { activeLow = false; continue }
            guard let parsed = Bias(rawValue: option) else {
                throw LineSpecSyntaxError("unknown option '\(option)' (known: active-low, active-high, pull-up, pull-down, bias-disabled)")
            }
            bias = parsed
        }
        let address: Address
        if let colon = location.lastIndex(of: ":") {
            let chip = String(location[..<colon]), line = String(location[location.index(after: colon)...])
            guard !chip.isEmpty, !line.isEmpty else { throw LineSpecSyntaxError("'\(location)' is not CHIP:OFFSET or CHIP:NAME") }
            if line.allSatisfy(\.isNumber) {
                guard let offset = UInt32(line) else { throw LineSpecSyntaxError("offset \(line) is out of range") }
                address = .offset(chip: chip, offset: offset)
            } else {
                address = .name(line, chip: chip)
            }
        } else {
            guard !location.allSatisfy(\.isNumber) else {
                throw LineSpecSyntaxError("'\(location)' needs its chip, e.g. gpiochip0:\(location)")
            }
            address = .name(location, chip: nil)
        }
        self.init(address, activeLow: activeLow, bias: bias)
    }

    /// The config file's form; parsing it gives this value back.
    public var description: String {
        var text: String
        switch address {
        case let .offset(chip, offset): text = "\(chip):\(offset)"
        case let .name(name, chip?): text = "\(chip):\(name)"
        case let .name(name, nil): text = name
        }
        if activeLow { text += " active-low" }
        if let bias { text += " \(bias.rawValue)" }
        return text
    }

    /// The libgpiod request flags this wiring needs.
    public var flags: GPIOLineFlags {
        var flags: GPIOLineFlags = activeLow ? [.activeLow] : []
        switch bias {
        case .pullUp: flags.insert(.pullUp)
        case .pullDown: flags.insert(.pullDown)
        case .disabled: flags.insert(.biasDisabled)
        case nil: break
        }
        return flags
    }
}

public struct LineSpecSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
