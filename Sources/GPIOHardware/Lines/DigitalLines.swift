import GPIO
import Synchronization

/// An output line as the hardware backend sees it: a logical level, set or released.
/// `GPIOOutputLine` is the real one; tests use an in-memory one.
public protocol DigitalOutput: AnyObject, Sendable {
    func setValue(_ value: Bool) throws(GPIOError)
    func release()
}

/// An input line as the hardware backend sees it.
public protocol DigitalInput: AnyObject, Sendable {
    func value() throws(GPIOError) -> Bool
    /// The next edge within `timeout`, or nil. Only for lines requested with edges.
    func waitForEdge(timeout: Duration) throws(GPIOError) -> GPIOEdgeEvent?
    func release()
}

extension GPIOOutputLine: DigitalOutput {}
extension GPIOInputLine: DigitalInput {}

/// Where the backend gets its lines: libgpiod on the device, an in-memory fake in tests.
public protocol GPIOLineProvider: Sendable {
    /// Requests `spec` as an output already driven to `initialValue` (logical, see active-low).
    func requestOutput(_ spec: GPIOLineSpec, consumer: String, initialValue: Bool) throws(GPIOError) -> any DigitalOutput
    /// Requests `spec` as an input, with edge events if `edges` is not `.none`.
    func requestInput(_ spec: GPIOLineSpec, consumer: String, edges: GPIOEdgeDetection) throws(GPIOError) -> any DigitalInput
}

/// Lines from the kernel through libgpiod. Opens each chip once and keeps it while its lines live.
public final class LibgpiodLineProvider: GPIOLineProvider {
    private let chips = Mutex<[String: GPIOChip]>([:])

    public init() {}

    public func requestOutput(_ spec: GPIOLineSpec, consumer: String, initialValue: Bool) throws(GPIOError) -> any DigitalOutput {
        let (chip, offset) = try locate(spec)
        return try chip.requestOutput(offset: offset, consumer: consumer, initialValue: initialValue, flags: spec.flags)
    }

    public func requestInput(_ spec: GPIOLineSpec, consumer: String, edges: GPIOEdgeDetection) throws(GPIOError) -> any DigitalInput {
        let (chip, offset) = try locate(spec)
        return try chip.requestInput(offset: offset, consumer: consumer, flags: spec.flags, edges: edges)
    }

    /// What the kernel reports about the line `spec` names, whoever holds it, and its chip as
    /// "gpiochip0 [pinctrl-bcm2711]". Requests nothing: for diagnostics (`pressod doctor`).
    public func inspect(_ spec: GPIOLineSpec) throws(GPIOError) -> (chip: String, info: GPIOLineInfo) {
        let (chip, offset) = try locate(spec)
        return ("\(chip.name) [\(chip.label)]", try chip.lineInfo(offset: offset))
    }

    /// The chip and offset a spec names; a bare line name is searched on every chip in /dev.
    func locate(_ spec: GPIOLineSpec) throws(GPIOError) -> (GPIOChip, UInt32) {
        switch spec.address {
        case let .offset(chipName, offset):
            let chip = try chip(chipName)
            guard offset < chip.lineCount else {
                throw GPIOError(.invalidArgument, operation: "look up line", subject: "line \(chip.name):\(offset)",
                                detail: "\(chip.name) [\(chip.label)] has lines 0...\(chip.lineCount - 1)")
            }
            return (chip, offset)
        case let .name(name, chipName?):
            let chip = try chip(chipName)
            return (chip, try chip.offset(ofLineNamed: name))
        case let .name(name, nil):
            let names = GPIOChip.availableChipNames()
            for chipName in names {
                guard let chip = try? chip(chipName), let offset = try? chip.offset(ofLineNamed: name) else { continue }
                return (chip, offset)
            }
            throw GPIOError(.noSuchFileOrDirectory, operation: "find line", subject: "line '\(name)'",
                            detail: names.isEmpty ? "there are no GPIO chips in /dev" : "no line of that name on \(names.joined(separator: ", "))")
        }
    }

    private func chip(_ name: String) throws(GPIOError) -> GPIOChip {
        let cached = chips.withLock { $0[name] }
        if let cached { return cached }
        let chip: GPIOChip
        if name.hasPrefix("/") {
            chip = try GPIOChip(path: name)
        } else if name.hasPrefix("gpiochip"), Int(name.dropFirst(8)) != nil {
            chip = try GPIOChip(name: name)
        } else {
            chip = try GPIOChip(label: name)
        }
        return chips.withLock { chips in
            if let raced = chips[name] { return raced }
            chips[name] = chip
            return chip
        }
    }
}
