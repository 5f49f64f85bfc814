import BootsProtocol
import Sequencer
import Testing

/// How Live State, Session Timer, Program and the manufacturer data derive from real snapshots
/// of a sequencer driving the simulated pump.
@Suite struct SnapshotValueTests {
    func rounded(_ reading: Double?) -> UInt16? { reading.map { UInt16(max(0, $0.rounded())) } }

    @Test func idleAfterATickReadsTheVentedChambers() async throws {
        let rig = try BootsRig()
        await rig.step()
        let snapshot = rig.snapshot
        let live = LiveState(snapshot)
        #expect(live.phase == 0 && live.activeChamber == 0 && live.target == 0 && live.cycle == 0)
        #expect(live.measured == rounded(snapshot.chambers.compactMap(\.measured).max()))
        #expect(live.measured < 3, "vented chambers read about 0 mmHg")
        #expect(live.remaining == 1200 && live.program == 0 && live.fault == 0 && live.flags == 0 && live.fullMask == 0)
        #expect(ManufacturerData(snapshot).bytes == [1, 0, 0, 0, 0])
        #expect(try rig.read(.liveState) == live.bytes)
    }

    @Test func inflatingShowsTheActiveChambersReadingAndTarget() async throws {
        let rig = try BootsRig()
        try rig.sequencer.start()
        #expect(await rig.step(until: { $0.activeChamber == 2 }))
        await rig.step(5)
        let snapshot = rig.snapshot
        let live = LiveState(snapshot)
        let chamber2 = snapshot.chambers[1]
        #expect(live.phase == SessionPhase.inflating.rawValue && live.activeChamber == 2)
        #expect(live.measured == rounded(chamber2.measured))
        #expect(live.target == 60)
        #expect(live.cycle == 1 && live.flags == 0b0001 && live.fullMask == 0b1)
        #expect(live.remaining == SessionTimerValue(snapshot).remaining)
        #expect(ManufacturerData(snapshot).bytes == [1, 0b0001, 2, 2, 0])
    }

    @Test func holdingShowsTheHighestSealedChamber() async throws {
        let rig = try BootsRig(installed: 4)
        try rig.sequencer.start()
        #expect(await rig.step(until: { $0.phase == .holding }))
        await rig.step(10)
        let snapshot = rig.snapshot
        let live = LiveState(snapshot)
        #expect(live.activeChamber == 0 && live.target == 0)
        #expect(live.fullMask == 0b1111)
        #expect(live.measured == rounded(snapshot.chambers[3].measured))
        #expect(live.measured >= 55)
    }

    @Test func releasingShowsTheHighestReadingWhileTheChambersVent() async throws {
        let rig = try BootsRig(installed: 4)
        try rig.sequencer.start()
        #expect(await rig.step(until: { $0.phase == .releasing }))
        let snapshot = rig.snapshot
        let live = LiveState(snapshot)
        #expect(live.fullMask == 0)
        #expect(live.measured == rounded(snapshot.chambers.compactMap(\.measured).max()))
        #expect(live.measured > 10, "just vented: still well above zero")
    }

    @Test func pausedSetsRunningAndPausedFlags() async throws {
        let rig = try BootsRig()
        try rig.sequencer.start()
        await rig.step(150)
        try rig.sequencer.pause()
        let live = LiveState(rig.snapshot)
        #expect(live.phase == SessionPhase.paused.rawValue)
        #expect(live.flags == 0b0011)
        #expect(ManufacturerData(rig.snapshot).flags == 0b0011)
    }

    @Test func aLatchedFaultIsNotARunningSession() async throws {
        let rig = try BootsRig()
        try rig.sequencer.start()
        await rig.step(150)
        rig.sequencer.emergencyStop()
        let live = LiveState(rig.snapshot)
        #expect(live.phase == 7 && live.fault == FaultCode.emergencyStop.rawValue)
        #expect(live.flags == 0 && live.activeChamber == 0 && live.fullMask == 0)
        #expect(ManufacturerData(rig.snapshot).bytes == [1, 0b0100, 7, 0, 0x0B])
    }

