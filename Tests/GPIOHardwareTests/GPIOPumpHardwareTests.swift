import GPIO
@testable import GPIOHardware
import Sequencer
import Testing

private func spec(_ offset: UInt32, activeLow: Bool = false) -> GPIOLineSpec {
    GPIOLineSpec(.offset(chip: "gpiochip0", offset: offset), activeLow: activeLow)
}

/// Six chambers: pump 17, inlets 5/6/13/19/26/12 (active-low), exhausts as given.
private func sixChambers(_ exhaust: ExhaustConfiguration.Lines, exhaustNormallyOpen: Bool = false) -> GPIOHardwareConfiguration {
    GPIOHardwareConfiguration(
        chambers: 6, pump: spec(17),
        inlets: [5, 6, 13, 19, 26, 12].map { spec($0, activeLow: true) },
        exhaust: ExhaustConfiguration(exhaust, normallyOpen: exhaustNormallyOpen))
}

private let perChamberExhausts = ExhaustConfiguration.Lines.perChamber([20, 21, 22, 23, 24, 25].map { spec($0) })

@Suite struct GPIOPumpHardwareStartupTests {
    @Test func withACommonExhaustEveryLineStartsVentedPumpOffInletsAndExhaustOpen() throws {
        let lines = InMemoryLines()
        let hardware = try GPIOPumpHardware(configuration: sixChambers(.common(spec(16))), lines: lines)
        #expect(hardware.layout == HardwareLayout(installedChambers: 6, exhaust: .commonManifold, sensing: .none))
        #expect(lines.output("gpiochip0:17")?.logical == false)
        #expect(lines.output("gpiochip0:16")?.logical == true)
        for inlet in [5, 6, 13, 19, 26, 12] {
            let output = try #require(lines.output("gpiochip0:\(inlet)"))
            #expect(output.logical == true)
            // Active-low: an open inlet valve is a low pin.
            #expect(output.physicalHigh == false)
            #expect(output.consumer == "pressod")
        }
    }

    @Test func withPerChamberExhaustsEveryLineStartsVentedInletsClosedExhaustsOpen() throws {
        let lines = InMemoryLines()
        let hardware = try GPIOPumpHardware(configuration: sixChambers(perChamberExhausts), lines: lines)
        defer { withExtendedLifetime(hardware) {} }
        #expect(lines.output("gpiochip0:17")?.logical == false)
        for inlet in [5, 6, 13, 19, 26, 12] {
            #expect(lines.output("gpiochip0:\(inlet)")?.logical == false)
            #expect(lines.output("gpiochip0:\(inlet)")?.physicalHigh == true)
        }
        for exhaust in 20...25 { #expect(lines.output("gpiochip0:\(exhaust)")?.logical == true) }
    }

    @Test func aNormallyOpenExhaustVentsUnenergised() throws {
        let lines = InMemoryLines()
        let hardware = try GPIOPumpHardware(configuration: sixChambers(.common(spec(16)), exhaustNormallyOpen: true), lines: lines)
        #expect(lines.output("gpiochip0:16")?.logical == false)
        try hardware.drive(ActuatorState(pumpOn: true, openInlets: [ChamberSet(chamber: 1)], manifoldExhaustOpen: false))
        #expect(lines.output("gpiochip0:16")?.logical == true)
    }

    @Test func linesAreRequestedAtTheSafeLevelPumpFirstAndNeverDrivenOtherwiseBeforeTheFirstDrive() throws {
        let lines = InMemoryLines()
        let configuration = sixChambers(.common(spec(16)))
        let hardware = try GPIOPumpHardware(configuration: configuration, lines: lines)
        defer { withExtendedLifetime(hardware) {} }
        #expect(lines.requestOrder.first == "gpiochip0:17")
        let safe = ActuatorState.vented(configuration.layout)
        // One entry per line, the request itself, at the safe level.
        #expect(lines.log.count == configuration.outputs.count)
        for output in configuration.outputs {
            let key = "gpiochip0:\(output.spec.description.split(separator: ":")[1].split(separator: " ")[0])"
            #expect(lines.log.filter { $0.line == key } == [.init(line: key, logical: output.level(in: safe))])
        }
    }

    @Test func aLineHeldByAnotherProcessFailsStartUpNamingTheEntryAndReleasesTheRest() {
        let lines = InMemoryLines()
        lines.state.withLock { $0.heldByOthers["gpiochip0:13"] = "gpioset" }
        #expect {
            _ = try GPIOPumpHardware(configuration: sixChambers(.common(spec(16))), lines: lines)
        } throws: { error in
            (error as? GPIOHardwareStartupError)?.description
                == "[valves] inlet3 = gpiochip0:13 active-low: line 'GPIO13' (gpiochip0:13): request as output: Device or resource busy (held by \"gpioset\")"
        }
        #expect(lines.heldKeys.isEmpty)
    }

