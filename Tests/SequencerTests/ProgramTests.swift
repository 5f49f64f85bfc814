import PumpSimulator
import Testing
@testable import Sequencer

/// Every program's valve and pump sequence, read back tick by tick, against its definition.
@Suite struct ProgramTests {
    /// Starts a session and returns the trace of its first two cycles.
    func twoCycles(_ rig: Rig, pressure: Int, chambers: ChamberSet? = nil, program: Program) throws -> Trace {
        try rig.sequencer.update(.pressure(pressure))
        if let chambers { try rig.sequencer.update(.activeChambers(chambers)) }
        try rig.sequencer.update(.program(program))
        try rig.sequencer.start()
        return Trace(rig, until: { $0.cycle == 3 })
    }

    /// Checks one cycle's structure: inflate each active chamber in order (pump on, that inlet
    /// only, full chambers sealed), hold sealed, release and rest vented, for the program's times.
    func expectCycle(_ segments: [Trace.Segment], active: ChamberSet, program: Program, layout: HardwareLayout,
                     period: Duration) {
        let phases = segments.map(\.phase)
        let inflations = segments.filter { $0.phase == .inflating }
        #expect(inflations.map(\.chamber) == active.chambers.map(Optional.some))
        let after: [SessionPhase] = program.rest == .zero ? [.holding, .releasing] : [.holding, .releasing, .resting]
        #expect(Array(phases.drop { $0 == .inflating }) == after)
        var sealed: ChamberSet = []
        for segment in inflations {
            let chamber = segment.chamber!
            for tick in segment.ticks {
                #expect(tick.output.pumpOn)
                #expect(tick.output.openInlets == ChamberSet(chamber: chamber))
                switch layout.exhaust {
                case .perChamber:
                    #expect(tick.output.openExhausts.intersection(sealed.union(ChamberSet(chamber: chamber))).isEmpty)
                    #expect(tick.output.openExhausts.isSuperset(of: layout.installed.subtracting(active)))
                case .commonManifold:
                    #expect(!tick.output.manifoldExhaustOpen)
                }
            }
            sealed.insert(ChamberSet(chamber: chamber))
        }
        for segment in segments {
            let length = segment.end - segment.start + period
            switch segment.phase {
            case .holding:
                #expect(length == program.hold, "hold \(length)")
                for tick in segment.ticks {
                    #expect(!tick.output.pumpOn && tick.output.openInlets.isEmpty && !tick.output.manifoldExhaustOpen)
                    #expect(tick.output.openExhausts == layout.installed.subtracting(active).intersection(
                        layout.exhaust == .perChamber ? layout.installed : []))
                }
            case .releasing:
                #expect(length == program.release, "release \(length)")
                #expect(segment.ticks.allSatisfy { $0.output == .vented(layout) })
            case .resting:
                #expect(length == program.rest, "rest \(length)")
                #expect(segment.ticks.allSatisfy { $0.output == .vented(layout) })
            default:
                break
            }
        }
    }

    /// Pressures measured as the hold begins, per chamber, against the expected targets: each
    /// within the fill tolerance (2 mmHg) and sensor noise, less what the chambers filled first
    /// lost to the healthy leak while the others filled; above by at most a tick's overshoot.
    func expectHeld(_ segments: [Trace.Segment], targets: [Int: Double]) {
        guard let hold = segments.first(where: { $0.phase == .holding })?.ticks.first else {
            Issue.record("no hold")
            return
        }
        for (chamber, target) in targets {
            let status = hold.chambers[chamber - 1]
            #expect(abs(status.target - target) < 0.001, "chamber \(chamber) target \(status.target)")
            if let measured = status.measured {
                #expect(measured >= target - 4 && measured <= target + 2,
                        "chamber \(chamber) held at \(measured), target \(target)")
            }
        }
    }

    @Test(arguments: [ExhaustLayout.perChamber, .commonManifold])
    func sequentialWaveFillsEachActiveChamberInTurnAndSkipsDisabledOnes(exhaust: ExhaustLayout) throws {
        let layout = Rig.legs(5, exhaust: exhaust, sensing: exhaust == .perChamber ? .perChamber : .manifold)
        let rig = try Rig(layout: layout)
        let active: ChamberSet = [ChamberSet(chamber: 1), ChamberSet(chamber: 2), ChamberSet(chamber: 4)]
        let trace = try twoCycles(rig, pressure: 90, chambers: active, program: .sequentialWave)
        for cycle in [1, 2] {
            let segments = trace.cycle(cycle)
            expectCycle(segments, active: active, program: .sequentialWave, layout: layout, period: rig.period)
            expectHeld(segments, targets: [1: 90, 2: 90, 4: 90])
        }
        // Disabled chambers are never connected to the pump.
        #expect(trace.snapshots.allSatisfy { !$0.output.openInlets.contains(chamber: 3) || !$0.output.pumpOn })
        #expect(trace.snapshots.allSatisfy { !$0.output.openInlets.contains(chamber: 5) || !$0.output.pumpOn })
        #expect(rig.pump.chamberPressures[2] < 2 && rig.pump.chamberPressures[4] < 2)
    }

    @Test func gradientSetsEachChamberAPercentageBelowTheOneBefore() throws {
        let layout = Rig.legs(4)
        let rig = try Rig(layout: layout)
        let program = Program(kind: .gradient(stepPercent: 10))
        let trace = try twoCycles(rig, pressure: 100, program: program)
        let segments = trace.cycle(1)
        expectCycle(segments, active: layout.installed, program: program, layout: layout, period: rig.period)
        expectHeld(segments, targets: [1: 100, 2: 90, 3: 81, 4: 72.9])
    }

    @Test func zoneBoostAddsItsBoostOnTheChosenChambersOnly() throws {
        let layout = Rig.legs(4)
        let rig = try Rig(layout: layout)
        let program = Program(kind: .zoneBoost(zones: [ChamberSet(chamber: 2), ChamberSet(chamber: 3)]))
        let trace = try twoCycles(rig, pressure: 80, program: program)
        let segments = trace.cycle(1)
        expectCycle(segments, active: layout.installed, program: program, layout: layout, period: rig.period)
        expectHeld(segments, targets: [1: 80, 2: 90, 3: 90, 4: 80])
    }

    @Test func customHoldReleaseAndRestTimesAreKeptToTheTick() throws {
        let layout = Rig.legs(3, exhaust: .commonManifold, sensing: .manifold)
        let rig = try Rig(layout: layout)
        let program = Program(hold: .seconds(3), release: .milliseconds(2500), rest: .zero)
        let trace = try twoCycles(rig, pressure: 60, program: program)
        let segments = trace.cycle(1)
        #expect(!segments.contains { $0.phase == .resting })  // a zero rest is skipped
        var withRest = segments
        withRest.removeAll { $0.phase == .resting }
        let phases = withRest.map(\.phase).filter { $0 != .inflating }
        #expect(phases == [.holding, .releasing])
        let hold = segments.first { $0.phase == .holding }!
        let release = segments.first { $0.phase == .releasing }!
        #expect(hold.end - hold.start + rig.period == .seconds(3))
        #expect(release.end - release.start + rig.period == .milliseconds(2500))
    }

    @Test func warmUpRampsTargetsOverTheFirstCyclesThenHoldsFullPressure() throws {
        let layout = Rig.legs(3)
        let rig = try Rig(layout: layout)
        let program = Program(hold: .seconds(1), release: .seconds(3), rest: .zero,
                              warmUp: WarmUp(cycles: 3, startPercent: 40))
        try rig.sequencer.update(.pressure(100))
        try rig.sequencer.update(.program(program))
        try rig.sequencer.start()
        let trace = Trace(rig, until: { $0.cycle == 6 })
        let expected: [Int: Double] = [1: 40, 2: 60, 3: 80, 4: 100, 5: 100]
        for (cycle, target) in expected {
            let segments = trace.cycle(cycle)
            expectCycle(segments, active: layout.installed, program: program, layout: layout, period: rig.period)
            expectHeld(segments, targets: [1: target, 2: target, 3: target])
        }
    }

    @Test func targetsFollowTheProgramDefinition() {
        let all = ChamberSet.first(5)
        #expect(Program.sequentialWave.targets(pressure: 70, active: all, cycle: 1).prefix(6) == [70, 70, 70, 70, 70, 0])
        let gradient = Program(kind: .gradient(stepPercent: 20)).targets(pressure: 100, active: all, cycle: 1)
        #expect(zip(gradient.prefix(5), [100, 80, 64, 51.2, 40.96]).allSatisfy { abs($0 - $1) < 1e-9 })
        let boost = Program(kind: .zoneBoost(zones: [ChamberSet(chamber: 5)], boost: 15))
        #expect(boost.targets(pressure: 60, active: all, cycle: 1).prefix(5) == [60, 60, 60, 60, 75])
        let mask: ChamberSet = [ChamberSet(chamber: 2), ChamberSet(chamber: 5)]
        #expect(Program.sequentialWave.targets(pressure: 50, active: mask, cycle: 9).prefix(5) == [0, 50, 0, 0, 50])
        let ramp = WarmUp(cycles: 4, startPercent: 60)
        #expect([1, 2, 3, 4, 5, 100].map(ramp.fraction(cycle:)) == [0.6, 0.7, 0.8, 0.9, 1, 1])
    }

    @Test(arguments: [ExhaustLayout.perChamber, .commonManifold])
    func openLoopFillsForTargetOverRateAndSaysSo(exhaust: ExhaustLayout) throws {
        let layout = Rig.legs(3, exhaust: exhaust, sensing: .none)
        let rig = try Rig(layout: layout)
        let trace = try twoCycles(rig, pressure: 100, program: .sequentialWave)
        #expect(trace.snapshots.allSatisfy { $0.openLoop && $0.chambers.allSatisfy { $0.measured == nil } })
        let segments = trace.cycle(1)
        expectCycle(segments, active: layout.installed, program: .sequentialWave, layout: layout, period: rig.period)
        for fill in segments where fill.phase == .inflating {
            #expect(fill.end - fill.start + rig.period == .seconds(2))  // 100 mmHg / 50 mmHg/s
        }
        // Calibrated to under-fill: never above target.
        #expect(rig.pump.peakChamberPressure <= 100)
        #expect(rig.pump.peakChamberPressure >= 80)
    }
}
