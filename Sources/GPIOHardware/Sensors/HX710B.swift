import Sequencer
import Synchronization

/// The HX710B's conversion modes, selected by the number of clock pulses of the *previous*
/// read (datasheet): the chip converts in the new mode from the next conversion on.
public enum HX710BMode: Int, Sendable, Equatable {
    /// 25 pulses: differential input, 10 conversions/s. Also the mode after power-up or reset.
    case differential10Hz = 25
    /// 26 pulses: DVDD − AVDD supply difference, 40/s (not a pressure).
    case supplyDifference40Hz = 26
    /// 27 pulses: differential input, 40 conversions/s.
    case differential40Hz = 27

    public var pulses: Int { rawValue }
}

/// The two lines of an HX710B: the clock (PD_SCK, output) and the data (DOUT, input).
public protocol HX710BLines: Sendable {
    func setClock(_ high: Bool) throws(HardwareError)
    func dataIsHigh() throws(HardwareError) -> Bool
}

/// The HX710B's serial protocol, bit-banged over `HX710BLines`:
/// - DOUT high means "converting"; it goes low when a conversion is ready;
/// - each clock pulse shifts out one bit (on the rising edge), 24 data bits, MSB first, two's
///   complement; then 1–3 more pulses select the next conversion's mode (25/26/27 in all), and
///   DOUT returns high until the next conversion;
/// - the clock held high for more than 60 µs powers the chip down; when it goes low again the
///   chip resets into the 25-pulse mode.
///
/// The deschedule risk: the high half of each pulse is two back-to-back line writes (a few µs on
/// a Raspberry Pi), but if the thread is preempted between them the clock stays high past 60 µs,
/// the chip powers down and the bits read are garbage. The reader therefore times every high
/// phase; a read with any phase over `maxClockHigh` is thrown away and retried (after a reset the
/// first conversion is in the default mode, so a resync read comes first). Running the daemon
/// with a real-time scheduling policy (systemd `CPUSchedulingPolicy=fifo`) makes this rare;
/// nothing makes it impossible from user space, which is why it is detected rather than assumed.
public struct HX710BReader: Sendable {
    public let lines: any HX710BLines
    public let clock: any MonotonicClock
    public let mode: HX710BMode
    /// How long one `readRaw()` may take, waiting and retries included.
    public var timeout: Duration
    /// How often DOUT is polled while the chip converts.
    public var pollInterval: Duration = .milliseconds(1)
    /// The longest clock-high phase accepted (the datasheet allows 50 µs before power-down risk).
    public var maxClockHigh: Duration = .microseconds(50)

    /// True until a read has set the chip's mode: the conversion after power-up, reset or an
    /// earlier process's reads may be in another mode, so it is discarded.
    private var needsModeResync = true

    public init(lines: any HX710BLines, clock: any MonotonicClock, mode: HX710BMode, timeout: Duration) {
        self.lines = lines
        self.clock = clock
        self.mode = mode
        self.timeout = timeout
        // After power-up the chip is already in the 25-pulse mode.
        needsModeResync = mode != .differential10Hz
    }

    /// The largest and smallest codes: the ADC's input is out of range (saturated).
    public static let positiveFullScale: Int32 = 0x7FFFFF
    public static let negativeFullScale: Int32 = -0x800000

    /// Sign-extends the 24-bit two's complement code the chip shifts out.
    public static func decode(_ bits: UInt32) -> Int32 {
        Int32(bitPattern: (bits & 0xFFFFFF) << 8) >> 8
    }

