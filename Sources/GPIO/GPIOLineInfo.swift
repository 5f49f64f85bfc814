import CGPIOD

/// Options of a line request, mirroring libgpiod's `GPIOD_LINE_REQUEST_FLAG_*`.
public struct GPIOLineFlags: OptionSet, Sendable, Hashable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Logical value 1 drives (or reads) the line low: values are in the circuit's terms
    /// ("valve open", "button pressed"), libgpiod inverts them at the pin.
    public static let activeLow = GPIOLineFlags(rawValue: Int32(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW))
    public static let openDrain = GPIOLineFlags(rawValue: Int32(GPIOD_LINE_REQUEST_FLAG_OPEN_DRAIN))
    public static let openSource = GPIOLineFlags(rawValue: Int32(GPIOD_LINE_REQUEST_FLAG_OPEN_SOURCE))
    public static let biasDisabled = GPIOLineFlags(rawValue: Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE))
    public static let pullDown = GPIOLineFlags(rawValue: Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN))
    public static let pullUp = GPIOLineFlags(rawValue: Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP))
}

/// What the kernel reports about one line of a chip, whoever holds it.
public struct GPIOLineInfo: Sendable, Equatable, CustomStringConvertible {
    public enum Direction: Sendable, Equatable { case input, output }
    public enum Bias: Sendable, Equatable { case asIs, disabled, pullUp, pullDown }

    public var offset: UInt32
    /// The line's name from the device tree or the driver (e.g. "GPIO17"), if any.
    public var name: String?
    /// Who holds the line (the consumer string of its request), if anyone named one.
    public var consumer: String?
    public var direction: Direction
    public var isActiveLow: Bool
    public var bias: Bias
    /// True when the line is requested by any process, or reserved by the kernel.
    public var isUsed: Bool
    public var isOpenDrain: Bool
    public var isOpenSource: Bool

    public var description: String {
        var text = "\(offset)\t\(name.map { "\"\($0)\"" } ?? "unnamed")\t\(direction)"
        if isActiveLow { text += " active-low" }
        if bias != .asIs { text += " bias=\(bias)" }
        if isOpenDrain { text += " open-drain" }
        if isOpenSource { text += " open-source" }
        if isUsed { text += "\tused by \(consumer.map { "\"\($0)\"" } ?? "kernel")" }
        return text
    }
}

extension GPIOLineInfo {
    /// Reads the info of a line libgpiod has just updated. The caller holds the chip's lock.
    init(_ line: OpaquePointer) {
        let bias: Bias
        switch Int(gpiod_line_bias(line)) {
        case GPIOD_LINE_BIAS_DISABLE: bias = .disabled
        case GPIOD_LINE_BIAS_PULL_UP: bias = .pullUp
        case GPIOD_LINE_BIAS_PULL_DOWN: bias = .pullDown
        default: bias = .asIs
        }
        self.init(
            offset: gpiod_line_offset(line),
            name: gpiod_line_name(line).map { String(cString: $0) },
            consumer: gpiod_line_consumer(line).map { String(cString: $0) },
            direction: Int(gpiod_line_direction(line)) == GPIOD_LINE_DIRECTION_OUTPUT ? .output : .input,
            isActiveLow: Int(gpiod_line_active_state(line)) == GPIOD_LINE_ACTIVE_STATE_LOW,
            bias: bias,
            isUsed: gpiod_line_is_used(line),
            isOpenDrain: gpiod_line_is_open_drain(line),
            isOpenSource: gpiod_line_is_open_source(line))
    }
}
