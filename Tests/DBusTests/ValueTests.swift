import DBus
import Testing

@Suite struct ValueTests {
    @Test func signaturesOfNestedValuesAreComputed() {
        let value: DBusValue = .structure([
            .int32(1), .stringVariantDictionary(["a": .bool(true)]), .array(of: "as", []), .variant(.byte(1)),
        ])
        #expect(value.signature == "(ia{sv}aasv)")
    }

    @Test func signaturesSplitIntoCompleteTypes() {
        let signature: DBusSignature = "sa{sv}(i(ay))vaai"
        #expect(signature.completeTypes == ["s", "a{sv}", "(i(ay))", "v", "aai"])
        #expect(DBusSignature(rawValue: "a{vs}") == nil)
        #expect(DBusSignature(rawValue: "(") == nil)
        #expect(!DBusSignature("ii").isSingleCompleteType)
    }

    @Test func objectPathsAreValidated() {
        #expect(DBusObjectPath(rawValue: "/org/bluez/hci0") != nil)
        #expect(DBusObjectPath(rawValue: "/trailing/") == nil)
        #expect(DBusObjectPath(rawValue: "relative") == nil)
        #expect(DBusObjectPath(rawValue: "/a-b") == nil)
        #expect(DBusObjectPath("/a/b").isDescendant(of: "/a"))
        #expect(!DBusObjectPath("/ab").isDescendant(of: "/a"))
        #expect(DBusObjectPath("/a").isDescendant(of: .root))
    }

    @Test func malformedValuesAreRejectedNotFatal() {
        let bad: [DBusValue] = [
            .array(element: "i", [.string("x")]),
            .dictionary(key: "v", value: "s", [:]),
            .dictionary(key: "s", value: "i", [.string("k"): .bool(true)]),
            .structure([]),
            .string("nul\u{0}inside"),
            .array(element: "ii", []),
        ]
        for value in bad {
            #expect(throws: DBusError.self) { try value.validate() }
        }
    }

    @Test func swiftTypesConvertBothWays() throws {
        let options: [String: DBusValue] = ["offset": .uint16(3), "device": .objectPath("/org/bluez/hci0/dev_1")]
        #expect(type(of: options).dbusSignature == "a{sv}")
        let back = try options.dbusValue.as([String: DBusValue].self)
        #expect(back == options)
        let bytes: [UInt8] = [1, 2, 255]
        #expect(bytes.dbusValue == .bytes(bytes))
        #expect(try DBusValue.bytes(bytes).as([UInt8].self) == bytes)
        #expect(throws: DBusError.self) { try DBusValue.int32(1).as(String.self) }
        let args: [DBusValue] = [.string("x")]
        #expect(throws: DBusError.self) { try args.argument(1, as: String.self) }
    }
}