    @Test func aMissingChipOrAnOffsetBeyondTheChipFailsStartUpNamingTheEntry() {
        var configuration = sixChambers(.common(spec(16)))
        configuration.pump = GPIOLineSpec(.offset(chip: "gpiochip7", offset: 17))
        #expect {
            _ = try GPIOPumpHardware(configuration: configuration, lines: InMemoryLines())
        } throws: { error in
            (error as? GPIOHardwareStartupError)?.description == "[pump] line = gpiochip7:17: chip 'gpiochip7': open chip: No such file or directory"
        }
        configuration = sixChambers(.common(spec(99)))
        #expect {
            _ = try GPIOPumpHardware(configuration: configuration, lines: InMemoryLines())
        } throws: { error in
            (error as? GPIOHardwareStartupError)?.description
                == "[exhaust] line = gpiochip0:99: line gpiochip0:99: look up line: Invalid argument (gpiochip0 has lines 0...53)"
        }
    }

    @Test func anInvalidWiringFailsStartUpBeforeAnyLineIsRequested() {
        var configuration = sixChambers(.common(spec(16)))
        configuration.inlets.removeLast()
        let lines = InMemoryLines()
        #expect {
            _ = try GPIOPumpHardware(configuration: configuration, lines: lines)
        } throws: { error in
            (error as? GPIOHardwareStartupError)?.entry == "[valves] inlet6"
        }
        #expect(lines.requestOrder.isEmpty)
    }

    @Test func aBusySensorLineFailsStartUpNamingTheSensorEntryAndReleasesTheOutputs() {
        var configuration = sixChambers(.common(spec(16)))
        configuration.sensor = .hx710b(HX710BConfiguration(clock: spec(23), data: spec(24), calibration: .init(zero: 0, perKilopascal: 1000)))
        let lines = InMemoryLines()
        lines.state.withLock { $0.heldByOthers["gpiochip0:24"] = "other" }
        #expect {
            _ = try GPIOPumpHardware(configuration: configuration, lines: lines)
        } throws: { error in
            (error as? GPIOHardwareStartupError)?.entry == "[sensor] data"
        }
        #expect(lines.heldKeys.isEmpty)
    }
}

@Suite struct GPIOPumpHardwareDriveTests {
    @Test func driveSetsEachOutputToItsRoleInTheState() throws {
        let lines = InMemoryLines()
        let hardware = try GPIOPumpHardware(configuration: sixChambers(perChamberExhausts), lines: lines)
        try hardware.drive(ActuatorState(pumpOn: true, openInlets: [ChamberSet(chamber: 2)], openExhausts: [ChamberSet(chamber: 5)]))
        #expect(lines.output("gpiochip0:17")?.logical == true)
        #expect(lines.output("gpiochip0:6")?.logical == true)     // inlet 2
        #expect(lines.output("gpiochip0:6")?.physicalHigh == false)
        #expect(lines.output("gpiochip0:5")?.logical == false)    // inlet 1
        #expect(lines.output("gpiochip0:24")?.logical == true)    // exhaust 5
        #expect(lines.output("gpiochip0:20")?.logical == false)   // exhaust 1
    }

    @Test func thePumpStartsAfterTheValvesMoveAndStopsBeforeThey() throws {
        let lines = InMemoryLines()
        let hardware = try GPIOPumpHardware(configuration: sixChambers(.common(spec(16))), lines: lines)
        let before = lines.log.count
        try hardware.drive(ActuatorState(pumpOn: true, openInlets: [ChamberSet(chamber: 1)]))
        #expect(lines.log.last == .init(line: "gpiochip0:17", logical: true))
        let afterStart = lines.log.count
        try hardware.drive(.vented(hardware.layout))
        #expect(lines.log[afterStart] == .init(line: "gpiochip0:17", logical: false))
        #expect(afterStart - before == hardware.configuration.outputs.count)
    }

    @Test func aFailingLineDoesNotStopTheOthersAndTheErrorNamesIt() throws {
        let lines = InMemoryLines()
        let hardware = try GPIOPumpHardware(configuration: sixChambers(.common(spec(16))), lines: lines)
        try hardware.drive(ActuatorState(pumpOn: true, openInlets: [ChamberSet(chamber: 1)]))
        lines.state.withLock { $0.failingOnSet = ["gpiochip0:5"] }
        #expect {
            try hardware.drive(.vented(hardware.layout))
        } throws: { error in
            let error = error as! HardwareError
            return error.kind == .actuator
                && error.message == "inlet valve of chamber 1 ([valves] inlet1 = gpiochip0:5 active-low): line gpiochip0:5: set value to 1: No such device"
        }
        #expect(lines.output("gpiochip0:17")?.logical == false)
        #expect(lines.output("gpiochip0:16")?.logical == true)
        #expect(lines.output("gpiochip0:6")?.logical == true)
    }

    @Test func closeVentsReleasesEveryLineAndLaterCallsFail() throws {
        let lines = InMemoryLines()
        let hardware = try GPIOPumpHardware(configuration: sixChambers(perChamberExhausts), lines: lines)
        try hardware.drive(ActuatorState(pumpOn: true, openInlets: [ChamberSet(chamber: 3)]))
        let pump = try #require(lines.output("gpiochip0:17"))
        let exhaust = try #require(lines.output("gpiochip0:22"))
        try hardware.close()
        #expect(pump.logical == false)
        #expect(exhaust.logical == true)
        #expect(lines.heldKeys.isEmpty)
        #expect(throws: HardwareError.self) { try hardware.drive(.vented(hardware.layout)) }
        #expect(throws: HardwareError.self) { _ = try hardware.readPressure() }
        try hardware.close()  // idempotent
    }

    @Test func droppingTheHardwareVentsAndReleases() throws {
        let lines = InMemoryLines()
        var hardware: GPIOPumpHardware? = try GPIOPumpHardware(configuration: sixChambers(.common(spec(16))), lines: lines)
        try hardware?.drive(ActuatorState(pumpOn: true, openInlets: [ChamberSet(chamber: 2)]))
        let pump = try #require(lines.output("gpiochip0:17"))
        hardware = nil
        #expect(pump.logical == false)
        #expect(lines.heldKeys.isEmpty)
    }

    @Test func withoutASensorReadingsAreEmptyAndTheLayoutSaysOpenLoop() throws {
        let hardware = try GPIOPumpHardware(configuration: sixChambers(.common(spec(16))), lines: InMemoryLines())
        #expect(hardware.layout.sensing == .none)
        #expect(try hardware.readPressure() == PressureSample())
    }
}
