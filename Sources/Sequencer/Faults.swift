/// Why the sequencer vented and stopped. A fault latches: the sequencer keeps every chamber
/// vented and refuses to start until `clearFault()` is called.
///
/// The raw values are a stable wire format: the GATT layer publishes them as one byte, and
/// 0x00 is reserved there for "no fault". Never renumber; only append.
public enum FaultCode: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// A chamber read above its target + the over-pressure margin while being inflated or held.
    case overPressure = 0x01
    /// A reading above the configured hard pressure cap, anywhere, at any time.
    case aboveCap = 0x02
    /// A chamber did not reach its target within the fill timeout (leak, hose off, valve stuck shut).
    case fillTimeout = 0x03
    /// The sensor failed to answer (`HardwareError.sensor`).
    case sensorFailure = 0x04
    /// A reading outside the sensor's physical range, or not a number.
    case sensorOutOfRange = 0x05
    /// A reading that stayed frozen while the pressure it measures had to change.
    case sensorStuck = 0x06
    /// Readings that jump faster than air can move (a noisy or loose sensor).
    case sensorImplausible = 0x07
    /// A pump or valve output could not be driven (`HardwareError.actuator`).
    case actuatorFailure = 0x08
    /// The output interlock caught the pump on with every inlet closed.
    case pumpIntoClosedSystem = 0x09
    /// Two control ticks were further apart than `SequencerConfig.maxTickGap`.
    case loopStalled = 0x0A
    /// A user or the daemon asked for an emergency stop.
    case emergencyStop = 0x0B

    public var description: String {
        switch self {
        case .overPressure: "over-pressure"
        case .aboveCap: "above pressure cap"
        case .fillTimeout: "chamber did not reach target in time (leak)"
        case .sensorFailure: "pressure sensor failed"
        case .sensorOutOfRange: "pressure reading out of range"
        case .sensorStuck: "pressure sensor stuck"
        case .sensorImplausible: "pressure readings implausible"
        case .actuatorFailure: "pump or valve output failed"
        case .pumpIntoClosedSystem: "pump on with every inlet closed"
        case .loopStalled: "control loop stalled"
        case .emergencyStop: "emergency stop"
        }
    }
}

/// A latched fault: what, where, when and the reading or error behind it.
public struct Fault: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: FaultCode
    /// The chamber concerned, when one is (1-based).
    public var chamber: Int?
    /// Time since the sequencer was created, on its clock.
    public var at: Duration
    /// Human-readable detail: the reading, the limit, the hardware message.
    public var detail: String

    public init(code: FaultCode, chamber: Int? = nil, at: Duration, detail: String = "") {
        self.code = code
        self.chamber = chamber
        self.at = at
        self.detail = detail
    }

    public var description: String {
        "\(code)" + (chamber.map { " (chamber \($0))" } ?? "") + (detail.isEmpty ? "" : ": \(detail)")
    }
}
