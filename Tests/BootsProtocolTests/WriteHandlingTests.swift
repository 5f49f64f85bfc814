import BootsProtocol
import Sequencer
import Testing

/// Writes through `ProfileHandler`: validation against the live state, refusals that change
/// nothing, the control point's command cycle, and the rules the contract's vectors do not reach.
@Suite struct WriteHandlingTests {
    /// Every read value of the profile, to compare before and after a refused write.
    func readAll(_ rig: BootsRig) throws -> [CharacteristicID: [UInt8]] {
        var values: [CharacteristicID: [UInt8]] = [:]
        for id in CharacteristicID.allCases where ProfileCatalog.presso.characteristic(id).has(.read) {
            values[id] = try rig.read(id)
        }
        return values
    }

    static let invalidWrites: [(CharacteristicID, [UInt8], UInt8)] = [
        (.pressure, [0x2C, 0x01], 0x80), (.pressure, [0xDC, 0x00], 0x81), (.pressure, [0x13, 0x00], 0x80),
        (.pressure, [0x78], 0x0D), (.pressure, [], 0x0D),
        (.chambers, [0x07], 0x80), (.chambers, [0x00], 0x80), (.chambers, [0x40, 0x00], 0x82),
        (.chambers, [0x00, 0x00], 0x83), (.chambers, [0x01, 0x10], 0x85), (.chambers, [0x04, 0x00, 0x00], 0x0D),
        (.timer, [0x3B, 0x00], 0x80), (.timer, [0x11, 0x0E], 0x80), (.timer, [0x08], 0x0D),
        (.controlPoint, [], 0x0D), (.controlPoint, [UInt8](repeating: 0x07, count: 21), 0x0D),
    ]

    @Test(arguments: ["idle", "running", "faulted"])
    func aRefusedWriteChangesNothing(state: String) async throws {
        let rig = try BootsRig(state: state)
        await rig.step(150)  // running: well into the first inflation
        let before = rig.snapshot
        let values = try readAll(rig)
        for (id, bytes, code) in WriteHandlingTests.invalidWrites {
            #expect(rig.profile.write(id, bytes).attCode == code, "\(id) \(hex(bytes))")
            #expect(rig.snapshot == before, "\(id) \(hex(bytes))")
        }
        #expect(try readAll(rig) == values)
    }

    @Test func aRefusedCommandChangesNothing() throws {
        let rig = try BootsRig(state: "faulted")
        let before = rig.snapshot
        for opcode: UInt8 in [0x01, 0x02, 0x03, 0x04, 0x09, 0xFF] {
            guard case .success(.indicate(let response)) = rig.profile.write(.controlPoint, [opcode]) else {
                Issue.record("no indication for 0x\(String(opcode, radix: 16))")
                continue
            }
            #expect(response.result != .success)
            #expect(rig.snapshot == before)
        }
    }

    @Test func offsetsAreRefused() throws {
        let rig = try BootsRig()
        #expect(rig.profile.read(.pressure, offset: 1) == .failure(.invalidOffset))
        #expect(rig.profile.write(.pressure, [0x78, 0x00], offset: 2).attCode == 0x07)
        #expect(rig.profile.readDescriptor(BluetoothUUID(short: 0x2901), of: .pressure, offset: 1) == .failure(.invalidOffset))
        #expect(try rig.read(.pressure) == [0x3C, 0x00], "unchanged: the default 60 mmHg")
    }

