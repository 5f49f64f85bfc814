import Clocks
import PumpSimulator
import Testing
@testable import Sequencer

/// The simulated pump behaves like boots: seconds to inflate, exhausts that vent, valves that
/// share air, faults that do what they say, the same noise for the same seed.
@Suite struct SimulatedPumpTests {
    func pump(_ layout: HardwareLayout = Rig.legs(4), seed: UInt64 = 7) -> (ManualClock, SimulatedPump) {
        let clock = ManualClock()
        return (clock, SimulatedPump(layout: layout, seed: seed, clock: clock))
    }

    func timeToReach(_ mmHg: Double, chamber: Int, _ clock: ManualClock, _ pump: SimulatedPump) -> Duration? {
        for n in 1...3000 {
            clock.advance(by: .milliseconds(10))
            if pump.chamberPressures[chamber - 1] >= mmHg { return .milliseconds(10 * n) }
        }
        return nil
    }

    @Test func inflatingAChamberTo100mmHgTakesSecondsAndVentingLessThanThat() throws {
        let (clock, pump) = pump()
        try pump.drive(ActuatorState(pumpOn: true, openInlets: ChamberSet(chamber: 1)))
        let fill = try #require(timeToReach(100, chamber: 1, clock, pump))
        #expect(fill > .seconds(1) && fill < .seconds(5), "fill \(fill)")
        try pump.drive(.vented(pump.layout))
        clock.advance(by: .seconds(3))
        #expect(pump.chamberPressures[0] < 2)
        #expect(pump.chamberPressures[1...].allSatisfy { $0 == 0 })
    }

    @Test func aClosedChamberHoldsItsPressureAndOpenInletsShareAir() throws {
        let (clock, pump) = pump(Rig.legs(2, exhaust: .commonManifold))
        try pump.drive(ActuatorState(pumpOn: true, openInlets: ChamberSet(chamber: 1)))
        _ = timeToReach(100, chamber: 1, clock, pump)
        try pump.drive(ActuatorState(pumpOn: false, openInlets: []))
        clock.advance(by: .seconds(10))
        #expect(pump.chamberPressures[0] > 97)
        try pump.drive(ActuatorState(pumpOn: false, openInlets: .first(2)))
        #expect(abs(pump.chamberPressures[0] - pump.chamberPressures[1]) < 0.01)
        #expect(abs(pump.chamberPressures[0] - 50) < 2)
    }

    @Test func thePumpStallsAgainstAClosedManifold() throws {
        let (clock, pump) = pump(Rig.legs(2, sensing: .manifold))
        try pump.drive(ActuatorState(pumpOn: true, openInlets: []))
        clock.advance(by: .seconds(5))
        #expect(pump.manifoldPressure > 390 && pump.manifoldPressure <= 400)
        #expect(pump.chamberPressures.allSatisfy { $0 == 0 })
        #expect(try pump.readPressure().manifold! > 380)
    }

    @Test func sensingFollowsTheLayout() throws {
        let (_, none) = pump(Rig.legs(3, sensing: .none))
        #expect(try none.readPressure() == PressureSample())
        let (_, manifold) = pump(Rig.legs(3, sensing: .manifold))
        let m = try manifold.readPressure()
        #expect(m.manifold != nil && m.chambers.isEmpty)
        let (_, each) = pump(Rig.legs(3, sensing: .perChamber))
        let e = try each.readPressure()
        #expect(e.manifold == nil && e.chambers.count == 3 && e.chambers.allSatisfy { $0 != nil })
    }

    @Test func theSameSeedGivesTheSameReadings() throws {
        func readings(seed: UInt64) throws -> [Double?] {
            let (clock, pump) = pump(seed: seed)
            try pump.drive(ActuatorState(pumpOn: true, openInlets: ChamberSet(chamber: 2)))
            return try (0..<50).flatMap { _ in
                clock.advance(by: .milliseconds(20))
                return try pump.readPressure().chambers
            }
        }
        #expect(try readings(seed: 3) == readings(seed: 3))
        #expect(try readings(seed: 3) != readings(seed: 4))
    }

    @Test func injectedFaultsDoWhatTheySay() throws {
        let (clock, pump) = pump()
        pump.inject(.pumpRunsOn)
        pump.inject(.inletStuck(chamber: 3, open: true))
        try pump.drive(ActuatorState(pumpOn: false, openInlets: []))
        #expect(pump.effectiveOutputs.pumpOn && pump.effectiveOutputs.openInlets == ChamberSet(chamber: 3))
        pump.inject(.inletStuck(chamber: 3, open: false))  // replaces the stuck-open fault
        #expect(pump.faults == [.pumpRunsOn, .inletStuck(chamber: 3, open: false)])
        pump.repairAll()
        pump.inject(.hoseOff(chamber: 1))
        try pump.drive(ActuatorState(pumpOn: true, openInlets: ChamberSet(chamber: 1)))
        #expect(timeToReach(20, chamber: 1, clock, pump) == nil)
        pump.inject(.sensorFailing)
        #expect(throws: HardwareError.self) { try pump.readPressure() }
        pump.inject(.sensorOutOfRange(reading: 400))  // sensor faults replace each other
        #expect(try pump.readPressure().chambers.allSatisfy { $0 == 400 })
        pump.inject(.sensorStuck)
        let frozen = try pump.readPressure()
        clock.advance(by: .seconds(1))
        #expect(try pump.readPressure() == frozen)
        pump.inject(.actuatorFailing)
        #expect(throws: HardwareError.self) { try pump.drive(.vented(pump.layout)) }
        #expect(pump.commanded == .vented(pump.layout))  // applied what it could
    }

    @Test func aTestClockDrivesThePhysics() async throws {
        let clock = TestClock()
        let pump = SimulatedPump(layout: Rig.legs(1), clock: clock)
        try pump.drive(ActuatorState(pumpOn: true, openInlets: ChamberSet(chamber: 1)))
        #expect(pump.chamberPressures[0] == 0)
        await clock.advance(by: .seconds(2))
        #expect(pump.chamberPressures[0] > 80 && pump.chamberPressures[0] < 120)
    }
}