    /// Waits for the next conversion and reads it: a raw code in −0x800000...0x7FFFFF, never a
    /// saturated one.
    public mutating func readRaw() throws(HardwareError) -> Int32 {
        let deadline = clock.now() + timeout
        var overruns: [Duration] = []
        while true {
            try waitUntilReady(deadline: deadline, overruns: overruns)
            var bits: UInt32 = 0
            var longestHigh: Duration = .zero
            for pulse in 0..<mode.pulses {
                let start = clock.now()
                try lines.setClock(true)
                try lines.setClock(false)
                longestHigh = max(longestHigh, clock.now() - start)
                // The bit was shifted out on the rising edge and holds until the next one.
                if pulse < 24 { bits = bits << 1 | (try lines.dataIsHigh() ? 1 : 0) }
            }
            if longestHigh > maxClockHigh {
                // Possibly powered down and reset mid-read: the bits are not trustworthy, and the
                // next conversion may be in the default mode.
                needsModeResync = mode != .differential10Hz
                overruns.append(longestHigh)
                continue
            }
            guard try lines.dataIsHigh() else {
                throw HardwareError(.sensor, "HX710B: DOUT stayed low after \(mode.pulses) clock pulses (data line stuck low, or not an HX710B)")
            }
            if needsModeResync {
                needsModeResync = false
                continue
            }
            let value = Self.decode(bits)
            guard value != Self.positiveFullScale, value != Self.negativeFullScale else {
                throw HardwareError(.sensor, "HX710B: saturated reading \(value == Self.positiveFullScale ? "0x7FFFFF" : "0x800000") (input out of range or sensor disconnected)")
            }
            return value
        }
    }

    private func waitUntilReady(deadline: Duration, overruns: [Duration]) throws(HardwareError) {
        while try lines.dataIsHigh() {
            guard clock.now() < deadline else {
                if !overruns.isEmpty {
                    throw HardwareError(.sensor, "HX710B: no good reading within \(timeout): \(overruns.count) read(s) discarded because the clock stayed high up to \(overruns.max()!) (> \(maxClockHigh)): the thread was descheduled mid-read")
                }
                throw HardwareError(.sensor, "HX710B: no conversion ready within \(timeout) (DOUT stayed high: chip unpowered, unwired or powered down)")
            }
            clock.sleep(for: pollInterval)
        }
    }
}

/// An HX710B behind a calibration: raw code → mmHg, implausible values refused.
public final class HX710BPressureSensor: PressureSensor {
    private let reader: Mutex<HX710BReader?>
    private let lines: HX710BGPIOLines?
    public let calibration: PressureCalibration

    init(lines: HX710BGPIOLines, configuration: HX710BConfiguration, clock: any MonotonicClock) {
        self.lines = lines
        self.calibration = configuration.calibration
        self.reader = Mutex(HX710BReader(lines: lines, clock: clock, mode: configuration.mode, timeout: configuration.timeout))
    }

    /// A sensor over any two lines (tests drive it with a scripted chip).
    public init(reader: HX710BReader, calibration: PressureCalibration) {
        self.lines = nil
        self.calibration = calibration
        self.reader = Mutex(reader)
    }

    public func readMillimetresOfMercury() throws(HardwareError) -> Double {
        let raw: Result<Int32, HardwareError> = reader.withLock { reader in
            guard reader != nil else { return .failure(HardwareError(.sensor, "HX710B: closed")) }
            do throws(HardwareError) { return .success(try reader!.readRaw()) } catch { return .failure(error) }
        }
        let code = try raw.get()
        let pressure = calibration.millimetresOfMercury(reading: Double(code))
        guard calibration.plausibleRange.contains(pressure) else {
            throw HardwareError(.sensor, "HX710B: implausible reading \(code) = \(pressure) mmHg, outside \(calibration.plausibleRange)")
        }
        return pressure
    }

    public func close() {
        reader.withLock { $0 = nil }
        lines?.release()
    }
}

/// The HX710B's two GPIO lines.
final class HX710BGPIOLines: HX710BLines {
    let clock: any DigitalOutput
    let data: any DigitalInput

    init(clock: any DigitalOutput, data: any DigitalInput) {
        self.clock = clock
        self.data = data
    }

    func setClock(_ high: Bool) throws(HardwareError) {
        do { try clock.setValue(high) } catch { throw HardwareError(.sensor, "HX710B clock: \(error)") }
    }

    func dataIsHigh() throws(HardwareError) -> Bool {
        do { return try data.value() } catch { throw HardwareError(.sensor, "HX710B data: \(error)") }
    }

    func release() {
        // Leave the clock low: high for > 60 µs would power the chip down (harmless, but
        // low is its idle state).
        try? clock.setValue(false)
        clock.release()
        data.release()
    }
}
