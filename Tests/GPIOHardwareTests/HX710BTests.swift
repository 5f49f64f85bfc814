import GPIOHardware
import Sequencer
import Testing

@Suite struct HX710BDecodingTests {
    @Test func codesAreTwentyFourBitTwosComplement() {
        #expect(HX710BReader.decode(0x000000) == 0)
        #expect(HX710BReader.decode(0x000001) == 1)
        #expect(HX710BReader.decode(0x7FFFFE) == 8_388_606)
        #expect(HX710BReader.decode(0xFFFFFF) == -1)
        #expect(HX710BReader.decode(0x800001) == -8_388_607)
        #expect(HX710BReader.decode(0x800000) == HX710BReader.negativeFullScale)
        // Bits above the 24th (never clocked out) are ignored.
        #expect(HX710BReader.decode(0xFF00_0005) == 5)
    }

    @Test func calibrationMapsReadingsToMillimetresOfMercury() {
        let calibration = PressureCalibration(zero: 1_000, perKilopascal: 2_000)
        #expect(calibration.millimetresOfMercury(reading: 1_000) == 0)
        #expect(abs(calibration.millimetresOfMercury(reading: 21_000) - 75.0062) < 1e-9)
        #expect(abs(calibration.millimetresOfMercury(reading: -1_000) + 7.50062) < 1e-9)
    }
}

@Suite struct HX710BReaderTests {
    let clock = ScriptedClock()

    func reader(_ chip: some HX710BLines, mode: HX710BMode = .differential10Hz, timeout: Duration = .milliseconds(500)) -> HX710BReader {
        HX710BReader(lines: chip, clock: clock, mode: mode, timeout: timeout)
    }

    @Test func readsAPositiveCodeWithTwentyFivePulsesAtTenHertz() throws {
        let chip = ScriptedHX710B(clock: clock, script: [.code(0x123456)])
        var reader = reader(chip)
        #expect(try reader.readRaw() == 0x123456)
        #expect(chip.snapshot.pulsesPerRead == [25])
        // It waited for the conversion (DOUT low), 100 ms after power-up.
        #expect(clock.now() >= .milliseconds(100))
    }

    @Test func readsNegativeCodesAndConsecutiveConversions() throws {
        let chip = ScriptedHX710B(clock: clock, script: [.code(0xFFFF38), .code(0x000C8)])
        var reader = reader(chip)
        #expect(try reader.readRaw() == -200)
        #expect(try reader.readRaw() == 200)
        #expect(chip.snapshot.pulsesPerRead == [25, 25])
    }

    @Test func fortyHertzModeDiscardsTheConversionMadeInThePowerUpMode() throws {
        let chip = ScriptedHX710B(clock: clock, script: [.code(111), .code(222), .code(333)])
        var reader = reader(chip, mode: .differential40Hz)
        #expect(try reader.readRaw() == 222)
        #expect(try reader.readRaw() == 333)
        let state = chip.snapshot
        #expect(state.pulsesPerRead == [27, 27, 27])
        #expect(state.conversionModes == [25, 27, 27])
    }

