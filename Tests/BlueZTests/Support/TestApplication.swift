import BlueZ
import Synchronization

/// The GATT application the fast tests serve, with every kind of attribute:
///   service0 (primary, `service`):
///     char0 `readWrite`  read/write; reads honour the offset, writes at an offset replace the tail
///     char1 `refusing`   read/write; a read answers application error 0x9F, a write answers the
///                        error that `TestApplication.errors` lists for its first byte
///     char2 `notifying`  read/notify (`notifier`)
///     char3 `indicating` indicate (`indicator`); desc0 2901 constant, desc1 read/write
///   service1 (secondary, 180a): char0 read-only constant
/// Every request a handler sees is recorded in `requests`.
final class TestApplication: Sendable {
    static let service = "12345678-1234-5678-1234-56789abcdef0"
    static let readWrite = "12345678-1234-5678-1234-56789abcdef1"
    static let refusing = "12345678-1234-5678-1234-56789abcdef2"
    static let notifying = "12345678-1234-5678-1234-56789abcdef3"
    static let indicating = "12345678-1234-5678-1234-56789abcdef4"
    static let writableDescriptor = "12345678-1234-5678-1234-56789abcdefd"

    static let root = "/org/presso/peripheral/app"
    static let readWritePath = root + "/service0/char0"
    static let refusingPath = root + "/service0/char1"
    static let notifyingPath = root + "/service0/char2"
    static let indicatingPath = root + "/service0/char3"
    static let userDescriptionPath = root + "/service0/char3/desc0"
    static let writableDescriptorPath = root + "/service0/char3/desc1"

    /// What a write of one byte to `refusing` answers.
    static let errors: [(byte: UInt8, error: GATTError)] = [
        (0x80, .application(0x80)), (0x9F, .application(0x9F)), (0x01, .invalidValueLength),
        (0x02, .invalidOffset), (0x03, .notPermitted), (0x04, .notSupported), (0x05, .notAuthorized),
        (0x06, .inProgress), (0x07, .failed("out of range")), (0x08, .failed("")),
    ]

    let stored = Mutex<[UInt8]>([1, 2, 3, 4, 5])
    let descriptorValue = Mutex<[UInt8]>([0x42])
    let requests = Mutex<[GATTRequest]>([])
    let notifier = GATTNotifier()
    let indicator = GATTNotifier()

    var application: GATTApplication {
        GATTApplication(services: [
            GATTService(uuid: Self.service, characteristics: [
                GATTCharacteristic(
                    uuid: Self.readWrite, flags: [.read, .write],
                    onRead: { [self] request throws(GATTError) in
                        record(request)
                        return try request.slice(stored.withLock { $0 })
                    },
                    onWrite: { [self] value, request throws(GATTError) in
                        record(request)
                        try stored.withLock { current throws(GATTError) in
                            guard request.offset <= current.count else { throw .invalidOffset }
                            current = Array(current[..<request.offset]) + value
                        }
                    }),
                GATTCharacteristic(
                    uuid: Self.refusing, flags: [.read, .write],
                    onRead: { [self] request throws(GATTError) in
                        record(request)
                        throw .application(0x9F)
                    },
                    onWrite: { [self] value, request throws(GATTError) in
                        record(request)
                        if let refusal = Self.errors.first(where: { $0.byte == value.first }) { throw refusal.error }
                    }),
                GATTCharacteristic(
                    uuid: Self.notifying, flags: [.read, .notify],
                    onRead: { [notifier] request throws(GATTError) in try request.slice(notifier.value) },
                    notifier: notifier),
                GATTCharacteristic(
                    uuid: Self.indicating, flags: [.indicate],
                    descriptors: [
                        .constant("2901", Array("Indicated".utf8)),
                        GATTDescriptor(
                            uuid: Self.writableDescriptor, flags: [.read, .write],
                            onRead: { [self] request throws(GATTError) in
                                try request.slice(descriptorValue.withLock { $0 })
                            },
                            onWrite: { [self] value, _ throws(GATTError) in
                                descriptorValue.withLock { $0 = value }
                            }),
                    ],
                    notifier: indicator),
            ]),
            GATTService(uuid: "180a", isPrimary: false, characteristics: [
                GATTCharacteristic(uuid: "2a29", flags: .read, onRead: { request throws(GATTError) in
                    try request.slice(Array("Presso".utf8))
                }),
            ]),
        ])
    }

    static let advertisement = LEAdvertisement(
        localName: "Presso-Test", serviceUUIDs: [service], manufacturerData: [0xFFFF: [1, 2]])

    private func record(_ request: GATTRequest) {
        requests.withLock { $0.append(request) }
    }

    var lastRequest: GATTRequest? { requests.withLock { $0.last } }
}
