import BlueZ
import DBus
import Testing

/// ReadValue/WriteValue as bluetoothd calls them: options, offsets, and every refusal turned
/// into the error name and message BlueZ maps to an ATT error.
@Suite struct ReadWriteTests {
    @Test func readPassesBlueZsOptionsToTheHandler() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            let read = try await run.control.read(TestApplication.readWritePath)
            #expect(read.error == "")
            #expect(read.value == [1, 2, 3, 4, 5])
            // What 5.66 sends: device always, link, mtu; no offset when it is 0.
            #expect(run.app.lastRequest == GATTRequest(
                device: "/org/bluez/hci0/dev_00_00_00_00_00_01", offset: 0, mtu: 23, link: "LE"))
            _ = try await run.control.read(TestApplication.readWritePath, [
                "offset": .uint16(2), "mtu": .uint16(185), "prepare-authorize": .bool(true),
            ])
            #expect(run.app.lastRequest == GATTRequest(
                device: "/org/bluez/hci0/dev_00_00_00_00_00_01", offset: 2, mtu: 185, link: "LE", prepareAuthorize: true))
        }
    }

    @Test func readsAndWritesHonourOffsetsAndRefuseOnesPastTheEnd() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            let path = TestApplication.readWritePath
            #expect(try await run.control.read(path, ["offset": .uint16(3)]).value == [4, 5])
            #expect(try await run.control.read(path, ["offset": .uint16(5)]).value == [], "offset = length reads nothing")
            let pastEnd = try await run.control.read(path, ["offset": .uint16(6)])
            #expect(pastEnd.error == "org.bluez.Error.InvalidOffset")
            #expect(try await run.control.write(path, [9, 9], ["offset": .uint16(2)]).error == "")
            #expect(try await run.control.read(path).value == [1, 2, 9, 9])
            #expect(try await run.control.write(path, [7], ["offset": .uint16(9)]).error == "org.bluez.Error.InvalidOffset")
            #expect(try await run.control.read(path).value == [1, 2, 9, 9], "a refused write changes nothing")
        }
    }

    /// Each GATTError reaches BlueZ under the name and with the message src/gatt-database.c
    /// turns into the right ATT error (application codes as `Failed` "0xNN").
    @Test func everyRefusalReachesBlueZByNameAndMessage() async throws {
        let expected: [UInt8: (String, String)] = [
            0x80: ("org.bluez.Error.Failed", "0x80"), 0x9F: ("org.bluez.Error.Failed", "0x9f"),
            0x01: ("org.bluez.Error.InvalidValueLength", "Invalid value length"),
            0x02: ("org.bluez.Error.InvalidOffset", "Invalid offset"),
            0x03: ("org.bluez.Error.NotPermitted", "Not permitted"),
            0x04: ("org.bluez.Error.NotSupported", "Not supported"),
            0x05: ("org.bluez.Error.NotAuthorized", "Not authorized"),
            0x06: ("org.bluez.Error.InProgress", "In progress"),
            0x07: ("org.bluez.Error.Failed", "out of range"),
            0x08: ("org.bluez.Error.Failed", "Failed"),
        ]
        #expect(Set(expected.keys) == Set(TestApplication.errors.map(\.byte)))
        try await withPeripheral { run in
            try await run.waitRegistered()
            for (byte, (name, message)) in expected.sorted(by: { $0.key < $1.key }) {
                let answer = try await run.control.write(TestApplication.refusingPath, [byte])
                #expect(answer.error == name && answer.message == message, "byte 0x\(String(byte, radix: 16)): \(answer)")
            }
            #expect(try await run.control.write(TestApplication.refusingPath, [0x10]).error == "", "other values are accepted")
            let read = try await run.control.read(TestApplication.refusingPath)
            #expect(read.error == "org.bluez.Error.Failed" && read.message == "0x9f")
        }
    }

    @Test func descriptorsAreReadAndWritten() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            let descriptor = DBusObjectPath(rawValue: TestApplication.writableDescriptorPath)!
            let name = run.peripheral.connection.uniqueName
            let options = DBusValue.stringVariantDictionary(["device": .objectPath("/org/bluez/hci0/dev_11_22_33_44_55_66")])
            try await run.client.call(destination: name, path: descriptor, interface: "org.bluez.GattDescriptor1",
                                      method: "WriteValue", arguments: [.bytes([7, 8]), options])
            let value = try await run.client.call(destination: name, path: descriptor, interface: "org.bluez.GattDescriptor1",
                                                  method: "ReadValue", arguments: [options])
            #expect(try value.argument(0, as: [UInt8].self) == [7, 8])
            let user = try await run.client.call(
                destination: name, path: DBusObjectPath(rawValue: TestApplication.userDescriptionPath)!,
                interface: "org.bluez.GattDescriptor1", method: "ReadValue",
                arguments: [.stringVariantDictionary(["offset": .uint16(3)])])
            #expect(try user.argument(0, as: [UInt8].self) == Array("icated".utf8))
        }
    }

    @Test func optionsOfAnotherTypeAreRefused() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            let answer = try await run.control.read(TestApplication.readWritePath, ["offset": .uint32(2)])
            #expect(answer.error == "org.bluez.Error.InvalidArguments")
        }
    }
}
