import GPIO
@testable import GPIOHardware
import Sequencer
import Synchronization
import Testing

/// A sensor whose readings are scripted: each read takes `readTime` of scripted time.
final class ScriptedSensor: PressureSensor {
    enum Step { case value(Double), failure(String) }
    let clock: ScriptedClock
    let readTime: Duration
    private let steps: Mutex<[Step]>
    let reads = Mutex(0)

    init(clock: ScriptedClock, readTime: Duration = .milliseconds(1), steps: [Step]) {
        self.clock = clock
        self.readTime = readTime
        self.steps = Mutex(steps)
    }

    func readMillimetresOfMercury() throws(HardwareError) -> Double {
        clock.advance(by: readTime)
        reads.withLock { $0 += 1 }
        let step: Step? = steps.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        switch step {
        case .value(let value)?: return value
        case .failure(let message)?: throw HardwareError(.sensor, message)
        case nil: throw HardwareError(.sensor, "script exhausted")
        }
    }

    func close() {}
}

private let onDemand = SamplingPlan(interval: .milliseconds(2), staleAfter: .milliseconds(100), continuousConversions: false)

@Suite struct PressureSamplerTests {
    let clock = ScriptedClock(at: .seconds(1))

    @Test func aReadingReturnsTheLatestSampleWithoutTouchingTheSensorOrWaiting() throws {
        let sensor = ScriptedSensor(clock: clock, steps: [.value(42), .value(43)])
        let sampler = PressureSampler(sensor: sensor, clock: clock, plan: onDemand)
        sampler.acquire()
        let before = clock.now()
        for _ in 0..<5 { #expect(try sampler.reading(since: .zero) == 42) }
        #expect(clock.now() == before)
        #expect(sensor.reads.withLock { $0 } == 1)
        sampler.acquire()
        #expect(try sampler.reading(since: .zero) == 43)
    }

    @Test func aSampleOlderThanTheStaleLimitIsASensorFailure() throws {
        let sampler = PressureSampler(sensor: ScriptedSensor(clock: clock, steps: [.value(42)]), clock: clock, plan: onDemand)
        sampler.acquire()
        clock.advance(by: .milliseconds(100))
        #expect(try sampler.reading(since: .zero) == 42)
        clock.advance(by: .milliseconds(1))
        #expect { _ = try sampler.reading(since: .zero) } throws: { error in
            let error = error as! HardwareError
            return error.kind == .sensor && error.message.contains("stale reading")
        }
    }

    @Test func theLastAcquisitionsErrorIsThrownUntilAnAcquisitionSucceeds() throws {
        let sensor = ScriptedSensor(clock: clock, steps: [.value(42), .failure("HX710B: no conversion ready"), .value(44)])
        let sampler = PressureSampler(sensor: sensor, clock: clock, plan: onDemand)
        sampler.acquire()
        sampler.acquire()
        #expect { _ = try sampler.reading(since: .zero) } throws: { error in
            (error as! HardwareError) == HardwareError(.sensor, "HX710B: no conversion ready")
        }
        sampler.acquire()
        #expect(try sampler.reading(since: .zero) == 44)
    }

    @Test func afterAnOutputChangeOnlyASampleTakenUnderTheNewOutputsCounts() throws {
        let sensor = ScriptedSensor(clock: clock, steps: [.value(60), .value(3)])
        let sampler = PressureSampler(sensor: sensor, clock: clock, plan: onDemand)
        sampler.acquire()
        let change = clock.now()
        clock.advance(by: .microseconds(1))
        // Nobody samples: the reading waits, then gives up at the stale limit after the change.
        #expect { _ = try sampler.reading(since: change) } throws: { error in
            (error as! HardwareError).message.contains("no reading within 0.1 seconds of the outputs changing")
        }
        #expect(clock.now() - change > .milliseconds(100))
        #expect(clock.now() - change < .milliseconds(102))
        sampler.acquire()
        #expect(try sampler.reading(since: change) == 3)
    }

    /// The HX710B converts continuously: the conversion a read returns began when the previous
    /// read ended, so the first read after an output change still reports the old outputs.
    @Test func anHX710BConversionUnderWayAtAnOutputChangeIsNotUsed() throws {
        let chip = ScriptedHX710B(clock: clock, script: [.code(1_000), .code(2_000), .code(3_000), .code(4_000)])
        let sensor = HX710BPressureSensor(
            reader: HX710BReader(lines: chip, clock: clock, mode: .differential10Hz, timeout: .seconds(1)),
            calibration: PressureCalibration(zero: 0, perKilopascal: 7.50062 * 1_000))
        let plan = SamplingPlan.forSensor(.hx710b(HX710BConfiguration(
            clock: GPIOLineSpec(.offset(chip: "gpiochip0", offset: 23)), data: GPIOLineSpec(.offset(chip: "gpiochip0", offset: 24)),
            mode: .differential10Hz, calibration: sensor.calibration)))!
        #expect(plan == SamplingPlan(interval: .zero, staleAfter: .milliseconds(300), continuousConversions: true))
        let sampler = PressureSampler(sensor: sensor, clock: clock, plan: plan)
        let opened = clock.now()
        sampler.acquire()   // converting before sampling began: its start is unknown
        sampler.acquire()
        #expect(try sampler.reading(since: opened) == 2)
        let change = clock.now()
        sampler.acquire()   // began when the second read ended, before the change
        #expect(throws: HardwareError.self) { _ = try sampler.reading(since: change) }
        sampler.acquire()
        #expect(try sampler.reading(since: change) == 4)
    }
}

