import BootsControlAPI
import DBus
import LocalControl
import Sequencer
import Testing

/// The sequencer's snapshot as org.presso.Boots1's properties, and back as a client reads them.
@Suite struct PropertyMappingTests {
    @Test func everyPropertyHasItsDeclaredTypeAndAnIdleSnapshotReadsAsIdle() throws {
        let rig = try Rig()
        let values = BootsPropertyValues.all(rig.sequencer.snapshot)
        #expect(Set(values.keys) == Set(BootsProperty.allCases.map(\.rawValue)))
        for property in BootsProperty.allCases {
            #expect(values[property.rawValue]?.signature == property.signature, "\(property)")
        }
        let status = try BootsStatus(properties: values)
        #expect(status.phase == "idle" && status.activeChamber == nil && status.cycle == 0)
        #expect(status.pressure == 60 && status.chambers == [1, 2, 3, 4, 5, 6])
        #expect(status.durationSeconds == 20 * 60 && status.remainingSeconds == 20 * 60 && status.elapsedSeconds == 0)
        #expect(status.program == ProgramSpec(kind: .wave) && status.fault == nil && !status.openLoop)
        #expect(status.chamberTargets == [0, 0, 0, 0, 0, 0] && status.chamberPressures.count == 6)
    }

    @Test func aRunningSessionShowsPhaseChamberTargetsAndReadings() throws {
        let rig = try Rig()
        try rig.sequencer.update(.pressure(90))
        try rig.sequencer.start()
        rig.run(for: .milliseconds(2500))  // 2 s start-up vent, then inflating chamber 1
        let status = try BootsStatus(properties: BootsPropertyValues.all(rig.sequencer.snapshot))
        #expect(status.phase == "inflating" && status.activeChamber == 1 && status.cycle == 1)
        #expect(status.elapsedSeconds == 2 && status.remainingSeconds == 20 * 60 - 3, "whole seconds, rounded down")
        #expect(status.chamberTargets == [90, 90, 90, 90, 90, 90])
        #expect((status.chamberPressures[0] ?? 0) > 5, "\(status.chamberPressures)")
    }

    @Test func aChangeWaitingForTheNextCycleReadsBackAtOnce() throws {
        let rig = try Rig()
        try rig.sequencer.start()
        rig.run(for: .seconds(3))
        try rig.sequencer.update(.pressure(80))
        try rig.sequencer.update(.activeChambers([.init(chamber: 1), .init(chamber: 2)]))
        try rig.sequencer.update(.program(Program(kind: .gradient(stepPercent: 8), hold: .seconds(5))))
        let snapshot = rig.sequencer.snapshot
        #expect(snapshot.pendingSettings != nil)
        let status = try BootsStatus(properties: BootsPropertyValues.all(snapshot))
        #expect(status.pressure == 80 && status.chambers == [1, 2])
        #expect(status.program == ProgramSpec(kind: .gradient(stepPercent: 8), holdSeconds: 5))
        #expect(status.chamberTargets[0] == 60, "the running cycle keeps its targets")
    }

    @Test func aLatchedFaultReadsAsCodeAndText() throws {
        let rig = try Rig()
        rig.sequencer.emergencyStop()
        let status = try BootsStatus(properties: BootsPropertyValues.all(rig.sequencer.snapshot))
        #expect(status.phase == "faulted")
        #expect(status.fault?.code == 0x0B && status.fault?.text == "emergency stop")
    }

    @Test func openLoopBootsHaveNoReadings() throws {
        let rig = try Rig(sensing: .none)
        let status = try BootsStatus(properties: BootsPropertyValues.all(rig.sequencer.snapshot))
        #expect(status.openLoop && status.chamberPressures == [nil, nil, nil, nil, nil, nil])
    }

    @Test func programsRoundTripThroughTheirDBusForm() throws {
        let programs = [
            Program(),
            Program(kind: .gradient(stepPercent: 12), hold: .seconds(0), release: .seconds(3), rest: .seconds(30)),
            Program(kind: .zoneBoost(zones: [.init(chamber: 1), .init(chamber: 3)], boost: 15),
                    warmUp: WarmUp(cycles: 2, startPercent: 40)),
        ]
        for program in programs {
            let spec = ProgramSpec(program)
            #expect(try Program(ProgramSpec(dbusKind: spec.dbusKind, parameters: spec.dbusParameters)) == program)
            #expect(try ProgramSpec(dbusValue: spec.dbusValue) == spec)
        }
        #expect(ProgramSpec(programs[2]).kindText == "boost:1,3:15")
    }
}

/// Which changes go out as PropertiesChanged, and how often.
@Suite struct PropertiesChangedThrottleTests {
    func values(pressures: [Double], phase: String = "idle") -> [String: DBusValue] {
        ["Phase": .string(phase), "ChamberPressures": .array(element: "d", pressures.map(DBusValue.double))]
    }

    @Test func unchangedValuesAreNotAnnounced() {
        var throttle = PropertiesChangedThrottle(initial: values(pressures: [0, .nan]))
        #expect(throttle.offer(values(pressures: [0, .nan]), at: .seconds(1)).isEmpty, "NaN (not measured) equals NaN")
    }

    @Test func pressuresGoOutAtMostFiveTimesASecondOtherPropertiesAtOnce() {
        var throttle = PropertiesChangedThrottle(initial: values(pressures: [0]))
        var announcedPressures = 0
        var announcedPhases: [String] = []
        // One second of 50 Hz snapshots, every pressure different, the phase changing twice.
        for tick in 1...50 {
            let phase = tick < 20 ? "idle" : tick < 40 ? "venting" : "inflating"
            let changed = throttle.offer(values(pressures: [Double(tick)], phase: phase), at: .milliseconds(20 * tick))
            if changed["ChamberPressures"] != nil { announcedPressures += 1 }
            if case .string(let p)? = changed["Phase"] { announcedPhases.append(p) }
        }
        #expect(announcedPressures == 5)
        #expect(announcedPhases == ["venting", "inflating"])
    }

    @Test func aHeldBackPressureGoesOutOnceTheSpacingHasPassed() {
        var throttle = PropertiesChangedThrottle(initial: values(pressures: [0]))
        #expect(throttle.offer(values(pressures: [1]), at: .milliseconds(1000))["ChamberPressures"] != nil)
        #expect(throttle.offer(values(pressures: [2]), at: .milliseconds(1050)).isEmpty)
        // The reading stops changing; the next snapshot after the spacing still delivers it.
        #expect(throttle.offer(values(pressures: [2]), at: .milliseconds(1200))["ChamberPressures"]
                == .array(element: "d", [.double(2)]))
    }
}
