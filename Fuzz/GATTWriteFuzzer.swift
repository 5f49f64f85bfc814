import BootsProtocol
import PumpSimulator
import Sequencer

/// libFuzzer's entry: one GATT write per input (see `FuzzCase` for the input's layout). Every
/// broken invariant traps with a message, which libFuzzer reports as a crash and saves.
@_cdecl("LLVMFuzzerTestOneInput")
public func gattWriteFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    guard let fuzzCase = FuzzCase(Array(UnsafeBufferPointer(start: data, count: size))) else { return 0 }
    GATTWriteFuzzer(fuzzCase).run()
    return 0
}

/// Fails the input: libFuzzer catches the trap, prints the message and saves the input.
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant broken: \(message())") }
}

/// Runs one write through `ProfileHandler` over a real sequencer and checks what the contract and
/// the safety rules promise, whatever the bytes.
struct GATTWriteFuzzer {
    let fuzzCase: FuzzCase
    let rig: FuzzRig

    init(_ fuzzCase: FuzzCase) {
        self.fuzzCase = fuzzCase
        rig = FuzzRig(fuzzCase.variant)
    }

    var catalog: ProfileCatalog { rig.profile.catalog }
    var layout: HardwareLayout { rig.sequencer.layout }
    var config: SequencerConfig { rig.sequencer.config }
    var what: String { "\(fuzzCase.characteristic)@\(fuzzCase.offset) \(fuzzCase.state) \(hex(fuzzCase.value))" }

    func run() {
        rig.prepare(fuzzCase.state)
        // Every value read is a function of the snapshot (and the fixed layout and configuration),
        // so an equal snapshot afterwards means nothing a central can see has changed.
        let before = rig.sequencer.snapshot
        let result = rig.profile.write(fuzzCase.characteristic, fuzzCase.value, offset: fuzzCase.offset)
        let readsAfter = readAll(CharacteristicID.allCases)
        checkRefusalsAtTheDoor(result)
        switch result {
        case .failure(let error):
            require(error.attCode != 0x02 && error.attCode != 0x86 && error.attCode != 0x87,
                    "\(what): a write refused with \(error) (0x\(String(error.attCode, radix: 16)))")
            unchanged(before, "refused with \(error)")
        case .success(.applied(let change)):
            checkApplied(change, before: before, reads: readsAfter)
        case .success(.indicate(let response)):
            checkIndication(response, before: before, reads: readsAfter)
        }
        checkDescriptors()
        let accepted = switch result {
        case .success(.applied): true
        case .success(.indicate(let response)): response.result == .success
        case .failure: false
        }
        // A refusal was shown above to have changed nothing: running on would only test the
        // starting state again.
        if accepted { tickAndWatchPressure() }
    }

    // MARK: Invariants

    /// Writes the characteristic never takes are refused before any decoding.
    func checkRefusalsAtTheDoor(_ result: Result<WriteOutcome, GATTResponseError>) {
        let definition = catalog.characteristic(fuzzCase.characteristic)
        if !definition.has(.write) {
            require(result == .failure(.writeNotPermitted), "\(what): a read-only characteristic answered \(result)")
        } else if fuzzCase.offset != 0 {
            require(result == .failure(.invalidOffset), "\(what): a write at an offset answered \(result)")
        } else if fuzzCase.characteristic == .controlPoint,
                  fuzzCase.value.isEmpty || fuzzCase.value.count > ControlPoint.maximumLength {
            require(result == .failure(.invalidValueLength), "\(what): a control point write of that length answered \(result)")
        }
    }

    /// A refusal (an ATT error, or an indication other than success) changes nothing at all.
    func unchanged(_ before: SequencerSnapshot, _ why: String) {
        let after = rig.sequencer.snapshot
        require(after.settings == before.settings, "\(what) \(why): settings changed \(before.settings) → \(after.settings)")
        require(after.pendingSettings == before.pendingSettings, "\(what) \(why): pending settings changed")
        require(after.phase == before.phase, "\(what) \(why): phase \(before.phase) → \(after.phase)")
        require(after.fault == before.fault, "\(what) \(why): fault \(String(describing: before.fault)) → \(String(describing: after.fault))")
        require(after == before, "\(what) \(why): the snapshot changed")
    }

