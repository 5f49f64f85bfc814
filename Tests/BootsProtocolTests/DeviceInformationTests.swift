import BootsProtocol
import Testing

/// Device Information strings, the defaults derived from the adapter address, and UUID forms.
@Suite struct DeviceInformationTests {
    @Test func shortStringsAreReadAsTheyAre() throws {
        let rig = try BootsRig()
        #expect(try rig.read(.manufacturer) == Array("Presso".utf8))
        #expect(try rig.read(.model) == Array("Presso Boots".utf8))
        #expect(try rig.read(.serial) == Array("00AA01000023".utf8))
        #expect(try rig.read(.firmware) == Array("6.1.0-test".utf8))
        #expect(try rig.read(.software) == Array("0.1.0".utf8))
    }

    @Test func longStringsAreCutToTwentyBytes() {
        #expect(DeviceInformation.utf8("6.1.0-28-cloud-amd64-rt-extra") == Array("6.1.0-28-cloud-amd64".utf8))
        #expect(DeviceInformation.utf8(String(repeating: "a", count: 20)).count == 20)
        #expect(DeviceInformation.utf8("") == [])
    }

    @Test func aCharacterIsNeverSplit() {
        // 19 ASCII bytes, then "é" (2 bytes): it does not fit, and is not cut in half.
        let accented = String(repeating: "x", count: 19) + "é"
        #expect(DeviceInformation.utf8(accented) == Array(String(repeating: "x", count: 19).utf8))
        // 18 bytes, then "e" + combining acute (3 bytes): the letter does not lose its accent.
        let combining = String(repeating: "x", count: 18) + "e\u{301}"
        #expect(DeviceInformation.utf8(combining) == Array(String(repeating: "x", count: 18).utf8))
        // 16 bytes, then a 4-byte emoji: fits exactly.
        let emoji = String(repeating: "x", count: 16) + "🦶"
        #expect(DeviceInformation.utf8(emoji) == Array(emoji.utf8))
        for text in [accented, combining, emoji, "Pressothérapie à domicile"] {
            let cut = DeviceInformation.utf8(text)
            #expect(cut.count <= 20)
            #expect(String(validating: cut, as: UTF8.self) != nil, "valid UTF-8")
        }
    }

    @Test func defaultsComeFromTheAdapterAddress() {
        #expect(DeviceInformation.serial(adapterAddress: "00:aa:01:00:00:23") == "00AA01000023")
        #expect(DeviceInformation.localName(adapterAddress: "00:AA:01:00:00:23") == "Presso-0023")
    }

    @Test func uuidsTakeBothForms() {
        #expect(BluetoothUUID(short: 0x2A29).string == "00002a29-0000-1000-8000-00805f9b34fb")
        #expect(BluetoothUUID("2A29") == BluetoothUUID(short: 0x2A29))
        #expect(BluetoothUUID("0x180a") == BluetoothUUID(short: 0x180A))
        #expect(BluetoothUUID("00002A29-0000-1000-8000-00805F9B34FB")?.short == 0x2A29)
        #expect(BluetoothUUID("4012BB61-16d2-4616-9ed5-bef27f442212")?.string == "4012bb61-16d2-4616-9ed5-bef27f442212")
        #expect(BluetoothUUID("4012bb61-16d2-4616-9ed5-bef27f442212")?.short == nil)
        for bad in ["", "2a2", "xyzw", "4012bb61-16d2-4616-9ed5-bef27f44221", "4012bb61x16d2-4616-9ed5-bef27f442212"] {
            #expect(BluetoothUUID(bad) == nil, "\(bad)")
        }
    }

    @Test func descriptorsAreReadThroughTheProfile() throws {
        let rig = try BootsRig(cap: 180)
        #expect(try rig.profile.readDescriptor(BluetoothUUID(short: 0x2906), of: .pressure).get() == [20, 0, 180, 0])
        #expect(try rig.profile.readDescriptor(BluetoothUUID(short: 0x2901), of: .liveState).get() == Array("Live state".utf8))
        #expect(rig.profile.readDescriptor(BluetoothUUID(short: 0x2904), of: .chambers) == .failure(.readNotPermitted))
    }
}
