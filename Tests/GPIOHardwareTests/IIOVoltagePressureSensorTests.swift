import Foundation
import GPIOHardware
import Sequencer
import Testing

/// An IIO device folder shaped like sysfs, in a temporary directory.
final class FakeIIODevice {
    let directory: String

    init(files: [String: String]) throws {
        directory = NSTemporaryDirectory() + "presso-iio-\(UUID().uuidString)/iio:device0"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in files { try write(name, text) }
    }

    func write(_ name: String, _ text: String) throws {
        try (text + "\n").write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
}

@Suite struct IIOVoltagePressureSensorTests {
    // 2.5 mV per kPa above a 500 mV zero.
    let calibration = PressureCalibration(zero: 500, perKilopascal: 2.5, plausibleRange: -20...350)

    @Test func convertsRawCountsThroughScaleAndOffsetToMillimetresOfMercury() throws {
        let device = try FakeIIODevice(files: ["in_voltage2_raw": "1300", "in_voltage2_scale": "0.5", "in_voltage2_offset": "-100"])
        let sensor = try IIOVoltagePressureSensor(IIOChannelConfiguration(directory: device.directory, channel: 2, calibration: calibration))
        // (1300 − 100) × 0.5 = 600 mV; (600 − 500) / 2.5 = 40 kPa = 300.0248 mmHg.
        #expect(sensor.offset == -100)
        #expect(try sensor.readMillivolts() == 600)
        #expect(abs(try sensor.readMillimetresOfMercury() - 300.0248) < 1e-9)
        try device.write("in_voltage2_raw", "1100")
        #expect(abs(try sensor.readMillimetresOfMercury() - 0) < 1e-9)
    }

    @Test func theOffsetFileIsOptional() throws {
        let device = try FakeIIODevice(files: ["in_voltage0_raw": "1002", "in_voltage0_scale": "0.5"])
        let sensor = try IIOVoltagePressureSensor(IIOChannelConfiguration(directory: device.directory + "/", channel: 0, calibration: calibration))
        #expect(sensor.offset == 0)
        // 501 mV → 0.4 kPa.
        #expect(abs(try sensor.readMillimetresOfMercury() - 3.000248) < 1e-9)
    }

    @Test func aMissingChannelFailsAtOpenNamingTheFile() throws {
        let device = try FakeIIODevice(files: ["in_voltage0_raw": "1", "in_voltage0_scale": "1"])
        #expect {
            _ = try IIOVoltagePressureSensor(IIOChannelConfiguration(directory: device.directory, channel: 3, calibration: calibration))
        } throws: { error in
            (error as! HardwareError).message == "\(device.directory)/in_voltage3_scale: No such file or directory"
        }
    }

    @Test func garbageAndImplausibleReadingsAreSensorFaults() throws {
        let device = try FakeIIODevice(files: ["in_voltage0_raw": "1000", "in_voltage0_scale": "1"])
        let sensor = try IIOVoltagePressureSensor(IIOChannelConfiguration(directory: device.directory, channel: 0, calibration: calibration))
        try device.write("in_voltage0_raw", "12.5x")
        #expect { _ = try sensor.readMillimetresOfMercury() } throws: { error in
            (error as! HardwareError).message.hasSuffix("in_voltage0_raw: '12.5x' is not a raw ADC count")
        }
        try device.write("in_voltage0_raw", "4000")  // 1400 kPa
        #expect { _ = try sensor.readMillimetresOfMercury() } throws: { error in
            (error as! HardwareError).message.contains("implausible reading 4000.0 mV")
        }
    }

    @Test func theHardwareReportsItAsTheManifoldPressure() throws {
        let device = try FakeIIODevice(files: ["in_voltage1_raw": "550", "in_voltage1_scale": "1"])
        let configuration = GPIOHardwareConfiguration(
            chambers: 1, pump: GPIOLineSpec(.offset(chip: "gpiochip0", offset: 1)),
            inlets: [GPIOLineSpec(.offset(chip: "gpiochip0", offset: 2))],
            exhaust: ExhaustConfiguration(.common(GPIOLineSpec(.offset(chip: "gpiochip0", offset: 3)))),
            sensor: .iio(IIOChannelConfiguration(directory: device.directory, channel: 1, calibration: calibration)))
        let hardware = try GPIOPumpHardware(configuration: configuration, lines: InMemoryLines())
        #expect(hardware.layout.sensing == .manifold)
        let sample = try hardware.readPressure()
        // (550 − 500) / 2.5 = 20 kPa.
        #expect(abs(try #require(sample.manifold) - 150.0124) < 1e-9)
    }
}