    /// An accepted settings write: the settings read from now on are valid (pressure within the
    /// cap), hold exactly the value written and nothing else changed; mid-session the cycle that
    /// runs keeps its settings (the change waits for the next cycle, duration aside).
    func checkApplied(_ change: SettingsChange, before: SequencerSnapshot, reads: [CharacteristicID: [UInt8]]) {
        let after = rig.sequencer.snapshot
        let requested = after.pendingSettings ?? after.settings
        let requestedBefore = before.pendingSettings ?? before.settings
        do {
            try requested.validate(layout: layout, config: config)
        } catch {
            require(false, "\(what): accepted settings are invalid: \(error)")
        }
        require(requested.pressure <= rig.cap, "\(what): pressure \(requested.pressure) above the cap \(rig.cap)")
        require(Int(requested.program.peakTarget(pressure: requested.pressure, active: requested.activeChambers).rounded(.up)) <= rig.cap,
                "\(what): a chamber target above the cap")
        require(after.phase == before.phase && after.fault == before.fault, "\(what): a settings write changed the phase or fault")
        // What the characteristic reads back, checked against the bytes written (not the decoded
        // change): the same value for Pressure and the duration; the mask for Chamber Count.
        let readBack = reads[fuzzCase.characteristic] ?? []
        let written = fuzzCase.value
        var expected = requestedBefore
        switch (fuzzCase.characteristic, change) {
        case (.pressure, .pressure(let pressure)):
            expected.pressure = pressure
            require(readBack == written, "\(what): pressure reads \(hex(readBack))")
        case (.chambers, .activeChambers(let chambers)):
            expected.activeChambers = chambers
            let mask: [UInt8] = written.count == 1 ? wireMask(ChamberSet.first(Int(written[0]))) : written
            require(readBack.count == 4 && Array(readBack[2...]) == mask
                        && Int(readBack[0]) == chambers.chambers.count && Int(readBack[1]) == layout.installedChambers,
                    "\(what): chamber count reads \(hex(readBack))")
        case (.timer, .duration(let duration)):
            expected.duration = duration
            require(Array(readBack.prefix(2)) == written, "\(what): session timer reads \(hex(readBack))")
        default:
            require(false, "\(what): accepted as \(change)")
        }
        require(requested == expected, "\(what): settings \(requested), expected \(expected)")
        if before.phase != .idle && before.phase != .faulted {
            var inForce = after.settings
            inForce.duration = before.settings.duration
            require(inForce == before.settings, "\(what): a change applied in the middle of a cycle")
        }
    }

    /// Every indication is `[0x80, opcode as written, result]` plus a reason byte exactly when
    /// the command failed; a failed command changes nothing; a successful one does what it says.
    func checkIndication(_ response: ControlPointResponse, before: SequencerSnapshot, reads: [CharacteristicID: [UInt8]]) {
        require(fuzzCase.characteristic == .controlPoint, "\(what): an indication for a settings write")
        let bytes = response.bytes
        let opcode = fuzzCase.value[0]
        require(bytes.count == 3 || bytes.count == 4, "\(what): indication \(hex(bytes))")
        require(bytes.count <= 20 && bytes[0] == 0x80 && bytes[1] == opcode, "\(what): indication \(hex(bytes))")
        let failed = response.result == .invalidParameter || response.result == .operationFailed
        require((bytes.count == 4) == failed, "\(what): indication \(hex(bytes)) with result \(response.result)")
        guard let known = ControlPointOpcode(rawValue: opcode) else {
            require(response.result == .opCodeNotSupported, "\(what): unknown opcode answered \(response)")
            return unchanged(before, "unknown opcode")
        }
        guard response.result == .success else { return unchanged(before, "answered \(response)") }
        let after = rig.sequencer.snapshot
        let vented = ActuatorState.vented(layout)
        switch known {
        case .start, .resume:
            require(after.phase == .venting && after.fault == nil, "\(what): \(known) left phase \(after.phase)")
        case .pause:
            require(after.phase == .paused && rig.pump.commanded == vented, "\(what): pause left \(after.phase), \(rig.pump.commanded)")
        case .stop:
            require(after.phase == .idle && rig.pump.commanded == vented, "\(what): stop left \(after.phase), \(rig.pump.commanded)")
        case .emergencyStop:
            require(after.phase == .faulted && after.fault != nil && rig.pump.commanded == vented,
                    "\(what): emergency stop left \(after.phase), \(rig.pump.commanded)")
        case .clearFault:
            require(after.phase == .idle && after.fault == nil, "\(what): clear fault left \(after.phase)")
        case .selectProgram:
            let requested = after.pendingSettings ?? after.settings
            do {
                try requested.validate(layout: layout, config: config)
            } catch {
                require(false, "\(what): selected program makes the settings invalid: \(error)")
            }
            let program = reads[.program] ?? []
            require(program == Array(fuzzCase.value.dropFirst()), "\(what): program reads \(hex(program))")
            require(after.phase == before.phase && after.fault == before.fault, "\(what): select program changed the phase")
            if before.phase != .idle && before.phase != .faulted {
                require(after.settings == before.settings, "\(what): a program selected in the middle of a cycle")
            }
        }
    }

