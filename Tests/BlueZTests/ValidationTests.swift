@testable import BlueZ
import DBus
import Testing

/// Programming errors found before anything is exported, and the value types' BlueZ forms.
@Suite struct ValidationTests {
    static let uuid = "12345678-1234-5678-1234-56789abcdef0"

    @Test func aValidApplicationPasses() throws {
        try TestApplication().application.validate()
    }

    @Test func everyProblemIsNamedWithWhereItIs() {
        let shared = GATTNotifier()
        let app = GATTApplication(services: [
            GATTService(uuid: "not-a-uuid", characteristics: [
                GATTCharacteristic(uuid: "2a19", flags: .read),
                GATTCharacteristic(uuid: "2a1a", flags: .write, onRead: { _ in [] }),
                GATTCharacteristic(uuid: "2a1b", flags: []),
                GATTCharacteristic(uuid: "2a1c", flags: .notify, notifier: shared),
                GATTCharacteristic(uuid: "2a1d", flags: .indicate, notifier: shared,),
                GATTCharacteristic(uuid: "2a1e", flags: .read, descriptors: [
                    .constant("2902", [0, 0]), GATTDescriptor(uuid: "2901", flags: .write),
                ], onRead: { _ in [] }),
            ]),
        ])
        #expect(throws: GATTApplicationError(problems: [
            "service 0 (not-a-uuid): invalid UUID",
            "service 0 (not-a-uuid) characteristic 0 (2a19): flags allow reading but onRead is nil",
            "service 0 (not-a-uuid) characteristic 1 (2a1a): onRead is set but no flag allows reading",
            "service 0 (not-a-uuid) characteristic 1 (2a1a): flags allow writing but onWrite is nil",
            "service 0 (not-a-uuid) characteristic 2 (2a1b): no flags (BlueZ refuses a characteristic without any)",
            "service 0 (not-a-uuid) characteristic 4 (2a1d): its notifier already serves service 0 (not-a-uuid) characteristic 3 (2a1c)",
            "service 0 (not-a-uuid) characteristic 5 (2a1e) descriptor 0 (2902): BlueZ adds the Client Characteristic Configuration descriptor itself",
            "service 0 (not-a-uuid) characteristic 5 (2a1e) descriptor 1 (2901): flags allow writing but onWrite is nil",
        ])) { try app.validate() }
        #expect(throws: GATTApplicationError(problems: ["no service (BlueZ refuses an empty application)"])) {
            try GATTApplication(services: []).validate()
        }
    }

    @Test func aPeripheralRefusesAnInvalidApplicationAtConstruction() async throws {
        let rig = try await DoubleRig.start(withDouble: false)
        defer { rig.stop() }
        let connection = try await rig.connect()
        #expect(throws: GATTApplicationError.self) {
            _ = try BluetoothPeripheral(connection: connection, configuration: PeripheralConfiguration(
                application: GATTApplication(services: [GATTService(uuid: "180f", characteristics: [
                    GATTCharacteristic(uuid: "2a19", flags: [.read, .notify], onRead: { _ in [100] }),
                ])]),
                advertisement: LEAdvertisement(localName: "x")))
        }
        await connection.close()
    }

    @Test(arguments: ["180a", "0000180A", "0000180a-0000-1000-8000-00805F9B34FB", Self.uuid])
    func uuidsBlueZAccepts(_ uuid: String) { #expect(isBluetoothUUID(uuid)) }

    @Test(arguments: ["", "18a", "180g", "12345678-1234-5678-1234-56789abcdef", "12345678123456781234567890abcdef", "１８０ａ"])
    func uuidsBlueZRefuses(_ uuid: String) { #expect(!isBluetoothUUID(uuid)) }

    @Test func advertisementProblems() {
        #expect(throws: GATTApplicationError(problems: [
            "LocalName is empty (use nil for none)", "service UUID 18 is invalid",
            "a broadcast advertisement cannot be discoverable", "unknown Includes entry rssi",
        ])) {
            try LEAdvertisement(kind: .broadcast, localName: "", serviceUUIDs: ["18"], includes: ["rssi"]).validate()
        }
        #expect(throws: GATTApplicationError(problems: [
            "LocalName and Includes local-name both set (BlueZ refuses it)",
            "Appearance and Includes appearance both set (BlueZ refuses it)",
            "LocalName takes 30 bytes; the scan response holds 29",
        ])) {
            try LEAdvertisement(localName: String(repeating: "x", count: 30), appearance: 0x0340,
                                includes: ["local-name", "appearance"]).validate()
        }
    }

    /// Flags 3 + one 128-bit UUID 18 + manufacturer data 4 + n: n = 6 fills the 31 bytes.
    @Test func advertisingDataMustFitALegacyAdvertisement() throws {
        var ad = LEAdvertisement(localName: "Presso", serviceUUIDs: [Self.uuid], manufacturerData: [0xFFFF: [1, 2, 3, 4, 5, 6]])
        #expect(ad.advertisingDataLength == 31)
        try ad.validate()
        ad.manufacturerData = [0xFFFF: [1, 2, 3, 4, 5, 6, 7]]
        #expect(throws: GATTApplicationError(problems: ["the advertising data takes 32 bytes; a legacy advertisement holds 31"])) {
            try ad.validate()
        }
        let small = LEAdvertisement(serviceUUIDs: ["180d", "180f"], appearance: 0x0340, includes: ["tx-power"])
        #expect(small.advertisingDataLength == 3 + 2 + 4 + 4 + 3)
    }

    @Test func optionsAreReadAsBlueZSendsThem() throws {
        #expect(try GATTRequest(bluezOptions: [:]) == GATTRequest())
        #expect(try GATTRequest(bluezOptions: [
            "device": .objectPath("/org/bluez/hci0/dev_AA"), "offset": .uint16(22), "mtu": .uint16(517),
            "link": .string("LE"), "prepare-authorize": .bool(true), "type": .string("request"),
        ]) == GATTRequest(device: "/org/bluez/hci0/dev_AA", offset: 22, mtu: 517, link: "LE", prepareAuthorize: true))
        #expect(throws: DBusError.self) { try GATTRequest(bluezOptions: ["device": .string("/org/bluez/hci0/dev_AA")]) }
    }

    @Test func slicingAtAnOffset() throws {
        let request = GATTRequest(offset: 2)
        #expect(try request.slice([1, 2, 3]) == [3])
        #expect(try GATTRequest(offset: 3).slice([1, 2, 3]) == [])
        #expect(throws: GATTError.invalidOffset) { try GATTRequest(offset: 4).slice([1, 2, 3]) }
    }

    /// src/gatt-database.c reads the message of Failed with strtol: an empty one would be 0,
    /// ATT 0x0E instead of the documented 0x80.
    @Test func anEmptyFailureMessageIsSentAsFailed() {
        #expect(GATTError.failed("").dbusError == DBusError(name: "org.bluez.Error.Failed", message: "Failed"))
        #expect(GATTError.application(0x8A).dbusError == DBusError(name: "org.bluez.Error.Failed", message: "0x8a"))
    }

    @Test func flagsRoundTripThroughBlueZStrings() {
        let all = GATTCharacteristicFlags(rawValue: (1 << 18) - 1)
        #expect(GATTCharacteristicFlags(bluezFlags: all.bluezFlags) == all)
        #expect(GATTCharacteristicFlags(bluezFlags: ["read", "telepathy"]) == nil)
        let descriptor = GATTDescriptorFlags(rawValue: 0xFF)
        #expect(GATTDescriptorFlags(bluezFlags: descriptor.bluezFlags) == descriptor)
    }
}
