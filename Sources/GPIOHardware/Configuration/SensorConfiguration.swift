/// `[sensor]`: what measures the manifold pressure.
public enum SensorConfiguration: Sendable, Equatable {
    /// `type = none`: no sensor; the sequencer runs open-loop (timed inflation) and says so.
    case none
    /// `type = hx710b`: an HX710B ADC (e.g. on an MPS20N0040D board), bit-banged over two lines.
    case hx710b(HX710BConfiguration)
    /// `type = iio`: a Linux IIO ADC voltage channel.
    case iio(IIOChannelConfiguration)

    func validate() throws(GPIOConfigurationError) {
        switch self {
        case .none: return
        case .hx710b(let adc):
            try adc.calibration.validate()
            guard adc.timeout >= .milliseconds(50), adc.timeout <= .seconds(5) else {
                throw GPIOConfigurationError("sensor", "timeout_ms", "must be in 50...5000 (a 10 Hz conversion takes 100 ms)")
            }
        case .iio(let channel):
            try channel.calibration.validate()
            guard channel.channel >= 0 else { throw GPIOConfigurationError("sensor", "channel", "must be 0 or more") }
            guard channel.staleAfter >= .milliseconds(20), channel.staleAfter <= .seconds(5) else {
                throw GPIOConfigurationError("sensor", "stale_ms", "must be in 20...5000 (one control tick is 20 ms)")
            }
            guard channel.directory.hasPrefix("/") else {
                throw GPIOConfigurationError("sensor", "device", "must be an absolute path, e.g. /sys/bus/iio/devices/iio:device0")
            }
        }
    }
}

/// How a sensor's reading becomes mmHg: a straight line through `zero` with slope `perKilopascal`,
/// and the range of mmHg that a working sensor can report.
public struct PressureCalibration: Sendable, Equatable {
    /// `zero`: the reading at 0 gauge pressure (raw counts for the HX710B, mV for an IIO channel).
    public var zero: Double
    /// `per_kpa`: how much the reading grows per kPa (counts/kPa or mV/kPa; negative if it falls).
    public var perKilopascal: Double
    /// `min_mmhg` ... `max_mmhg`: readings outside are a sensor fault, not a pressure.
    public var plausibleRange: ClosedRange<Double>

    public static let millimetresOfMercuryPerKilopascal = 7.50062

    public init(zero: Double, perKilopascal: Double, plausibleRange: ClosedRange<Double> = -20...350) {
        self.zero = zero
        self.perKilopascal = perKilopascal
        self.plausibleRange = plausibleRange
    }

    /// The gauge pressure for a reading.
    public func millimetresOfMercury(reading: Double) -> Double {
        (reading - zero) / perKilopascal * Self.millimetresOfMercuryPerKilopascal
    }

    func validate() throws(GPIOConfigurationError) {
        guard zero.isFinite else { throw GPIOConfigurationError("sensor", "zero", "must be a number") }
        guard perKilopascal.isFinite, perKilopascal != 0 else {
            throw GPIOConfigurationError("sensor", "per_kpa", "must be a non-zero number")
        }
        guard plausibleRange.lowerBound.isFinite, plausibleRange.upperBound.isFinite else {
            throw GPIOConfigurationError("sensor", "min_mmhg", "min_mmhg and max_mmhg must be numbers")
        }
    }
}

/// `[sensor] type = hx710b`.
public struct HX710BConfiguration: Sendable, Equatable {
    /// `clock`: the PD_SCK line (an output).
    public var clock: GPIOLineSpec
    /// `data`: the DOUT line (an input).
    public var data: GPIOLineSpec
    /// `rate`: `10hz` or `40hz` (both read the differential input).
    public var mode: HX710BMode
    public var calibration: PressureCalibration
    /// `timeout_ms`: how long one reading may take, retries included.
    public var timeout: Duration

    public init(clock: GPIOLineSpec, data: GPIOLineSpec, mode: HX710BMode = .differential40Hz,
                calibration: PressureCalibration, timeout: Duration = .milliseconds(500)) {
        self.clock = clock
        self.data = data
        self.mode = mode
        self.calibration = calibration
        self.timeout = timeout
    }
}

/// `[sensor] type = iio`: `in_voltage<channel>_raw` (and `_scale`, optional `_offset`) under `device`.
public struct IIOChannelConfiguration: Sendable, Equatable {
    /// `device`: the IIO device folder, e.g. `/sys/bus/iio/devices/iio:device0`.
    public var directory: String
    /// `channel`: N in `in_voltageN_raw`.
    public var channel: Int
    /// Calibration in mV (the IIO ABI scales voltages to millivolts).
    public var calibration: PressureCalibration
    /// `stale_ms`: a sample older than this is a sensor fault (the driver stopped answering).
    /// 100 ms (five control ticks) by default; an emulated board, whose threads can stall for
    /// longer than that (QEMU TCG on a shared host), needs more.
    public var staleAfter: Duration

    public init(directory: String = "/sys/bus/iio/devices/iio:device0", channel: Int, calibration: PressureCalibration,
                staleAfter: Duration = .milliseconds(100)) {
        self.directory = directory
        self.channel = channel
        self.calibration = calibration
        self.staleAfter = staleAfter
    }
}
