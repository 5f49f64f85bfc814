import PumpSimulator
import Testing
@testable import Sequencer

/// Each safety rule, by the fault code it raises: it must vent in the tick that sees it, latch,
/// and stay latched until cleared.
@Suite struct SafetyRuleTests {
    /// Runs until a fault latches; checks it vented in that very tick and return the fault.
    func faultOf(_ rig: Rig, limit: Duration = .seconds(120)) -> Fault? {
        var fault: Fault?
        rig.run(until: { snapshot in
            guard let f = snapshot.fault else { return false }
            #expect(snapshot.phase == .faulted)
            #expect(snapshot.output == .vented(rig.sequencer.layout))
            #expect(rig.pump.commanded == .vented(rig.sequencer.layout))
            fault = f
            return true
        }, limit: limit)
        return fault
    }

    func running(_ layout: HardwareLayout = Rig.legs(4), pressure: Int = 100, cap: Int = 200) throws -> Rig {
        var config = SequencerConfig()
        config.pressureCap = cap
        let rig = try Rig(layout: layout, config: config)
        try rig.sequencer.update(.pressure(pressure))
        try rig.sequencer.start()
        return rig
    }

    // MARK: Start-up

    @Test(arguments: [ExhaustLayout.perChamber, .commonManifold])
    func constructionVentsBeforeAnythingElse(exhaust: ExhaustLayout) throws {
        let layout = Rig.legs(6, exhaust: exhaust)
        let clock = ManualClock()
        let pump = SimulatedPump(layout: layout, clock: clock)
        pump.drive(unsafeFull: layout)
        _ = try InflationSequencer(hardware: pump, clock: clock)
        #expect(pump.commanded == .vented(layout))
    }

    @Test func aFailedStartUpVentLatchesActuatorFailure() throws {
        let clock = ManualClock()
        let pump = SimulatedPump(layout: Rig.legs(3), clock: clock)
        pump.inject(.actuatorFailing)
        let sequencer = try InflationSequencer(hardware: pump, clock: clock)
        #expect(sequencer.snapshot.fault?.code == .actuatorFailure)
        #expect(throws: CommandError.faultLatched(.actuatorFailure)) { try sequencer.start() }
    }

    // MARK: Pressure

