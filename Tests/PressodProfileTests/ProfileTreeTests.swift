import Foundation
import PressoTestSupport
import Testing

/// pressod.conf of the fast tier: 6 chambers and the default cap of 200 mmHg, as the contract's
/// write vectors assume (their context says so, and the tests check it).
func pressodConfig(security: String = "open", extra: String = "") -> String {
    """
    [bluetooth]
    security = \(security)
    [device]
    manufacturer = Presso Test Works
    [simulator]
    chambers = 6
    \(extra)
    """
}

/// The real pressod against the BlueZ double, one rig at a time: every test runs a bus, the
/// double and pressod of its own, and two cores are shared with the rest of the suite.
@Suite(.serialized) struct PressodProfileTests {}

extension PressodProfileTests {
    /// What pressod registers is the contract, exactly: the same services, characteristics,
    /// flags (per security mode) and descriptors, with the documented descriptor values; and the
    /// advertisement the contract describes.
    @Suite struct RegisteredTree {
        @Test(arguments: ["open", "bonded"])
        func theRegisteredTreeIsTheContract(security: String) async throws {
            try await PressodRig.with(config: pressodConfig(security: security)) { rig in
                let tree = try await rig.registered()
                let expected = Contract.presso.shape(bonded: security == "bonded")
                #expect(tree.shape == expected)
                #expect(tree.applications.count == 1)
                #expect(tree.advertisements.count == 1)
                let owner = try #require(tree.owner)
                let decoder = IndependentDecoder(directory: rig.directory)

                for chrc in Contract.presso.characteristics {
                    let paths = tree.descriptorPaths(ofCharacteristic: chrc.uuid)
                    for descriptor in chrc.descriptors {
                        let uuid = descriptor["uuid"] as? String ?? ""
                        let path = try #require(paths[Contract.fullUUID(uuid)], "\(chrc.id): descriptor \(uuid) missing")
                        let bytes = try await rig.readDescriptor(path, owner: owner)
                        if let text = descriptor["utf8"] as? String {
                            #expect(String(decoding: bytes, as: UTF8.self) == text, "\(chrc.id) \(uuid)")
                        } else if let fixed = descriptor["bytes"] as? String {
                            #expect(bytes == [UInt8](hex: fixed), "\(chrc.id) \(uuid): \(bytes.hex)")
                        } else {
                            // Valid Range: min 20, max the configured cap (200 here).
                            let decoded = try await decoder.descriptor(uuid, of: chrc.id, bytes)
                            #expect(decoded.error == nil && decoded.fields == ["min": 20, "max": 200], "\(decoded)")
                        }
                    }
                }

                let advertisement = try #require(tree.advertisements.values.first)
                #expect(advertisement["Type"] as? String == "peripheral")
                #expect(advertisement["LocalName"] as? String == PressodRig.localName)
                #expect((advertisement["ServiceUUIDs"] as? [String])?.map(Contract.fullUUID) == Contract.presso.advertisedServices)
                #expect(advertisement["Discoverable"] as? Bool == true)
                #expect(advertisement["Appearance"] == nil, "the contract leaves Appearance out (31-byte budget)")
                let payload = try #require((advertisement["ManufacturerData"] as? [String: [Int]])?["65535"], "\(advertisement)")
                let status = try await decoder.manufacturerData(payload.map { UInt8($0) })
                #expect(status.error == nil && status.problems.isEmpty, "\(status)")
                #expect(status.fields == ["version": 1, "flags": 0, "phase": 0, "activeChamber": 0, "fault": 0])
            }
        }
    }

    /// Every readable characteristic, read as BlueZ reads it and decoded by the independent
    /// decoder, means what the contract says of an idle device with this configuration.
    @Suite struct Reads {
        @Test func everyCharacteristicReadsWhatTheContractDocuments() async throws {
            try await PressodRig.with(config: pressodConfig()) { rig in
                let readable = Contract.presso.characteristics.filter(\.readable).map(\.id)
                var bytes: [(id: String, bytes: [UInt8])] = []
                for id in readable { bytes.append((id, try await rig.value(id))) }
                let decoded = try await IndependentDecoder(directory: rig.directory).values(bytes)
                var value: [String: IndependentDecoder.Decoded] = [:]
                for (item, answer) in zip(bytes, decoded) {
                    #expect(answer.error == nil && answer.problems.isEmpty, "\(item.id) \(item.bytes.hex): \(answer)")
                    value[item.id] = answer
                }
                let chambers = try #require(value["chambers"]), timer = try #require(value["timer"])
                let live = try #require(value["liveState"]), program = try #require(value["program"])

                #expect(chambers["installed"] == 6)
                #expect(chambers["inUse"] == (chambers["mask"] ?? 0).nonzeroBitCount)
                #expect((chambers["mask"] ?? 0) & ~0x3F == 0, "only installed chambers")
                #expect(timer["remaining"] == (timer["duration"] ?? 0) - (timer["elapsed"] ?? 0))
                #expect(timer["elapsed"] == 0 && timer["cycles"] == 0)
                #expect(live.fields == [
                    "phase": 0, "activeChamber": 0, "measured": live["measured"] ?? -1, "target": 0, "cycle": 0,
                    "remaining": timer["remaining"] ?? -1, "program": program["kind"] ?? -1, "fault": 0, "flags": 0, "fullMask": 0,
                ], "idle: \(live)")
                #expect((live["measured"] ?? 99) <= 2, "vented boots measure about 0 mmHg: \(live)")

                #expect(value["manufacturer"]?.string == "Presso Test Works")
                #expect(value["model"]?.string == "Presso Boots")
                #expect(value["serial"]?.string == PressodRig.adapterAddress.replacingOccurrences(of: ":", with: ""))
                let uname = try await runTool("/bin/uname", ["-r"], in: rig.directory)
                #expect(value["firmware"]?.string == uname.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
                let version = try await runTool(PressodRig.pressod, ["--version"], in: rig.directory)
                #expect(value["software"]?.string == version.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))

                // Every value fits in one PDU: a read with an offset is refused (0x07).
                let offset = try await rig.read("timer", options: ["offset": .uint16(1)])
                #expect(offset.error == "org.bluez.Error.InvalidOffset", "\(offset)")
            }
        }
    }
}
