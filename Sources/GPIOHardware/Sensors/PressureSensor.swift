import GPIO
import Sequencer

/// One pressure sensor, read once per control tick.
public protocol PressureSensor: AnyObject, Sendable {
    /// The gauge pressure in mmHg. Throws `.sensor` errors for timeouts and implausible readings:
    /// a sensor that cannot be trusted must stop the session, never feed it a made-up value.
    func readMillimetresOfMercury() throws(HardwareError) -> Double
    /// Releases the sensor's lines or files. Idempotent.
    func close()
}

/// Builds the sensor a configuration names; nil for `.none` (open-loop).
func makePressureSensor(
    _ configuration: SensorConfiguration, consumer: String, lines: any GPIOLineProvider, clock: any MonotonicClock
) throws(GPIOHardwareStartupError) -> (any PressureSensor)? {
    switch configuration {
    case .none:
        return nil
    case .hx710b(let adc):
        // The clock line starts low: held high for more than 60 µs the chip powers down.
        let clockLine: any DigitalOutput
        do {
            clockLine = try lines.requestOutput(adc.clock, consumer: consumer, initialValue: false)
        } catch {
            throw GPIOHardwareStartupError(entry: "[sensor] clock", spec: adc.clock, error)
        }
        let dataLine: any DigitalInput
        do {
            dataLine = try lines.requestInput(adc.data, consumer: consumer, edges: .none)
        } catch {
            clockLine.release()
            throw GPIOHardwareStartupError(entry: "[sensor] data", spec: adc.data, error)
        }
        return HX710BPressureSensor(lines: HX710BGPIOLines(clock: clockLine, data: dataLine), configuration: adc, clock: clock)
    case .iio(let channel):
        do {
            return try IIOVoltagePressureSensor(channel)
        } catch {
            throw GPIOHardwareStartupError(entry: "[sensor] device", spec: nil, reason: error.message)
        }
    }
}
