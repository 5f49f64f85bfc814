import BlueZ
import Synchronization

/// The example peripheral's GATT contract (Tests/Real/clients/gatt_contract.py), served
/// through the BlueZ module alone:
///   service   50726573-736f-4578-616d-706c65000000 ("PressoExample" in ASCII hex), advertised
///             with LocalName "Presso-Example"
///   …000001   read/write: a write is read back unchanged
///   …000002   read/write: writing 0xFF is refused with application error 0x80 (BlueZ:
///             org.bluez.Error.Failed "0x80"); anything else is accepted and read back
///   …000003   read/notify: a counter (UInt32, little-endian) that goes up by one per
///             notification, once a second while a central listens
final class ExampleApplication: Sendable {
    static let base = "50726573-736f-4578-616d-706c65"
    static let service = base + "000000"
    static let localName = "Presso-Example"

    let readWriteValue = Mutex<[UInt8]>(Array("Presso".utf8))
    let guardedValue = Mutex<[UInt8]>([0x00])
    let counter = Mutex<UInt32>(0)
    let notifier = GATTNotifier()

    var application: GATTApplication {
        GATTApplication(services: [
            GATTService(uuid: Self.service, characteristics: [
                GATTCharacteristic(
                    uuid: Self.base + "000001", flags: [.read, .write],
                    onRead: { [self] request throws(GATTError) in try request.slice(readWriteValue.withLock { $0 }) },
                    onWrite: { [self] value, request throws(GATTError) in
                        // A value longer than one PDU arrives in pieces at increasing offsets.
                        try readWriteValue.withLock { current throws(GATTError) in
                            guard request.offset <= current.count else { throw .invalidOffset }
                            current = Array(current[..<request.offset]) + value
                        }
                    }),
                GATTCharacteristic(
                    uuid: Self.base + "000002", flags: [.read, .write],
                    onRead: { [self] request throws(GATTError) in try request.slice(guardedValue.withLock { $0 }) },
                    onWrite: { [self] value, request throws(GATTError) in
                        guard request.offset == 0 else { throw .invalidOffset }
                        guard value != [0xFF] else { throw .application(0x80) }
                        guardedValue.withLock { $0 = value }
                    }),
                GATTCharacteristic(
                    uuid: Self.base + "000003", flags: [.read, .notify],
                    onRead: { [self] request throws(GATTError) in try request.slice(Self.bytes(counter.withLock { $0 })) },
                    notifier: notifier),
            ]),
        ])
    }

    var advertisement: LEAdvertisement {
        LEAdvertisement(localName: Self.localName, serviceUUIDs: [Self.service], discoverable: true)
    }

    /// Sends the counter once a second while notifying, one more each time; until cancelled.
    func count() async {
        for await notifying in notifier.states() where notifying {
            while notifier.isNotifying, !Task.isCancelled {
                let next = counter.withLock { value in
                    value &+= 1
                    return value
                }
                notifier.send(Self.bytes(next))
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    static func bytes(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian, Array.init)
    }
}
