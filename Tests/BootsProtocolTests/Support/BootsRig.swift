import BootsProtocol
import Clocks
import PumpSimulator
import Sequencer

/// A real sequencer on a simulated pump, both on swift-clocks' `TestClock`, with the profile
/// over it. Time moves only when a test steps it, so two snapshots without a step are equal.
struct BootsRig {
    let clock = TestClock<Duration>()
    let pump: SimulatedPump
    let sequencer: InflationSequencer
    let profile: ProfileHandler

    init(cap: Int = 200, installed: Int = 6, sensing: PressureSensing = .perChamber,
         exhaust: ExhaustLayout = .perChamber, config: SequencerConfig = SequencerConfig()) throws {
        var config = config
        config.pressureCap = cap
        let layout = HardwareLayout(installedChambers: installed, exhaust: exhaust, sensing: sensing)
        pump = SimulatedPump(layout: layout, clock: clock)
        sequencer = try InflationSequencer(hardware: pump, config: config, clock: clock)
        profile = ProfileHandler(sequencer: sequencer, deviceInformation: DeviceInformation(
            serial: "00AA01000023", firmware: "6.1.0-test", software: "0.1.0"))
    }

    /// A contract vector's "state": "idle", "running" (a session started) or "faulted" (an
    /// emergency stop latched).
    init(state: String, cap: Int = 200, installed: Int = 6) throws {
        try self.init(cap: cap, installed: installed)
        switch state {
        case "idle": break
        case "running": try sequencer.start()
        case "faulted": sequencer.emergencyStop()
        default: throw ContractError("unknown state \(state)")
        }
    }

    var snapshot: SequencerSnapshot { sequencer.snapshot }

    /// Advances one control period and ticks, `count` times.
    func step(_ count: Int = 1) async {
        for _ in 0..<count {
            await clock.advance(by: sequencer.config.tickPeriod)
            sequencer.tick()
        }
    }

    /// Ticks until `condition` holds; fails (returns false) after `limit` of clock time.
    @discardableResult
    func step(until condition: (SequencerSnapshot) -> Bool, limit: Duration = .seconds(120)) async -> Bool {
        for _ in 0..<Int(limit / sequencer.config.tickPeriod) {
            await step()
            if condition(snapshot) { return true }
        }
        return false
    }

    func read(_ characteristic: CharacteristicID) throws -> [UInt8] {
        try profile.read(characteristic).get()
    }
}
