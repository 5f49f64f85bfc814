import PumpSimulator
import Testing
@testable import Sequencer

@Suite struct SettingsTests {
    func rig(cap: Int = 150, chambers: Int = 6) throws -> Rig {
        var config = SequencerConfig()
        config.pressureCap = cap
        return try Rig(layout: Rig.legs(chambers), config: config)
    }

    @Test func targetAboveTheCapIsRejectedNeverClamped() throws {
        let rig = try rig(cap: 120)
        let before = rig.snapshot
        #expect(throws: SettingsError.aboveCap(target: 130, cap: 120)) { try rig.sequencer.update(.pressure(130)) }
        try rig.sequencer.update(.pressure(115))
        let boost = Program(kind: .zoneBoost(zones: [ChamberSet(chamber: 3)], boost: 10))
        #expect(throws: SettingsError.aboveCap(target: 125, cap: 120)) { try rig.sequencer.update(.program(boost)) }
        #expect(rig.snapshot.settings.program == before.settings.program)
        #expect(rig.snapshot.settings.pressure == 115)
        // With the boost in force, raising the pressure checks the boosted chambers too.
        try rig.sequencer.update(.pressure(100))
        try rig.sequencer.update(.program(boost))
        #expect(throws: SettingsError.aboveCap(target: 121, cap: 120)) { try rig.sequencer.update(.pressure(111)) }
        #expect(rig.snapshot.settings.pressure == 100)
    }

    @Test func capCannotBeConfiguredAbove250() {
        var config = SequencerConfig()
        config.pressureCap = 251
        #expect(throws: ConfigurationError.pressureCapOutOfRange(251)) { try config.validate() }
        config.pressureCap = 250
        #expect(throws: Never.self) { try config.validate() }
    }

    @Test func everyInvalidWriteHasItsReasonAndChangesNothing() throws {
        let rig = try rig()
        let cases: [(SettingsChange, SettingsError)] = [
            (.pressure(19), .pressureOutOfRange(19)),
            (.pressure(251), .pressureOutOfRange(251)),
            (.activeChambers([]), .noActiveChambers),
            (.activeChambers(ChamberSet(chamber: 7)), .chamberNotInstalled(7)),
            (.program(Program(kind: .gradient(stepPercent: 31))), .gradientStepOutOfRange(31)),
            (.program(Program(kind: .gradient(stepPercent: 0))), .gradientStepOutOfRange(0)),
            (.program(Program(kind: .zoneBoost(zones: ChamberSet(chamber: 1), boost: 0))), .zoneBoostOutOfRange(0)),
            (.program(Program(kind: .zoneBoost(zones: [], boost: 10))), .noZones),
            (.program(Program(kind: .zoneBoost(zones: ChamberSet(chamber: 9), boost: 10))), .chamberNotInstalled(9)),
            (.program(Program(hold: .seconds(121))), .holdOutOfRange(.seconds(121))),
            (.program(Program(release: .milliseconds(500))), .releaseOutOfRange(.milliseconds(500))),
            (.program(Program(rest: .seconds(-1))), .restOutOfRange(.seconds(-1))),
            (.program(Program(warmUp: WarmUp(cycles: 11))), .warmUpOutOfRange),
            (.program(Program(warmUp: WarmUp(cycles: 2, startPercent: 10))), .warmUpOutOfRange),
        ]
        try rig.sequencer.start()
        rig.step(100)
        for (change, reason) in cases {
            let before = rig.snapshot
            #expect(throws: reason) { try rig.sequencer.update(change) }
            #expect(rig.snapshot == before)
        }
    }

    @Test func changesWhileRunningWaitForTheNextCycleStart() throws {
        let rig = try rig()
        try rig.sequencer.update(.pressure(60))
        try rig.sequencer.start()
        #expect(rig.run(until: { $0.phase == .inflating && $0.activeChamber == 3 }))
        try rig.sequencer.update(.pressure(100))
        try rig.sequencer.update(.activeChambers(ChamberSet.first(4)))
        let pending = rig.snapshot
        #expect(pending.settings.pressure == 60 && pending.pendingSettings?.pressure == 100)
        #expect(pending.chambers[2].target == 60)
        // The rest of this cycle runs on the old settings…
        let trace = Trace(rig, until: { $0.cycle == 2 })
        #expect(trace.snapshots.dropLast().allSatisfy { $0.settings.pressure == 60 && $0.chambers[0].target == 60 })
        #expect(trace.snapshots.contains { $0.activeChamber == 6 })
        // …and the next starts on the new ones.
        let next = rig.snapshot
        #expect(next.pendingSettings == nil && next.settings.pressure == 100)
        #expect(next.chambers.prefix(4).allSatisfy { $0.target == 100 } && next.chambers[4].target == 0)
    }

    @Test func changesWhileIdleApplyAtOnce() throws {
        let rig = try rig()
        try rig.sequencer.update(.pressure(90))
        try rig.sequencer.update(.program(Program(kind: .gradient(stepPercent: 5))))
        #expect(rig.snapshot.settings.pressure == 90 && rig.snapshot.pendingSettings == nil)
    }
}