    @Test func overPressureVentsInTheTickThatSeesIt() throws {
        let layout = Rig.legs(2)
        var core = try SequencerCore(layout: layout)
        try core.update(.pressure(100), at: .zero)
        try core.start(at: .zero)
        let period = core.config.tickPeriod
        var now = Duration.zero
        func tick(_ readings: [Double]) -> ActuatorState {
            now += period
            return core.tick(now: now, sample: .success(PressureSample(chambers: readings)))
        }
        while core.phase != .inflating { _ = tick([0, 0]) }
        // Chamber 1 climbs at a believable rate and is full at 99.5 (target 100 - tolerance 0.5).
        for reading in stride(from: 10.0, through: 90, by: 10) { #expect(tick([reading, 0]).pumpOn) }
        #expect(tick([99.4, 0]).openInlets == ChamberSet(chamber: 1))
        #expect(tick([99.6, 0]).openInlets == ChamberSet(chamber: 2))
        #expect(tick([114.9, 10]).pumpOn)  // within target + margin (15): still fine
        #expect(core.fault == nil)
        let out = tick([115.1, 20])  // chamber 1, sealed full, above target + margin
        #expect(out == .vented(layout))
        #expect(core.fault?.code == .overPressure && core.fault?.chamber == 1)
    }

    @Test func aPumpThatRunsOnIntoAStuckOpenInletFaultsOverPressure() throws {
        let rig = try running()
        rig.pump.inject(.pumpRunsOn)
        rig.pump.inject(.inletStuck(chamber: 1, open: true))
        // Chamber 1 fills first and stays connected; in the hold the pump keeps filling it.
        let fault = faultOf(rig)
        #expect(fault?.code == .overPressure && fault?.chamber == 1, "\(String(describing: fault))")
        rig.run(for: .seconds(10))
        // Vented through its exhaust, the chamber settles low although the pump still runs.
        #expect(rig.pump.chamberPressures[0] < 40)
        #expect(rig.pump.peakChamberPressure <= 100 + 15 + 1)
    }

    @Test func anyReadingAboveTheCapFaultsAboveCap() throws {
        let layout = Rig.legs(3, exhaust: .perChamber, sensing: .manifold)
        let rig = try running(layout, pressure: 100, cap: 150)
        rig.run(for: .seconds(3))
        rig.pump.inject(.pumpRunsOn)  // with inlets closed in the hold, the manifold climbs
        let fault = faultOf(rig)
        #expect(fault?.code == .aboveCap || fault?.code == .sensorImplausible)
        #expect(rig.pump.peakChamberPressure <= 150)
    }

    // MARK: Leaks

    @Test(arguments: [SimulatedFault.hoseOff(chamber: 2), .leak(chamber: 2), .inletStuck(chamber: 2, open: false)])
    func aChamberThatDoesNotFillInTimeFaultsFillTimeout(fault injected: SimulatedFault) throws {
        let rig = try running(pressure: 120)
        rig.pump.inject(injected)
        #expect(rig.run(until: { $0.activeChamber == 2 }))
        let start = rig.snapshot.time
        let fault = faultOf(rig)
        #expect(fault?.code == .fillTimeout && fault?.chamber == 2)
        let took = fault!.at - start
        #expect(took > SequencerConfig().fillTimeout && took <= SequencerConfig().fillTimeout + rig.period * 2)
    }

    // MARK: Sensor

    @Test(arguments: [
        (SimulatedFault.sensorFailing, FaultCode.sensorFailure),
        (.sensorOutOfRange(reading: -40), .sensorOutOfRange),
        (.sensorOutOfRange(reading: 400), .sensorOutOfRange),
    ])
    func aFailingOrImpossibleSensorFaultsAtTheNextTick(fault injected: SimulatedFault, code: FaultCode) throws {
        for sensing in [PressureSensing.perChamber, .manifold] {
            let rig = try running(Rig.legs(4, sensing: sensing))
            rig.run(for: .seconds(4))
            rig.pump.inject(injected)
            rig.step()
            #expect(rig.snapshot.fault?.code == code)
            #expect(rig.pump.commanded == .vented(rig.sequencer.layout))
        }
    }

    @Test(arguments: [PressureSensing.perChamber, .manifold])
    func aSensorStuckWhileInflatingFaultsWithinTheStuckWindow(sensing: PressureSensing) throws {
        let rig = try running(Rig.legs(4, sensing: sensing))
        #expect(rig.run(until: { $0.activeChamber == 2 }))
        rig.step(5)
        rig.pump.inject(.sensorStuck)
        let start = rig.snapshot.time
        let fault = faultOf(rig)
        #expect(fault?.code == .sensorStuck)
        #expect(fault!.at - start <= SequencerConfig().stuckWindow + rig.period * 2)
    }

    /// A whole-system stall (no tick, no new sample for longer than the window) is not a frozen
    /// sensor: the first reading after it starts a new span; readings frozen for a whole window
    /// of regular ticks after it still fault.
    @Test func aReadingAfterAStallStartsANewStuckSpan() {
        let layout = Rig.legs(2, sensing: .manifold)
        var monitor = SafetyMonitor(layout: layout, config: SequencerConfig())
        let inflating = ActuatorState(pumpOn: true, openInlets: ChamberSet(chamber: 1))
        func check(_ ms: Int, _ mmHg: Double) -> Fault? {
            monitor.check(PressureSample(manifold: mmHg),
                          SafetyMonitor.Context(now: .milliseconds(ms), output: inflating, inflating: 1, releasing: false, limits: [nil, nil]))
        }
        #expect(check(0, 10) == nil)
        #expect(check(20, 12) == nil)
        #expect(check(40, 12) == nil)
        #expect(check(440, 12) == nil)     // 400 ms later: the system stalled, not the sensor
        var fault: Fault?
        for ms in stride(from: 460, through: 800, by: 20) where fault == nil { fault = check(ms, 12) }
        #expect(fault?.code == .sensorStuck)
        #expect(fault.map { $0.at >= .milliseconds(440) + SequencerConfig().stuckWindow } == true)
    }

    @Test func aSensorStuckWhileVentingFaultsToo() throws {
        let rig = try running()
        #expect(rig.run(until: { $0.phase == .releasing }))
        rig.pump.inject(.sensorStuck)
        #expect(faultOf(rig, limit: .seconds(1))?.code == .sensorStuck)
    }

    @Test func aNoisySensorFaultsImplausible() throws {
        let rig = try running()
        rig.run(for: .seconds(3))
        rig.pump.inject(.sensorNoisy(sigma: 40))
        let code = faultOf(rig, limit: .seconds(2))?.code
        #expect(code == .sensorImplausible || code == .sensorOutOfRange || code == .aboveCap || code == .overPressure)
    }

    @Test func normalSensorNoiseNeverTrips() throws {
        var parameters = PumpPhysics.Parameters()
        parameters.sensorNoise = 1.0
        let rig = try Rig(parameters: parameters)
        try rig.sequencer.update(.pressure(150))
        try rig.sequencer.start()
        rig.run(for: .seconds(300))
        #expect(rig.snapshot.fault == nil)
    }

    // MARK: Outputs and loop

    @Test func theInterlockRefusesThePumpWithEveryInletClosed() {
        let closed = ActuatorState(pumpOn: true, openInlets: [], openExhausts: .first(4))
        #expect(SafetyMonitor.interlock(closed, at: .zero)?.code == .pumpIntoClosedSystem)
        #expect(SafetyMonitor.interlock(ActuatorState(pumpOn: true, openInlets: ChamberSet(chamber: 2)), at: .zero) == nil)
        #expect(SafetyMonitor.interlock(ActuatorState(pumpOn: false, openInlets: []), at: .zero) == nil)
    }

    @Test func anActuatorErrorFaultsAndVentsBestEffort() throws {
        let rig = try running()
        rig.run(for: .seconds(4))
        rig.pump.inject(.actuatorFailing)
        rig.step()
        #expect(rig.snapshot.fault?.code == .actuatorFailure)
        #expect(rig.pump.commanded == .vented(rig.sequencer.layout))
    }

    @Test func aStalledLoopFaults() throws {
        let rig = try running()
        rig.run(for: .seconds(4))
        rig.clock.advance(by: .milliseconds(600))
        rig.step()
        #expect(rig.snapshot.fault?.code == .loopStalled)
    }

    @Test func emergencyStopVentsAtOnceAndLatches() throws {
        let rig = try running()
        #expect(rig.run(until: { $0.phase == .inflating && $0.activeChamber == 2 }))
        rig.sequencer.emergencyStop()
        #expect(rig.pump.commanded == .vented(rig.sequencer.layout))  // no tick needed
        #expect(rig.snapshot.fault?.code == .emergencyStop && rig.snapshot.phase == .faulted)
    }

    // MARK: Latching

    @Test func aFaultLatchesUntilClearedEvenWhenTheCauseGoesAway() throws {
        let rig = try running()
        rig.run(for: .seconds(4))
        rig.pump.inject(.sensorFailing)
        rig.step()
        rig.pump.repairAll()
        rig.run(for: .seconds(60))
        #expect(rig.snapshot.fault?.code == .sensorFailure && rig.snapshot.phase == .faulted)
        #expect(rig.pump.commanded == .vented(rig.sequencer.layout))
        #expect(throws: CommandError.faultLatched(.sensorFailure)) { try rig.sequencer.start() }
        #expect(throws: CommandError.faultLatched(.sensorFailure)) { try rig.sequencer.resume() }
        try rig.sequencer.clearFault()
        #expect(rig.snapshot.phase == .idle && rig.snapshot.fault == nil)
        try rig.sequencer.start()
        rig.run(for: .seconds(30))
        #expect(rig.snapshot.fault == nil)
    }

    @Test func faultCodesAreStable() {
        #expect(FaultCode.allCases.map(\.rawValue) == Array(1...11))
        #expect(FaultCode(rawValue: 0) == nil)
    }
}

extension SimulatedPump {
    /// Leaves every valve in a non-vented state, as a crash might.
    func drive(unsafeFull layout: HardwareLayout) {
        try? drive(ActuatorState(pumpOn: true, openInlets: layout.installed))
    }
}
