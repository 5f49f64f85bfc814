import BootsProtocol
import PumpSimulator
import Sequencer
import Testing
@testable import BlueZ
@testable import BootsProfile

/// The routing layer: the GATT application built from the catalog answers reads and writes
/// through the sequencer with the contract's BlueZ errors. (Over D-Bus: BootsProfileBusTests.)
/// A SIG-assigned 16-bit UUID in the 128-bit form BlueZ is given.
private func sig(_ short: String) -> String { "0000\(short)-0000-1000-8000-00805f9b34fb" }

@Suite struct BootsGATTProfileTests {
    let sequencer: InflationSequencer
    let profile: BootsGATTProfile

    init() throws {
        let pump = SimulatedPump(layout: HardwareLayout(installedChambers: 6, exhaust: .commonManifold, sensing: .manifold))
        sequencer = try InflationSequencer(hardware: pump)
        profile = BootsGATTProfile(sequencer: sequencer, deviceInformation: DeviceInformation(serial: "00AA01000023", firmware: "6.1.0-test", software: "0.1.0"), security: .bonded)
    }

    private func characteristic(_ id: CharacteristicID) throws -> GATTCharacteristic {
        let uuid = ProfileCatalog.presso.characteristic(id).uuid.string
        return try #require(profile.application.services.flatMap(\.characteristics).first { $0.uuid == uuid })
    }

    @Test func applicationHasEveryCharacteristicWithBondedFlags() throws {
        let app = profile.application
        #expect(app.services.map(\.uuid) == ["4012bb60-16d2-4616-9ed5-bef27f442212", "0000180a-0000-1000-8000-00805f9b34fb"])
        #expect(try characteristic(.pressure).flags == [.read, .encryptWrite, .notify])
        #expect(try characteristic(.controlPoint).flags == [.encryptWrite, .indicate])
        #expect(try characteristic(.liveState).flags == [.read, .notify])
        #expect(try characteristic(.pressure).descriptors.map(\.uuid) == ["2901", "2904", "2906"].map(sig))
        let open = BootsGATTProfile(sequencer: sequencer, deviceInformation: DeviceInformation(serial: "x", firmware: "y", software: "z"), security: .open)
        let pressure = try #require(open.application.services[0].characteristics.first)
        #expect(pressure.flags == GATTCharacteristicFlags([.read, .write, .notify]))
    }

    @Test func readsAndWritesReachTheSequencer() async throws {
        let pressure = try characteristic(.pressure)
        try await pressure.onWrite?([0x78, 0x00], GATTRequest(device: "/org/bluez/hci0/dev_X"))
        #expect(sequencer.snapshot.settings.pressure == 120)
        #expect(try await pressure.onRead?(GATTRequest()) == [0x78, 0x00])
        let range = try #require(pressure.descriptors.first { $0.uuid == sig("2906") })
        #expect(try await range.onRead?(GATTRequest()) == [0x14, 0x00, 0xC8, 0x00])
    }

    @Test(arguments: [
        ([UInt8]([0x2C, 0x01]), GATTError.application(0x80)),  // 300 mmHg
        ([0xDC, 0x00], .application(0x81)),                        // 220 > cap 200
        ([0x78], .invalidValueLength),
    ])
    func refusedWritesAnswerTheContractsErrorAndChangeNothing(value: [UInt8], expected: GATTError) async throws {
        let before = sequencer.snapshot.settings
        let pressure = try characteristic(.pressure)
        await #expect(throws: expected) { try await pressure.onWrite?(value, GATTRequest()) }
        #expect(sequencer.snapshot.settings == before)
        #expect(expected.dbusName == "org.bluez.Error.Failed" ? expected.dbusMessage.hasPrefix("0x8") : true)
    }

    @Test func offsetsAreRefused() async throws {
        let timer = try characteristic(.timer)
        await #expect(throws: GATTError.invalidOffset) { _ = try await timer.onRead?(GATTRequest(offset: 1)) }
    }

    @Test func controlPointIndicatesTheResultAfterTheWrite() async throws {
        let controlPoint = try characteristic(.controlPoint)
        let notifier = try #require(controlPoint.notifier)
        let (sent, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        _ = notifier.bind({ continuation.yield($0) }, links: LinkMTUs())
        notifier.setNotifying(true)
        try await controlPoint.onWrite?([0x01], GATTRequest())
        var received = sent.makeAsyncIterator()
        #expect(await received.next() == [0x80, 0x01, 0x01])
        #expect(sequencer.snapshot.phase != .idle)
        try await controlPoint.onWrite?([0x01], GATTRequest())  // start while running
        #expect(await received.next() == [0x80, 0x01, 0x04, 0x87])
    }

    @Test func deviceInformationFollowsTheSerialOnceKnown() async throws {
        profile.deviceInformation.serial = "00AA01000042"
        let serial = try characteristic(.serial)
        #expect(try await serial.onRead?(GATTRequest()) == Array("00AA01000042".utf8))
    }

    @Test func advertisementCarriesNameServiceAndLiveStatus() {
        let ad = profile.advertisement(localName: "Presso-0023")
        #expect(ad.localName == "Presso-0023")
        #expect(ad.serviceUUIDs == ["4012bb60-16d2-4616-9ed5-bef27f442212"])
        #expect(ad.discoverable)
        #expect(ad.appearance == nil)
        #expect(ad.manufacturerData == [0xFFFF: [0x01, 0x00, 0x00, 0x00, 0x00]])
    }
}