    /// Descriptors are fixed text and numbers: each reads within one PDU.
    func checkDescriptors() {
        for characteristic in CharacteristicID.allCases {
            for descriptor in catalog.characteristic(characteristic).descriptors {
                let value = rig.profile.readDescriptor(descriptor.uuid, of: characteristic)
                guard case .success(let bytes) = value, bytes.count <= 20 else {
                    return require(false, "descriptor \(descriptor.name) of \(characteristic) reads \(value)")
                }
            }
        }
    }

    /// After an accepted write the boots run on: an idle sequencer starts a session with the
    /// settings the write left, then the loop ticks through the start-up vent and 2 s of
    /// inflation. The simulated chambers' true pressure never goes above the cap + 10 mmHg, and a
    /// faulted sequencer keeps everything vented.
    func tickAndWatchPressure() {
        let limit = Double(rig.cap + 10)
        let snapshot = rig.sequencer.snapshot
        if snapshot.phase == .idle && snapshot.fault == nil {
            do { try rig.sequencer.start() } catch { require(false, "\(what): an idle sequencer refused start: \(error)") }
        }
        rig.run(ticks: 20, period: .milliseconds(100)) {
            let peak = rig.pump.peakChamberPressure
            require(peak <= limit, "\(what): a chamber reached \(peak) mmHg, cap \(rig.cap)")
        }
        if rig.sequencer.snapshot.fault != nil {
            require(rig.pump.commanded == .vented(layout), "\(what): faulted but driving \(rig.pump.commanded)")
        }
        _ = readAll(CharacteristicID.boots)
    }

    // MARK: Reads

    /// The values of `characteristics` that are readable (each within one PDU); the others must
    /// refuse reads.
    func readAll(_ characteristics: [CharacteristicID]) -> [CharacteristicID: [UInt8]] {
        var values: [CharacteristicID: [UInt8]] = [:]
        for characteristic in characteristics {
            let result = rig.profile.read(characteristic)
            guard catalog.characteristic(characteristic).has(.read) else {
                require(result == .failure(.readNotPermitted), "\(characteristic) is not readable but read \(result)")
                continue
            }
            guard case .success(let bytes) = result else { fatalError("invariant broken: \(what): \(characteristic) read \(result)") }
            require(bytes.count <= 20, "\(what): \(characteristic) reads \(bytes.count) bytes")
            values[characteristic] = bytes
        }
        return values
    }
}

extension CharacteristicID {
    /// The Presso Boots service's characteristics: the values that follow the sequencer. (The
    /// Device Information strings are fixed: read once per input, after the write.)
    static let boots: [CharacteristicID] = [.pressure, .chambers, .timer, .liveState, .program, .controlPoint]
}

/// A chamber mask as Chamber Count carries it (uint16, little-endian).
func wireMask(_ chambers: ChamberSet) -> [UInt8] {
    [UInt8(truncatingIfNeeded: chambers.rawValue), UInt8(truncatingIfNeeded: chambers.rawValue >> 8)]
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.isEmpty ? "(empty)" : bytes.map { String($0, radix: 16).leftPadded }.joined()
}

extension String {
    fileprivate var leftPadded: String { count == 1 ? "0" + self : self }
}
