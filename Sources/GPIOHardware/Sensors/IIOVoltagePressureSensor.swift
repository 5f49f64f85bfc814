import Sequencer
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A pressure sensor on a Linux IIO ADC voltage channel (`in_voltageN_raw` under the device's
/// sysfs folder). Per the IIO ABI, millivolts = (raw + offset) × scale; `scale` and the optional
/// `offset` are read once at start-up (they are fixed for a channel unless someone rewrites
/// them), `raw` at every reading.
public final class IIOVoltagePressureSensor: PressureSensor {
    public let channel: IIOChannelConfiguration
    /// mV per raw count.
    public let scale: Double
    /// Raw counts added before scaling (0 when the channel has no `_offset` file).
    public let offset: Double
    let rawPath: String

    /// Opens the channel; throws naming the file that is missing or malformed.
    public init(_ channel: IIOChannelConfiguration) throws(HardwareError) {
        let base = channel.directory.hasSuffix("/") ? channel.directory : channel.directory + "/"
        let prefix = base + "in_voltage\(channel.channel)"
        self.channel = channel
        self.rawPath = prefix + "_raw"
        self.scale = try Self.number(at: prefix + "_scale")
        self.offset = try Self.optionalNumber(at: prefix + "_offset") ?? 0
        guard scale.isFinite, scale != 0 else { throw HardwareError(.sensor, "\(prefix)_scale: scale \(scale) is unusable") }
        _ = try readMillivolts()
    }

    /// The channel's voltage now, in mV.
    public func readMillivolts() throws(HardwareError) -> Double {
        let text = try Self.read(rawPath)
        guard let raw = Int(text) else { throw HardwareError(.sensor, "\(rawPath): '\(text)' is not a raw ADC count") }
        return (Double(raw) + offset) * scale
    }

    public func readMillimetresOfMercury() throws(HardwareError) -> Double {
        let millivolts = try readMillivolts()
        let pressure = channel.calibration.millimetresOfMercury(reading: millivolts)
        guard channel.calibration.plausibleRange.contains(pressure) else {
            throw HardwareError(.sensor, "\(rawPath): implausible reading \(millivolts) mV = \(pressure) mmHg, outside \(channel.calibration.plausibleRange)")
        }
        return pressure
    }

    public func close() {}

    static func number(at path: String) throws(HardwareError) -> Double {
        let text = try read(path)
        guard let value = Double(text) else { throw HardwareError(.sensor, "\(path): '\(text)' is not a number") }
        return value
    }

    static func optionalNumber(at path: String) throws(HardwareError) -> Double? {
        guard access(path, F_OK) == 0 else { return nil }
        return try number(at: path)
    }

    /// A sysfs attribute's text without its trailing newline. sysfs attributes are at most a page.
    static func read(_ path: String) throws(HardwareError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HardwareError(.sensor, "\(path): \(String(cString: strerror(errno)))") }
        defer { _ = systemClose(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        var count: Int
        repeat { count = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) } } while count < 0 && errno == EINTR
        // An ADC driver may fail a read (e.g. ETIMEDOUT, EBUSY): a sensor failure, not zero.
        guard count >= 0 else { throw HardwareError(.sensor, "\(path): \(String(cString: strerror(errno)))") }
        return String(decoding: buffer[..<count], as: UTF8.self).trimmingWhitespace()
            .split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
    }
}

// The C library's read/close, named apart from the class's own `close()`.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