    @Test func onlyWritableCharacteristicsTakeWritesAndOnlyReadableOnesReads() throws {
        let rig = try BootsRig()
        for id in [CharacteristicID.liveState, .program, .manufacturer, .serial] {
            #expect(rig.profile.write(id, [0x00]) == .failure(.writeNotPermitted), "\(id)")
        }
        #expect(rig.profile.read(.controlPoint) == .failure(.readNotPermitted))
        #expect(WriteValidation.settingsChange(for: .liveState, bytes: [0], in: rig.sequencer.context)
                == .failure(.writeNotPermitted))
    }

    @Test func shorteningTheSessionToTheTimeRunIsRefused() async throws {
        var config = SequencerConfig()
        config.minimumDuration = .seconds(10)  // the demo's rule, so a test need not run a minute
        let rig = try BootsRig(config: config)
        #expect(rig.profile.write(.timer, [60, 0]) == .success(.applied(.duration(.seconds(60)))))
        #expect(ControlPoint.handle([0x01], sequencer: rig.sequencer) == .success(.success(.start)))
        #expect(await rig.step(until: { $0.elapsed >= .seconds(11) }))
        let before = rig.snapshot
        #expect(rig.profile.write(.timer, [11, 0]).attCode == 0x84)
        #expect(rig.profile.write(.timer, [10, 0]).attCode == 0x84)
        #expect(rig.snapshot == before)
        #expect(rig.profile.write(.timer, [12, 0]) == .success(.applied(.duration(.seconds(12)))))
        #expect(Array(try rig.read(.timer).prefix(4)) == [12, 0, 11, 0])
    }

    /// A chamber write can raise a derived target above the cap: a zone boost on a chamber not
    /// yet in use.
    @Test func enablingABoostedChamberAboveTheCapIsAboveCap() throws {
        let rig = try BootsRig(cap: 200, installed: 6)
        #expect(rig.profile.write(.pressure, [195, 0]) == .success(.applied(.pressure(195))))
        #expect(rig.profile.write(.chambers, [2]) == .success(.applied(.activeChambers(.first(2)))))
        let zoneBoost: [UInt8] = [0x07, 0x02, 10, 0, 8, 0, 4, 0, 10, 0x04, 0x00, 0, 0]  // zones {3}, +10
        #expect(ControlPoint.handle(zoneBoost, sequencer: rig.sequencer) == .success(.success(.selectProgram)))
        let before = rig.snapshot
        #expect(rig.profile.write(.chambers, [3]).attCode == 0x81)
        #expect(rig.snapshot == before)
    }

    @Test(arguments: [
        // kind 3 does not exist; zones with bit 12; sequential wave with a parameter; zones outside
        // zone boost; warm-up start without cycles; empty zones; chamber 7 of 6; hold 121 s;
        // release 0; 11 warm-up cycles; warm-up start 10 %; +20 mmHg above a 190 mmHg set pressure.
        ([0x03, 10, 0, 8, 0, 4, 0, 0, 0, 0, 0, 0], 0x85), ([0x02, 10, 0, 8, 0, 4, 0, 10, 0x01, 0x10, 0, 0], 0x85),
        ([0x00, 10, 0, 8, 0, 4, 0, 5, 0, 0, 0, 0], 0x80), ([0x01, 10, 0, 8, 0, 4, 0, 10, 0x01, 0, 0, 0], 0x80),
        ([0x00, 10, 0, 8, 0, 4, 0, 0, 0, 0, 0, 50], 0x80), ([0x02, 10, 0, 8, 0, 4, 0, 10, 0, 0, 0, 0], 0x83),
        ([0x02, 10, 0, 8, 0, 4, 0, 10, 0x40, 0, 0, 0], 0x82), ([0x00, 121, 0, 8, 0, 4, 0, 0, 0, 0, 0, 0], 0x80),
        ([0x00, 10, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0], 0x80), ([0x00, 10, 0, 8, 0, 4, 0, 0, 0, 0, 11, 50], 0x80),
        ([0x00, 10, 0, 8, 0, 4, 0, 0, 0, 0, 3, 10], 0x80), ([0x02, 10, 0, 8, 0, 4, 0, 20, 0x01, 0, 0, 0], 0x81),
    ] as [([UInt8], UInt8)])
    func selectProgramRefusesABadProgramWithItsReason(parameters: [UInt8], reason: UInt8) throws {
        let rig = try BootsRig(cap: 200, installed: 6)
        #expect(rig.profile.write(.pressure, [190, 0]) == .success(.applied(.pressure(190))))
        let before = rig.snapshot
        let program = try rig.read(.program)
        #expect(ControlPoint.handle([0x07] + parameters, sequencer: rig.sequencer)
                == .success(ControlPointResponse(opcode: 0x07, result: .invalidParameter, reason: reason)))
        #expect(rig.snapshot == before)
        #expect(try rig.read(.program) == program)
    }

    @Test func theControlPointRunsASessionThroughEveryCommand() async throws {
        let rig = try BootsRig()
        func send(_ opcode: ControlPointOpcode) -> [UInt8]? {
            guard case .success(.indicate(let response)) = rig.profile.write(.controlPoint, [opcode.rawValue]) else { return nil }
            return response.bytes
        }
        #expect(send(.start) == [0x80, 0x01, 0x01])
        #expect(rig.snapshot.phase == .venting)
        await rig.step(150)
        #expect(send(.resume) == [0x80, 0x03, 0x04, 0x87])
        #expect(send(.pause) == [0x80, 0x02, 0x01])
        #expect(rig.snapshot.phase == .paused)
        #expect(send(.resume) == [0x80, 0x03, 0x01])
        #expect(send(.stop) == [0x80, 0x04, 0x01])
        #expect(rig.snapshot.phase == .idle)
        #expect(send(.emergencyStop) == [0x80, 0x05, 0x01])
        #expect(rig.snapshot.fault?.code == .emergencyStop)
        #expect(send(.emergencyStop) == [0x80, 0x05, 0x01], "always accepted")
        #expect(send(.clearFault) == [0x80, 0x06, 0x01])
        #expect(rig.snapshot.phase == .idle && rig.snapshot.fault == nil)
    }

    /// While a session runs, a settings write is accepted at once and read back at once; the
    /// wave (Live State) takes it up at the next cycle, and flag bit 3 says so meanwhile.
    @Test func aChangeDuringASessionReadsBackAtOnceAndIsPendingInLiveState() async throws {
        let rig = try BootsRig()
        try rig.sequencer.start()
        #expect(await rig.step(until: { $0.phase == .inflating }))
        #expect(rig.profile.write(.pressure, [80, 0]) == .success(.applied(.pressure(80))))
        #expect(try rig.read(.pressure) == [80, 0])
        var live = LiveState(rig.snapshot)
        #expect(live.flags == 0b1001)
        #expect(live.target == 60, "this cycle still runs at 60 mmHg")
        #expect(await rig.step(until: { $0.cycle == 2 && $0.phase == .inflating }, limit: .seconds(180)))
        live = LiveState(rig.snapshot)
        #expect(live.flags == 0b0001)
        #expect(live.target == 80)
    }
}
