import GPIO
import GPIOHardware
import Synchronization

/// GPIO lines in memory: a chip "gpiochip0" with 54 named lines ("GPIO0"...), lines that other
/// processes hold, lines that fail when set, and a log of every level driven, in order.
final class InMemoryLines: GPIOLineProvider {
    struct Event: Equatable { var line: String; var logical: Bool }

    struct State {
        var chips: [String: Int] = ["gpiochip0": 54]
        var heldByOthers: [String: String] = [:]   // "gpiochip0:22" → consumer
        var failingOnSet: Set<String> = []
        var outputs: [String: InMemoryOutput] = [:]
        var inputs: [String: InMemoryInput] = [:]
        var requestOrder: [String] = []
        var log: [Event] = []
    }
    let state = Mutex(State())

    func key(_ spec: GPIOLineSpec) throws(GPIOError) -> String {
        let (chip, offset): (String, UInt32)
        switch spec.address {
        case let .offset(c, o): (chip, offset) = (c, o)
        case let .name(name, c):
            guard name.hasPrefix("GPIO"), let o = UInt32(name.dropFirst(4)) else {
                throw GPIOError(.noSuchFileOrDirectory, operation: "find line", subject: "line '\(name)'")
            }
            (chip, offset) = (c ?? "gpiochip0", o)
        }
        let count: Int? = state.withLock { $0.chips[chip] }
        guard let count else { throw GPIOError(.noSuchFileOrDirectory, operation: "open chip", subject: "chip '\(chip)'") }
        guard offset < count else {
            throw GPIOError(.invalidArgument, operation: "look up line", subject: "line \(chip):\(offset)", detail: "\(chip) has lines 0...\(count - 1)")
        }
        return "\(chip):\(offset)"
    }

    private func claim(_ key: String, operation: String) throws(GPIOError) {
        let holder: String? = state.withLock { state in
            if let other = state.heldByOthers[key] { return other }
            if state.outputs[key] != nil || state.inputs[key] != nil { return "pressod" }
            return nil
        }
        if let holder {
            throw GPIOError(.busy, operation: operation, subject: "line 'GPIO\(key.split(separator: ":")[1])' (\(key))", detail: "held by \"\(holder)\"")
        }
    }

    func requestOutput(_ spec: GPIOLineSpec, consumer: String, initialValue: Bool) throws(GPIOError) -> any DigitalOutput {
        let key = try key(spec)
        try claim(key, operation: "request as output")
        let output = InMemoryOutput(key: key, activeLow: spec.activeLow, consumer: consumer, initial: initialValue, owner: self)
        state.withLock {
            $0.outputs[key] = output
            $0.requestOrder.append(key)
            $0.log.append(Event(line: key, logical: initialValue))
        }
        return output
    }

    func requestInput(_ spec: GPIOLineSpec, consumer: String, edges: GPIOEdgeDetection) throws(GPIOError) -> any DigitalInput {
        let key = try key(spec)
        try claim(key, operation: edges == .none ? "request as input" : "request edge events")
        let input = InMemoryInput(key: key, owner: self)
        state.withLock {
            $0.inputs[key] = input
            $0.requestOrder.append(key)
        }
        return input
    }

    /// Held outputs by key.
    func output(_ key: String) -> InMemoryOutput? { state.withLock { $0.outputs[key] } }
    var heldKeys: Set<String> { state.withLock { Set($0.outputs.keys).union($0.inputs.keys) } }
    var log: [Event] { state.withLock { $0.log } }
    var requestOrder: [String] { state.withLock { $0.requestOrder } }
}

final class InMemoryOutput: DigitalOutput {
    let key: String
    let activeLow: Bool
    let consumer: String
    private weak let owner: InMemoryLines?
    private let level: Mutex<Bool>

    init(key: String, activeLow: Bool, consumer: String, initial: Bool, owner: InMemoryLines) {
        self.key = key
        self.activeLow = activeLow
        self.consumer = consumer
        self.owner = owner
        self.level = Mutex(initial)
    }

    var logical: Bool { level.withLock { $0 } }
    /// The pin's electrical level: what libgpiod makes of the logical value for active-low lines.
    var physicalHigh: Bool { logical != activeLow }

    func setValue(_ value: Bool) throws(GPIOError) {
        if owner?.state.withLock({ $0.failingOnSet.contains(key) }) == true {
            throw GPIOError(.noSuchDevice, operation: "set value to \(value ? 1 : 0)", subject: "line \(key)")
        }
        level.withLock { $0 = value }
        owner?.state.withLock { $0.log.append(.init(line: key, logical: value)) }
    }

    func release() {
        owner?.state.withLock { state in
            if state.outputs[key] === self { state.outputs[key] = nil }
        }
    }
}

final class InMemoryInput: DigitalInput {
    let key: String
    private weak let owner: InMemoryLines?
    let level = Mutex(false)

    init(key: String, owner: InMemoryLines) {
        self.key = key
        self.owner = owner
    }

    func value() throws(GPIOError) -> Bool { level.withLock { $0 } }
    func waitForEdge(timeout: Duration) throws(GPIOError) -> GPIOEdgeEvent? { nil }
    func release() {
        owner?.state.withLock { state in
            if state.inputs[key] === self { state.inputs[key] = nil }
        }
    }
}
