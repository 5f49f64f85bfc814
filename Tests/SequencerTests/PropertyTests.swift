import PropertyBased
import PumpSimulator
import Testing
@testable import Sequencer

/// Random interleavings of ticks, commands, parameter writes and injected faults on random
/// builds, checking after every step:
/// - the true (simulated) chamber pressure never exceeds cap + 10 mmHg;
/// - a latched fault has vented, at the latest in the tick that raised it;
/// - the pump never runs with every inlet closed;
/// - a rejected write or command changes nothing;
/// - a session never outlives its duration.
@Suite struct PropertyTests {
    /// One step of a scenario, decoded from a random integer (so shrinking works on integers).
    enum Step: CustomStringConvertible {
        case ticks(Int)
        case start, pause, resume, stop, emergencyStop, clearFault
        case write(SettingsChange)
        case inject(SimulatedFault)
        case repairAll

        init(_ code: Int, installed: Int, openLoop: Bool) {
            let kind = code % 20
            let r = code / 20
            switch kind {
            case 0...5: self = .ticks(r % 5 == 0 ? 1 + r % 1500 : 1 + r % 400)  // some long enough for a fill timeout
            case 6: self = .start
            case 7: self = .pause
            case 8: self = .resume
            case 9: self = .stop
            case 10: self = r % 8 == 0 ? .emergencyStop : .ticks(1 + r % 50)
            case 11, 12: self = .clearFault
            case 13: self = .write(.pressure(r % 300))
            case 14: self = .write(.activeChambers(ChamberSet(rawValue: UInt16(r % 4096))))
            case 15: self = .write(.program(Step.program(r, installed: installed)))
            case 16: self = .write(.duration(.seconds(r % 4000)))
            default: self = r % 10 == 0 ? .repairAll : .inject(Step.fault(r / 10, installed: installed, openLoop: openLoop))
            }
        }

        static func program(_ r: Int, installed: Int) -> Program {
            let kinds: [ProgramKind] = [
                .sequentialWave, .gradient(stepPercent: r % 35),
                .zoneBoost(zones: ChamberSet(rawValue: UInt16((r / 7) % 4096)), boost: (r / 3) % 35),
            ]
            return Program(
                kind: kinds[r % 3], hold: .seconds((r / 11) % 130), release: .milliseconds((r / 13) % 15_000),
                rest: .seconds((r / 17) % 20),
                warmUp: r % 4 == 0 ? WarmUp(cycles: (r / 19) % 12, startPercent: (r / 23) % 100) : nil)
        }

        static func fault(_ r: Int, installed: Int, openLoop: Bool) -> SimulatedFault {
            let chamber = 1 + r % installed
            let open = (r / 16) % 2 == 0
            let faults: [SimulatedFault] = [
                .leak(chamber: chamber), .hoseOff(chamber: chamber), .inletStuck(chamber: chamber, open: open),
                .exhaustStuck(chamber: chamber, open: open), .manifoldExhaustStuck(open: open), .sensorStuck,
                .sensorOutOfRange(reading: open ? -40 : 400), .sensorNoisy(sigma: Double(5 + (r / 32) % 40)),
                .sensorFailing, .pumpRunsOn, .actuatorFailing,
            ]
            return faults[(r / 2) % faults.count]
        }

        var description: String {
            switch self {
            case .ticks(let n): "ticks(\(n))"
            case .write(let change): "write(\(change))"
            case .inject(let fault): "inject(\(fault))"
            case .start: "start"
            case .pause: "pause"
            case .resume: "resume"
            case .stop: "stop"
            case .emergencyStop: "emergencyStop"
            case .clearFault: "clearFault"
            case .repairAll: "repairAll"
            }
        }
    }

    static let builds: [(HardwareLayout, cap: Int)] = [
        (Rig.legs(4, exhaust: .perChamber, sensing: .perChamber), 150),
        (Rig.legs(8, exhaust: .commonManifold, sensing: .manifold), 200),
        (Rig.legs(6, exhaust: .perChamber, sensing: .manifold), 250),
        (Rig.legs(3, exhaust: .commonManifold, sensing: .perChamber), 120),
        (Rig.legs(12, exhaust: .commonManifold, sensing: .none), 150),
        (Rig.legs(5, exhaust: .perChamber, sensing: .none), 100),
    ]