    @Test func openLoopNeverReportsAMeasuredPressure() async throws {
        let rig = try BootsRig(sensing: .none)
        try rig.sequencer.start()
        #expect(await rig.step(until: { $0.phase == .inflating }))
        let live = LiveState(rig.snapshot)
        #expect(live.measured == LiveState.notMeasured)
        #expect(live.target == 60)
        #expect(live.flags == 0b0101)
        #expect(ManufacturerData(rig.snapshot).flags == 0b1001)
    }

    /// A manifold sensor reads only the chamber whose inlet is open: before it has, nothing
    /// measures the active chamber.
    @Test func aChamberNothingMeasuresReadsNotMeasured() async throws {
        let rig = try BootsRig(sensing: .manifold)
        let fresh = LiveState(rig.snapshot)
        #expect(fresh.measured == LiveState.notMeasured, "no reading before the first tick")
        try rig.sequencer.start()
        #expect(await rig.step(until: { $0.phase == .inflating }))
        let snapshot = rig.snapshot
        let chamber1 = snapshot.chambers[0]
        #expect(LiveState(snapshot).measured == (rounded(chamber1.measured) ?? LiveState.notMeasured))
    }

    @Test func sessionTimerCountsWholeSecondsAndAddsUp() async throws {
        let rig = try BootsRig()
        try rig.sequencer.start()
        await rig.step(75)  // 1.5 s: still venting, before the first cycle
        #expect(SessionTimerValue(rig.snapshot) == SessionTimerValue(duration: 1200, elapsed: 1, remaining: 1199, cycles: 0))
        await rig.step(50)  // 2.5 s: the first cycle began at 2 s
        let timer = SessionTimerValue(rig.snapshot)
        #expect(timer == SessionTimerValue(duration: 1200, elapsed: 2, remaining: 1198, cycles: 1))
        #expect(try rig.read(.timer) == [0xB0, 0x04, 2, 0, 0xAE, 0x04, 1, 0])
        #expect(LiveState(rig.snapshot).remaining == 1198)
    }

    @Test(arguments: [
        Program.sequentialWave,
        Program(kind: .gradient(stepPercent: 10), hold: .seconds(20), release: .seconds(10), rest: .seconds(5),
                warmUp: WarmUp(cycles: 3, startPercent: 50)),
        Program(kind: .zoneBoost(zones: [ChamberSet(chamber: 3), ChamberSet(chamber: 4)], boost: 10)),
        Program(kind: .zoneBoost(zones: .first(12), boost: 30), hold: .seconds(120), release: .seconds(120),
                rest: .seconds(300), warmUp: WarmUp(cycles: 10, startPercent: 95)),
    ])
    func programsSurviveTheWireForm(program: Program) throws {
        let value = ProgramValue(program)
        #expect(value.bytes.count == ProgramValue.length)
        #expect(try ProgramValue(bytes: value.bytes) == value)
        #expect(try value.program().get() == program)
    }

    @Test func programReadsTheLatestSelection() throws {
        let rig = try BootsRig()
        #expect(try rig.read(.program) == ProgramValue(.sequentialWave).bytes)
        let gradient: [UInt8] = [0x01, 20, 0, 10, 0, 5, 0, 10, 0, 0, 3, 50]
        #expect(rig.profile.write(.controlPoint, [0x07] + gradient) == .success(.indicate(.success(.selectProgram))))
        #expect(try rig.read(.program) == gradient)
        #expect(LiveState(rig.snapshot).program == 1)
    }

    @Test func chamberCountReadsInUseInstalledAndMask() throws {
        let rig = try BootsRig(installed: 8)
        #expect(try rig.read(.chambers) == [8, 8, 0xFF, 0x00])
        #expect(rig.profile.write(.chambers, [0b1010_0101, 0]) == .success(.applied(.activeChambers(ChamberSet(rawValue: 0xA5)))))
        #expect(try rig.read(.chambers) == [4, 8, 0xA5, 0x00])
    }
}