/// The GPIO backend's readings through the sampler: IIO files in a temporary folder.
@Suite struct GPIOPumpHardwareSamplingTests {
    let calibration = PressureCalibration(zero: 0, perKilopascal: 7.50062)   // 1 mV = 1 mmHg

    func configuration(_ device: FakeIIODevice) -> GPIOHardwareConfiguration {
        GPIOHardwareConfiguration(
            chambers: 2, pump: GPIOLineSpec(.offset(chip: "gpiochip0", offset: 1)),
            inlets: [2, 3].map { GPIOLineSpec(.offset(chip: "gpiochip0", offset: $0)) },
            exhaust: ExhaustConfiguration(.common(GPIOLineSpec(.offset(chip: "gpiochip0", offset: 4)))),
            sensor: .iio(IIOChannelConfiguration(directory: device.directory, channel: 0, calibration: calibration)))
    }

    @Test func drivingNewOutputsInvalidatesEarlierSamplesDrivingTheSameOnesDoesNot() throws {
        let device = try FakeIIODevice(files: ["in_voltage0_raw": "10", "in_voltage0_scale": "1"])
        let clock = ScriptedClock(at: .seconds(5))
        let hardware = try GPIOPumpHardware(configuration: configuration(device), lines: InMemoryLines(), clock: clock, startSampling: false)
        clock.advance(by: .milliseconds(1))
        hardware.acquireSample()
        #expect(try hardware.readPressure().manifold == 10)
        try hardware.drive(.vented(hardware.layout))
        #expect(try hardware.readPressure().manifold == 10)

        try hardware.drive(ActuatorState(pumpOn: true, openInlets: [ChamberSet(chamber: 1)]))
        try device.write("in_voltage0_raw", "25")
        #expect(throws: HardwareError.self) { _ = try hardware.readPressure() }
        clock.advance(by: .milliseconds(1))
        hardware.acquireSample()
        #expect(try hardware.readPressure().manifold == 25)
    }

    @Test func aStaleSensorTripsTheSequencersSensorFailureRule() throws {
        let device = try FakeIIODevice(files: ["in_voltage0_raw": "10", "in_voltage0_scale": "1"])
        let clock = ScriptedClock(at: .seconds(5))
        let hardware = try GPIOPumpHardware(configuration: configuration(device), lines: InMemoryLines(), clock: clock, startSampling: false)
        let sequencer = try InflationSequencer(hardware: hardware)
        clock.advance(by: .milliseconds(1))
        hardware.acquireSample()
        sequencer.tick()
        #expect(sequencer.snapshot.fault == nil)
        clock.advance(by: .milliseconds(150))
        sequencer.tick()
        let fault = try #require(sequencer.snapshot.fault)
        #expect(fault.code == .sensorFailure)
        #expect(fault.detail.contains("stale reading"))
        #expect(sequencer.snapshot.output == .vented(hardware.layout))
    }

    @Test func theSamplingThreadFollowsTheSensorAndStopsOnClose() throws {
        let device = try FakeIIODevice(files: ["in_voltage0_raw": "10", "in_voltage0_scale": "1"])
        let hardware = try GPIOPumpHardware(configuration: configuration(device), lines: InMemoryLines())
        #expect(try hardware.readPressure().manifold == 10)
        try device.write("in_voltage0_raw", "30")
        let clock = SystemMonotonicClock()
        let deadline = clock.now() + .seconds(5)
        var reading = try hardware.readPressure().manifold
        while reading != 30, clock.now() < deadline {
            clock.sleep(for: .milliseconds(1))
            reading = try hardware.readPressure().manifold
        }
        #expect(reading == 30)
        try hardware.close()
        #expect(throws: HardwareError.self) { _ = try hardware.readPressure() }
    }
}