    /// Some fault combinations leave no way for air out, or cannot be seen at all:
    /// - a pump that runs on while a vent is stuck shut (only a mechanical relief valve helps);
    /// - without a sensor (open loop), any fault that adds air: a pump that runs on, a vent stuck
    ///   shut (the next timed fill adds to what stayed in), an inlet stuck open.
    /// The sequencer cannot keep the cap against those; the scenarios leave them out.
    static func physicallyBounded(_ fault: SimulatedFault, with present: Set<SimulatedFault>, openLoop: Bool) -> Bool {
        func ventStuckShut(_ f: SimulatedFault) -> Bool {
            switch f {
            case .exhaustStuck(_, false), .manifoldExhaustStuck(false): true
            default: false
            }
        }
        if openLoop {
            switch fault {
            case .pumpRunsOn, .inletStuck(_, true): return false
            default: if ventStuckShut(fault) { return false }
            }
        }
        if fault == .pumpRunsOn && present.contains(where: ventStuckShut) { return false }
        if ventStuckShut(fault) && present.contains(.pumpRunsOn) { return false }
        return true
    }

    @Test func invariantsHoldUnderRandomInterleavings() async throws {
        await propertyCheck(count: 100, input: Gen.int(in: 0...(PropertyTests.builds.count - 1)),
                            Gen.int(in: 0...Int(Int32.max)).array(of: 1...30), Gen.uint64()) { build, codes, seed in
            let (layout, cap) = PropertyTests.builds[build]
            try! PropertyTests.check(layout: layout, cap: cap, codes: codes, seed: seed)
        }
    }

    static func check(layout: HardwareLayout, cap: Int, codes: [Int], seed: UInt64) throws {
        var config = SequencerConfig()
        config.pressureCap = cap
        let rig = try Rig(layout: layout, config: config, seed: seed)
        let sequencer = rig.sequencer
        let openLoop = layout.sensing == .none
        let vented = ActuatorState.vented(layout)
        try sequencer.start()
        var longest = sequencer.snapshot.settings.duration  // longest duration in force this session
        var runningTicks = 0  // ticks spent running this session, counted independently of the timer

        func checkTick(_ context: @autoclosure () -> String) {
            let s = sequencer.snapshot
            #expect(rig.pump.peakChamberPressure <= Double(cap) + 10, "peak \(rig.pump.peakChamberPressure) \(context())")
            if s.fault != nil {
                #expect(s.output == vented && rig.pump.commanded == vented, "fault not vented \(context())")
            }
            #expect(!(s.output.pumpOn && s.output.openInlets.isEmpty), "closed system \(context())")
            #expect(s.elapsed <= s.settings.duration, "elapsed \(s.elapsed) \(context())")
            if s.phase != .idle && s.phase != .paused && s.phase != .faulted {
                runningTicks += 1
                #expect(s.elapsed < s.settings.duration, "running at its end \(context())")
            }
            #expect(rig.period * runningTicks <= longest, "outlived \(context())")
        }

        for (index, code) in codes.enumerated() {
            let step = Step(code, installed: layout.installedChambers, openLoop: openLoop)
            let context = { "step \(index) \(step) in \(codes.prefix(index + 1).map { Step($0, installed: layout.installedChambers, openLoop: openLoop) })" }
            let before = sequencer.snapshot
            switch step {
            case .ticks(let n):
                for _ in 0..<n {
                    rig.step()
                    checkTick(context())
                }
            case .write(let change):
                do {
                    try sequencer.update(change)
                    if case .duration(let d) = change { longest = max(longest, d) }
                } catch {
                    #expect(sequencer.snapshot == before, "rejected write changed state \(context())")
                }
            case .inject(let fault):
                if physicallyBounded(fault, with: rig.pump.faults, openLoop: openLoop) { rig.pump.inject(fault) }
            case .repairAll:
                rig.pump.repairAll()
            case .emergencyStop:
                sequencer.emergencyStop()
                #expect(rig.pump.commanded == vented, "emergency stop not vented \(context())")
            case .start, .pause, .resume, .stop, .clearFault:
                do {
                    switch step {
                    case .start:
                        try sequencer.start()
                        longest = sequencer.snapshot.settings.duration
                        runningTicks = 0
                    case .pause: try sequencer.pause()
                    case .resume: try sequencer.resume()
                    case .stop: try sequencer.stop()
                    default: try sequencer.clearFault()
                    }
                    if case .pause = step { #expect(rig.pump.commanded == vented, "pause not vented \(context())") }
                } catch {
                    #expect(sequencer.snapshot == before, "refused command changed state \(context())")
                }
            }
        }
    }
}