    @Test func aChipThatNeverBecomesReadyTimesOut() {
        let chip = ScriptedHX710B(clock: clock, script: [])
        var reader = reader(chip, timeout: .milliseconds(300))
        #expect {
            _ = try reader.readRaw()
        } throws: { error in
            let error = error as! HardwareError
            return error.kind == .sensor && error.message.contains("no conversion ready within 0.3 seconds")
        }
        #expect(clock.now() >= .milliseconds(300))
        #expect(clock.now() < .milliseconds(310))
        #expect(chip.snapshot.pulsesPerRead.isEmpty)
    }

    @Test func aDataLineStuckLowIsRefusedNotReadAsZero() {
        var reader = reader(StuckHX710BLines(dataHigh: false, clock: clock))
        #expect {
            _ = try reader.readRaw()
        } throws: { error in
            (error as! HardwareError).message.contains("DOUT stayed low after 25 clock pulses")
        }
    }

    @Test func aDataLineStuckHighTimesOut() {
        var reader = reader(StuckHX710BLines(dataHigh: true, clock: clock), timeout: .milliseconds(100))
        #expect(throws: HardwareError.self) { _ = try reader.readRaw() }
    }

    @Test(arguments: [UInt32(0x7FFFFF), 0x800000])
    func saturatedCodesAreRefused(code: UInt32) {
        var reader = reader(ScriptedHX710B(clock: clock, script: [.code(code)]))
        #expect {
            _ = try reader.readRaw()
        } throws: { error in
            (error as! HardwareError).message.contains("saturated")
        }
    }

    @Test func aReadInterruptedByADescheduledClockPulseIsDiscardedAndRetried() throws {
        // Read 0, pulse 10 stays high 100 µs: the chip powers down and resets mid-read.
        let chip = ScriptedHX710B(clock: clock, script: [.code(0x0AAAAA), .code(0x012345)], stalls: [[0, 10]])
        var reader = reader(chip)
        #expect(try reader.readRaw() == 0x012345)
        #expect(chip.snapshot.resets == 1)
    }

    @Test func afterAResetInFortyHertzModeTheDefaultModeConversionIsAlsoDiscarded() throws {
        let chip = ScriptedHX710B(clock: clock, script: [.code(1), .code(2), .code(3), .code(4)], stalls: [[1, 3]])
        var reader = reader(chip, mode: .differential40Hz)
        // Read 0 resyncs (code 1 discarded); read 1 is stalled (code 2 lost, chip resets into
        // the 25-pulse mode); read 2 gets code 3, converted in that mode: discarded; code 4 counts.
        #expect(try reader.readRaw() == 4)
        #expect(chip.snapshot.conversionModes == [25, 27, 25, 27])
    }

    @Test func aReadKeepsDescheduledUntilTheTimeoutFails() {
        let stalls = Set((0..<200).map { [$0, 1] })
        var reader = reader(ScriptedHX710B(clock: clock, script: Array(repeating: .code(5), count: 200), stalls: stalls),
                            timeout: .milliseconds(350))
        #expect {
            _ = try reader.readRaw()
        } throws: { error in
            (error as! HardwareError).message.contains("descheduled")
        }
    }
}

@Suite struct HX710BPressureSensorTests {
    let clock = ScriptedClock()

    @Test func convertsCodesToMillimetresOfMercury() throws {
        let chip = ScriptedHX710B(clock: clock, script: [.code(21_000)])
        let sensor = HX710BPressureSensor(
            reader: HX710BReader(lines: chip, clock: clock, mode: .differential10Hz, timeout: .seconds(1)),
            calibration: PressureCalibration(zero: 1_000, perKilopascal: 2_000))
        #expect(abs(try sensor.readMillimetresOfMercury() - 75.0062) < 1e-9)
    }

    @Test func anImplausiblePressureIsASensorFaultNotAReading() {
        // 2,000,000 counts at 2,000 counts/kPa = 1000 kPa ≈ 7500 mmHg: no boot holds that.
        let chip = ScriptedHX710B(clock: clock, script: [.code(2_000_000)])
        let sensor = HX710BPressureSensor(
            reader: HX710BReader(lines: chip, clock: clock, mode: .differential10Hz, timeout: .seconds(1)),
            calibration: PressureCalibration(zero: 0, perKilopascal: 2_000, plausibleRange: -20...350))
        #expect {
            _ = try sensor.readMillimetresOfMercury()
        } throws: { error in
            (error as! HardwareError).message.contains("implausible reading 2000000")
        }
    }

    @Test func aClosedSensorRefusesToRead() {
        let sensor = HX710BPressureSensor(
            reader: HX710BReader(lines: ScriptedHX710B(clock: clock, script: [.code(1)]), clock: clock, mode: .differential10Hz, timeout: .seconds(1)),
            calibration: PressureCalibration(zero: 0, perKilopascal: 1))
        sensor.close()
        #expect(throws: HardwareError.self) { _ = try sensor.readMillimetresOfMercury() }
    }
}
