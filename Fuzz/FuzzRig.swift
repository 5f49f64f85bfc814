import BootsProtocol
import PumpSimulator
import Sequencer
import Synchronization

/// The boots a fuzz input runs on (bits 6-7 of the selector byte).
struct BootsVariant: Sendable {
    var layout: HardwareLayout
    var cap: Int

    static let all: [BootsVariant] = [
        // The contract vectors' boots: 6 chambers, a sensor and an exhaust per chamber, cap 200.
        BootsVariant(layout: HardwareLayout(installedChambers: 6, exhaust: .perChamber, sensing: .perChamber), cap: 200),
        // The largest: 12 chambers on a common manifold with one manifold sensor, the absolute cap.
        BootsVariant(layout: HardwareLayout(installedChambers: 12, exhaust: .commonManifold, sensing: .manifold),
                     cap: SequencerConfig.absoluteCap),
        // No sensor (open loop), 3 chambers.
        BootsVariant(layout: HardwareLayout(installedChambers: 3, exhaust: .perChamber, sensing: .none), cap: 120),
        // A low cap the simulated pump reaches within the ticks after the write.
        BootsVariant(layout: HardwareLayout(installedChambers: 8, exhaust: .commonManifold, sensing: .perChamber), cap: 60),
    ]
}

/// Where the sequencer is when the write arrives (bits 4-5 of the selector byte).
enum StartState: Int, CaseIterable, Sendable {
    case idle, running, paused, faulted
}

/// One fuzz input, decoded. Byte 0 is the selector:
/// - bits 0-3: the characteristic written, and the offset (`FuzzCase.targets`);
/// - bits 4-5: the sequencer's state (`StartState`);
/// - bits 6-7: the boots (`BootsVariant.all`).
/// The remaining bytes are the value written.
struct FuzzCase: Sendable {
    var characteristic: CharacteristicID
    var offset: Int
    var state: StartState
    var variant: BootsVariant
    var value: [UInt8]

    /// Indexed by the selector's low nibble: every characteristic at offset 0 (the writable ones,
    /// then the read-only ones, whose writes must be refused), then the writable ones at a
    /// non-zero offset (refused: every value fits one PDU), then the control point once more.
    static let targets: [(CharacteristicID, offset: Int)] = [
        (.pressure, 0), (.chambers, 0), (.timer, 0), (.controlPoint, 0),
        (.liveState, 0), (.program, 0), (.manufacturer, 0), (.model, 0), (.serial, 0), (.firmware, 0), (.software, 0),
        (.pressure, 1), (.chambers, 1), (.timer, 2), (.controlPoint, 1),
        (.controlPoint, 0),
    ]

    init?(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return nil }
        (characteristic, offset) = FuzzCase.targets[Int(selector & 0x0F)]
        state = StartState(rawValue: Int(selector >> 4) & 0x03)!
        variant = BootsVariant.all[Int(selector >> 6)]
        value = Array(bytes.dropFirst())
    }
}

/// A real `InflationSequencer` on a `SimulatedPump`, both on one `ManualClock`, with the profile
/// over it: the same objects the daemon wires, with time in the fuzzer's hands.
struct FuzzRig {
    let clock = ManualClock()
    let pump: SimulatedPump
    let sequencer: InflationSequencer
    let profile: ProfileHandler
    let cap: Int

    init(_ variant: BootsVariant) {
        var config = SequencerConfig()
        config.pressureCap = variant.cap
        cap = variant.cap
        pump = SimulatedPump(layout: variant.layout, clock: clock)
        do {
            sequencer = try InflationSequencer(hardware: pump, config: config, clock: clock)
        } catch {
            fatalError("fuzz rig: configuration refused: \(error)")
        }
        profile = ProfileHandler(sequencer: sequencer, deviceInformation: DeviceInformation(
            serial: "00AA01000023", firmware: "6.1.0-fuzz", software: "0.1.0"))
    }

    /// Ticks through a start-up vent in long steps (every chamber is open to the air, so 400 ms
    /// steps, under the 500 ms loop-stall limit, lose nothing: 5 ticks for the 2 s), then `ticks`
    /// ticks of `period`, calling `check` after each of those. The period is short enough that a
    /// chamber overshoots its target by a few mmHg at most.
    func run(ticks: Int, period: Duration, check: () -> Void = {}) {
        for _ in 0..<10 where sequencer.snapshot.phase == .venting {
            clock.advance(by: .milliseconds(400))
            sequencer.tick()
        }
        for _ in 0..<ticks {
            clock.advance(by: period)
            sequencer.tick()
            check()
        }
    }

    /// Brings a fresh sequencer to `state`: a session started and inflating for a moment; that
    /// session paused; or an emergency stop latched during it.
    func prepare(_ state: StartState) {
        guard state != .idle else { return }
        do {
            try sequencer.start()
        } catch {
            fatalError("fuzz rig: a fresh sequencer refused start: \(error)")
        }
        run(ticks: 2, period: .milliseconds(100))
        let phase = sequencer.snapshot.phase
        guard phase == .inflating else { fatalError("fuzz rig: not inflating after start (\(phase))") }
        switch state {
        case .idle, .running: break
        case .paused:
            do { try sequencer.pause() } catch { fatalError("fuzz rig: pause refused while inflating: \(error)") }
        case .faulted: sequencer.emergencyStop()
        }
    }
}
