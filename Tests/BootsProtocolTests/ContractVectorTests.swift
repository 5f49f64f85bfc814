import BootsProtocol
import Sequencer
import Testing

/// Every test vector of gatt-schema/presso-boots.json against the Swift codecs, write handling
/// and control point, on a real sequencer (simulated pump, test clock) in the vector's context.
@Suite struct ContractVectorTests {
    /// Guards the parameterized test below: it must see every vector of the contract.
    @Test func everyVectorOfTheContractIsRun() throws {
        let contract = try Contract.load()
        let characteristics = try Contract.characteristics(contract)
        let perCharacteristic = characteristics.reduce(0) { total, json in
            total + ((json["vectors"] as? [Any])?.count ?? 0) + ((json["writeVectors"] as? [Any])?.count ?? 0)
        }
        let manufacturer = try contract.object("advertisement").object("manufacturerData").array("vectors").count
        let vectors = try ContractVector.all()
        #expect(vectors.count == perCharacteristic + manufacturer)
        #expect(vectors.count >= 44)  // the contract's version 1 has 44
    }

    @Test(arguments: try ContractVector.all())
    func vector(_ vector: ContractVector) throws {
        switch (vector.kind, vector.characteristic) {
        case (.read, _), (.manufacturerData, _):
            let typed = try encoded(vector)
            #expect(hex(typed) == hex(vector.bytes))
        case (.write, "pressure"), (.write, "chambers"), (.write, "timer"):
            try settingsWrite(vector)
        case (.write, "controlPoint"):
            try controlPointWrite(vector)
        default:
            Issue.record("no Swift counterpart for \(vector.testDescription)")
        }
    }

    /// The vector's value as the Swift type, encoded. Every field of the value must be used.
    private func encoded(_ v: ContractVector) throws -> [UInt8] {
        let fields: [String]
        let bytes: [UInt8]
        switch (v.kind, v.characteristic) {
        case (.read, "pressure"):
            fields = ["target"]
            bytes = PressureValue(target: try v.field("target")).bytes
            #expect(try PressureValue(bytes: v.bytes) == PressureValue(target: try v.field("target")))
        case (.read, "chambers"):
            fields = ["inUse", "installed", "mask"]
            bytes = ChamberCountValue(inUse: try v.field("inUse"), installed: try v.field("installed"),
                                      mask: try v.field("mask")).bytes
        case (.read, "timer"):
            fields = ["duration", "elapsed", "remaining", "cycles"]
            bytes = SessionTimerValue(duration: try v.field("duration"), elapsed: try v.field("elapsed"),
                                      remaining: try v.field("remaining"), cycles: try v.field("cycles")).bytes
        case (.read, "liveState"):
            fields = ["phase", "activeChamber", "measured", "target", "cycle", "remaining", "program", "fault",
                      "flags", "fullMask"]
            bytes = LiveState(
                phase: try v.field("phase"), activeChamber: try v.field("activeChamber"), measured: try v.field("measured"),
                target: try v.field("target"), cycle: try v.field("cycle"), remaining: try v.field("remaining"),
                program: try v.field("program"), fault: try v.field("fault"), flags: try v.field("flags"),
                fullMask: try v.field("fullMask")).bytes
            #expect(bytes.count == LiveState.length)
        case (.read, "program"):
            fields = ["kind", "hold", "release", "rest", "parameter", "zones", "warmUpCycles", "warmUpStart"]
            let value = ProgramValue(
                kind: try v.field("kind"), hold: try v.field("hold"), release: try v.field("release"),
                rest: try v.field("rest"), parameter: try v.field("parameter"), zones: try v.field("zones"),
                warmUpCycles: try v.field("warmUpCycles"), warmUpStart: try v.field("warmUpStart"))
            bytes = value.bytes
            #expect(try ProgramValue(bytes: v.bytes) == value)
            // The program it describes encodes back to the same bytes.
            #expect(ProgramValue(try value.program().get()) == value)
        case (.manufacturerData, _):
            fields = ["version", "flags", "phase", "activeChamber", "fault"]
            let value = ManufacturerData(version: try v.field("version"), flags: try v.field("flags"),
                                         phase: try v.field("phase"), activeChamber: try v.field("activeChamber"),
                                         fault: try v.field("fault"))
            #expect(value.version == ManufacturerData.currentVersion)
            bytes = value.bytes
        default:
            Issue.record("no Swift value type for \(v.testDescription)")
            return []
        }
        #expect(Set(v.value.keys) == Set(fields), "the contract's fields changed")
        return bytes
    }

    private func settingsWrite(_ v: ContractVector) throws {
        let id = try #require(CharacteristicID(rawValue: v.characteristic))
        let rig = try BootsRig(cap: v.cap ?? 200, installed: v.installed ?? 6)
        let before = rig.snapshot
        let pure = WriteValidation.settingsChange(for: id, bytes: v.bytes, in: rig.sequencer.context)
        let written = rig.profile.write(id, v.bytes)
        let result = try #require(v.result)
        guard result == "ok" else {
            let code = try codeValue(result)
            #expect(pure.attCode == code, "pure validation")
            #expect(written.attCode == code, "write through the profile")
            #expect(rig.snapshot == before, "a rejected write changes nothing")
            return
        }
        #expect(throws: Never.self) { try written.get() }
        #expect(pure.map { WriteOutcome.applied($0) } == written)
        switch id {
        case .pressure:
            #expect(try rig.read(.pressure) == v.bytes)
            #expect(try PressureValue(bytes: v.bytes).target == v.field("target"))
        case .chambers:
            let selection = try ChamberSelection(bytes: v.bytes)
            if v.value["count"] != nil { #expect(selection == .count(try v.field("count"))) }
            if v.value["mask"] != nil { #expect(selection == .mask(try v.field("mask"))) }
            let readBack = try #require(v.readBack)
            #expect(try rig.read(.chambers) == readBack.bytes)
            let typed = ChamberCountValue(inUse: try v.field("inUse", in: readBack.value),
                                          installed: try v.field("installed", in: readBack.value),
                                          mask: try v.field("mask", in: readBack.value))
            #expect(typed.bytes == readBack.bytes)
        case .timer:
            #expect(try SessionDurationWrite(bytes: v.bytes).duration == v.field("duration"))
            #expect(Array(try rig.read(.timer).prefix(2)) == v.bytes)
        default:
            Issue.record("not a settings characteristic: \(id)")
        }
    }

    private func controlPointWrite(_ v: ContractVector) throws {
        let rig = try BootsRig(state: try #require(v.state))
        let before = rig.snapshot
        let written = rig.profile.write(.controlPoint, v.bytes)
        let result = try #require(v.result)
        guard result == "ok" else {
            #expect(written.attCode == (try codeValue(result)))
            #expect(rig.snapshot == before)
            return
        }
        let indication = try #require(v.indication)
        guard case .indicate(let response) = try written.get() else {
            Issue.record("a control point write must answer with an indication")
            return
        }
        #expect(hex(response.bytes) == hex(indication))
        if response.result != .success {
            #expect(rig.snapshot == before, "a refused command changes nothing")
        } else if v.bytes.first == ControlPointOpcode.selectProgram.rawValue {
            #expect(try rig.read(.program) == Array(v.bytes.dropFirst()))
        }
    }
}

extension Result where Failure == GATTResponseError {
    /// The ATT code of a failure; nil on success.
    var attCode: UInt8? {
        guard case .failure(let error) = self else { return nil }
        return error.attCode
    }
}
