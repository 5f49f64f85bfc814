import Foundation
import Testing

extension PressodRig {
    /// Every readable characteristic of the boots service, for "nothing changed" checks. Live
    /// State's `measured` (offset 2, 2 bytes) is left out: the simulated sensor's noise moves it
    /// by a mmHg even in vented, idle boots.
    func settingsSnapshot() async throws -> [String: [UInt8]] {
        var values: [String: [UInt8]] = [:]
        for id in ["pressure", "chambers", "timer", "program", "liveState"] { values[id] = try await value(id) }
        if var live = values["liveState"], live.count == 15 {
            live.replaceSubrange(2 ..< 4, with: [0xFF, 0xFF])
            values["liveState"] = live
        }
        return values
    }
}

extension PressodProfileTests {
    /// The contract's write vectors (gatt-schema.py vectors --json) against the real daemon:
    /// valid writes reach the sequencer and read back as documented, invalid ones are answered
    /// with their documented BlueZ error and change nothing.
    @Suite struct Writes {
        @Test func everyContractWriteIsRoutedOrRefusedAsDocumented() async throws {
            try await PressodRig.with(config: pressodConfig()) { rig in
                let decoder = IndependentDecoder(directory: rig.directory)
                let vectors = try await Contract.vectors(in: rig.directory)
                    .filter { $0.kind == "write" && $0.characteristic != "controlPoint" }
                #expect(Set(vectors.map(\.characteristic)) == ["pressure", "chambers", "timer"])
                for vector in vectors {
                    // The rig's configuration is the vectors' context.
                    try #require((vector.context["cap"] as? Int ?? 200) == 200 && (vector.context["installed"] as? Int ?? 6) == 6)
                    let before = try await rig.settingsSnapshot()
                    let answer = try await rig.write(vector.characteristic, vector.bytes)
                    let after = try await rig.settingsSnapshot()
                    if vector.result == "ok" {
                        #expect(answer.error.isEmpty, "\(vector): \(answer)")
                        let readBack = try #require(after[vector.characteristic])
                        if let expected = vector.readBack {
                            #expect(readBack == expected, "\(vector): read back \(readBack.hex)")
                        } else {
                            let decoded = try await decoder.value(vector.characteristic, readBack)
                            for (field, number) in vector.value {
                                // Pressure's write layout is its value's; Session Timer's write is its duration.
                                #expect(decoded[field] == number, "\(vector): read back \(decoded)")
                            }
                        }
                        if vector.characteristic == "timer" {
                            let live = try await decoder.value("liveState", try #require(after["liveState"]))
                            #expect(live["remaining"] == vector.value["duration"], "Live State's remaining follows: \(live)")
                        }
                    } else {
                        let (name, message) = Contract.bluezError(forCode: vector.result)
                        #expect(answer.error == name, "\(vector): \(answer)")
                        if let message { #expect(answer.message == message, "\(vector): \(answer)") }
                        #expect(after == before, "\(vector) changed something")
                    }
                }

                // A long write (non-zero offset) is refused with 0x07 and changes nothing.
                let before = try await rig.settingsSnapshot()
                let offset = try await rig.write("pressure", [0x50, 0x00], options: ["offset": .uint16(1)])
                #expect(offset.error == "org.bluez.Error.InvalidOffset", "\(offset)")
                #expect(try await rig.settingsSnapshot() == before)
            }
        }
    }

    /// The control point: every vector of the contract in its state, answered by the documented
    /// indication (enabled first, as the contract asks), with the documented effect.
    @Suite struct ControlPoint {
        @Test func everyCommandIsAnsweredByItsDocumentedIndication() async throws {
            try await PressodRig.with(config: pressodConfig()) { rig in
                let decoder = IndependentDecoder(directory: rig.directory)
                let vectors = try await Contract.vectors(in: rig.directory).filter { $0.characteristic == "controlPoint" }
                try #require(vectors.count >= 10)
                try await rig.startNotify("controlPoint")
                var received: [[UInt8]] = []
                for vector in vectors {
                    try await rig.bring(to: vector.state)
                    let program = try await rig.value("program")
                    let seen = try await rig.notifications("controlPoint").count
                    let answer = try await rig.write("controlPoint", vector.bytes)
                    if vector.result == "ok" {
                        #expect(answer.error.isEmpty, "\(vector): \(answer)")
                        let indications = try await rig.notifications("controlPoint", moreThan: seen)
                        #expect(indications.count == seen + 1 && indications.last == vector.indication,
                                "\(vector): indicated \(indications.dropFirst(seen).map(\.hex))")
                        received.append(indications.last ?? [])
                    } else {
                        let (name, _) = Contract.bluezError(forCode: vector.result)
                        #expect(answer.error == name, "\(vector): \(answer)")
                        // Refused: no indication. The next command's is the only new one.
                        try await rig.command([0x09], expect: [0x80, 0x09, 0x02])
                        #expect(try await rig.notifications("controlPoint").count == seen + 1)
                    }
                    try await rig.checkEffect(of: vector, programBefore: program, decoder: decoder)
                }
                let decoded = try await decoder.indications(received)
                #expect(decoded.allSatisfy { $0.error == nil }, "\(decoded)")
                #expect(decoded.contains { $0.text == "response to Start: Operation Failed (0x87 InvalidState)" }, "\(decoded)")
            }
        }
    }
}

extension PressodRig {
    /// Writes a control point command and waits for its indication, which must be `expected`.
    func command(_ bytes: [UInt8], expect expected: [UInt8]) async throws {
        let seen = try await notifications("controlPoint").count
        try await accept("controlPoint", bytes)
        let indications = try await notifications("controlPoint", moreThan: seen)
        try #require(indications.last == expected, "command \(bytes.hex): indicated \(indications.dropFirst(seen).map(\.hex))")
    }

    /// Decoded Live State now.
    func liveState(_ decoder: IndependentDecoder) async throws -> IndependentDecoder.Decoded {
        try await decoder.value("liveState", try await value("liveState"))
    }

    /// Puts the boots in a vector's state (idle, running or faulted) through the control point.
    func bring(to state: String) async throws {
        let decoder = IndependentDecoder(directory: directory)
        let live = try await liveState(decoder)
        if live["phase"] == 7 { try await command([0x06], expect: [0x80, 0x06, 0x01]) }   // clear fault
        else if (live["flags"] ?? 0) & 1 != 0 { try await command([0x04], expect: [0x80, 0x04, 0x01]) }   // stop
        switch state {
        case "running": try await command([0x01], expect: [0x80, 0x01, 0x01])
        case "faulted": try await command([0x05], expect: [0x80, 0x05, 0x01])
        default: break
        }
    }

    /// The documented effect of an accepted control point command, read back.
    func checkEffect(of vector: Contract.Vector, programBefore: [UInt8], decoder: IndependentDecoder) async throws {
        let live = try await liveState(decoder)
        let indication = vector.indication ?? []
        let succeeded = indication.count == 3 && indication[2] == 0x01
        switch (vector.bytes.first, succeeded) {
        case (0x01, true):
            #expect((live["flags"] ?? 0) & 1 == 1 && [1, 2].contains(live["phase"] ?? -1), "started: \(live)")
        case (0x05, true):
            #expect(live["phase"] == 7 && live["fault"] == 11 && (live["flags"] ?? 0) & 1 == 0, "emergency stop: \(live)")
        case (0x07, true):
            #expect(try await value("program") == Array(vector.bytes.dropFirst()), "Select Program reads back at once")
        case (0x07, false):
            #expect(try await value("program") == programBefore, "a refused program changes nothing")
        default:
            break
        }
    }
}
