import PumpSimulator
import Testing
@testable import Sequencer

/// A whole 30-minute session at 50 Hz (90 000 ticks) on the simulated pump, stepped on a
/// manual clock: it must end on time, vented, without a fault, never above its targets.
@Suite struct FullSessionTests {
    static let builds: [HardwareLayout] = [
        Rig.legs(4, exhaust: .perChamber, sensing: .perChamber),
        Rig.legs(6, exhaust: .commonManifold, sensing: .manifold),
        Rig.legs(4, exhaust: .commonManifold, sensing: .none),
    ]

    @Test(arguments: builds)
    func thirtyMinuteSessionEndsOnTimeVentedAndWithinTargets(layout: HardwareLayout) throws {
        let rig = try Rig(layout: layout)
        try rig.sequencer.update(.pressure(80))
        try rig.sequencer.update(.duration(.seconds(30 * 60)))
        try rig.sequencer.start()

        rig.run(for: .seconds(30 * 60) - rig.period)
        let nearlyOver = rig.snapshot
        #expect(nearlyOver.phase != .idle && nearlyOver.fault == nil)
        #expect(nearlyOver.remaining == rig.period)

        rig.step()
        let over = rig.snapshot
        #expect(over.phase == .idle)
        #expect(over.elapsed == .seconds(30 * 60))
        #expect(over.remaining == .zero)
        #expect(over.fault == nil)
        #expect(over.output == .vented(layout))
        #expect(rig.pump.commanded == .vented(layout))
        #expect(over.openLoop == (layout.sensing == .none))
        // A cycle of ~4–6 fills of ~1.5 s, 10 s hold, 8 s release, 4 s rest: ~60–70 cycles.
        #expect((55...80).contains(over.cycle), "cycles: \(over.cycle)")
        #expect(rig.pump.peakChamberPressure <= 80 + SequencerConfig().overPressureMargin)
        #expect(rig.pump.peakChamberPressure >= 70)
    }
}
