/// A GATT application as a value: services → characteristics → descriptors, each carrying its
/// own read/write behaviour. Handing one to `BluetoothPeripheral` exports it on D-Bus and registers
/// it with `org.bluez.GattManager1` (again after every bluetoothd restart or adapter return).
///
/// UUIDs are strings as BlueZ takes them: 16-bit (`"180a"`) or 128-bit lower-case
/// (`"4012bb60-16d2-4616-9ed5-bef27f442212"`).
public struct GATTApplication: Sendable {
    public var services: [GATTService]

    public init(services: [GATTService]) {
        self.services = services
    }
}

public struct GATTService: Sendable {
    public var uuid: String
    public var isPrimary: Bool
    public var characteristics: [GATTCharacteristic]

    public init(uuid: String, isPrimary: Bool = true, characteristics: [GATTCharacteristic]) {
        self.uuid = uuid
        self.isPrimary = isPrimary
        self.characteristics = characteristics
    }
}

/// BlueZ's characteristic flags (`org.bluez.GattCharacteristic1.Flags`).
public struct GATTCharacteristicFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let broadcast = Self(rawValue: 1 << 0)
    public static let read = Self(rawValue: 1 << 1)
    public static let writeWithoutResponse = Self(rawValue: 1 << 2)
    public static let write = Self(rawValue: 1 << 3)
    public static let notify = Self(rawValue: 1 << 4)
    public static let indicate = Self(rawValue: 1 << 5)
    public static let authenticatedSignedWrites = Self(rawValue: 1 << 6)
    public static let reliableWrite = Self(rawValue: 1 << 7)
    public static let writableAuxiliaries = Self(rawValue: 1 << 8)
    /// Reads need an encrypted (paired) link.
    public static let encryptRead = Self(rawValue: 1 << 9)
    /// Writes need an encrypted (paired) link; an unencrypted write gets ATT 0x0F and the
    /// central's stack starts pairing.
    public static let encryptWrite = Self(rawValue: 1 << 10)
    public static let encryptNotify = Self(rawValue: 1 << 11)
    public static let encryptIndicate = Self(rawValue: 1 << 12)
    /// Reads/writes need an encrypted link with MITM protection (not possible with Just Works).
    public static let encryptAuthenticatedRead = Self(rawValue: 1 << 13)
    public static let encryptAuthenticatedWrite = Self(rawValue: 1 << 14)
    public static let secureRead = Self(rawValue: 1 << 15)
    public static let secureWrite = Self(rawValue: 1 << 16)
    public static let authorize = Self(rawValue: 1 << 17)

    static let names: [(Self, String)] = [
        (.broadcast, "broadcast"), (.read, "read"), (.writeWithoutResponse, "write-without-response"),
        (.write, "write"), (.notify, "notify"), (.indicate, "indicate"),
        (.authenticatedSignedWrites, "authenticated-signed-writes"), (.reliableWrite, "reliable-write"),
        (.writableAuxiliaries, "writable-auxiliaries"), (.encryptRead, "encrypt-read"),
        (.encryptWrite, "encrypt-write"), (.encryptNotify, "encrypt-notify"), (.encryptIndicate, "encrypt-indicate"),
        (.encryptAuthenticatedRead, "encrypt-authenticated-read"),
        (.encryptAuthenticatedWrite, "encrypt-authenticated-write"), (.secureRead, "secure-read"),
        (.secureWrite, "secure-write"), (.authorize, "authorize"),
    ]

    /// The flag strings BlueZ expects, in a stable order.
    public var bluezFlags: [String] { Self.names.filter { contains($0.0) }.map(\.1) }

    /// Parses BlueZ flag strings; nil for an unknown one.
    public init?(bluezFlags: [String]) {
        var flags = Self()
        for name in bluezFlags {
            guard let flag = Self.names.first(where: { $0.1 == name })?.0 else { return nil }
            flags.insert(flag)
        }
        self = flags
    }

    /// Any flag that lets a central write.
    public static let writing: Self = [.write, .writeWithoutResponse, .encryptWrite, .encryptAuthenticatedWrite, .secureWrite, .authenticatedSignedWrites, .reliableWrite]
    /// Any flag that lets a central read.
    public static let reading: Self = [.read, .encryptRead, .encryptAuthenticatedRead, .secureRead]
}

/// What BlueZ tells about one ReadValue/WriteValue call (`a{sv} options`), as 5.66 really sends
/// it: `device` always, `offset` only when non-zero, `mtu`, `link`, `prepare-authorize` only when
/// set; no `type`.
public struct GATTRequest: Sendable, Equatable {
    /// The central's `org.bluez.Device1` object path.
    public var device: String?
    public var offset: Int
    /// The link's ATT MTU, when BlueZ says.
    public var mtu: Int?
    /// "LE" or "BR/EDR".
    public var link: String?
    /// A prepared (long/reliable) write asking for authorization only; no value is written yet.
    public var prepareAuthorize: Bool

    public init(device: String? = nil, offset: Int = 0, mtu: Int? = nil, link: String? = nil, prepareAuthorize: Bool = false) {
        self.device = device
        self.offset = offset
        self.mtu = mtu
        self.link = link
        self.prepareAuthorize = prepareAuthorize
    }
}

/// How a handler refuses a request. BlueZ turns each into an ATT error for the central
/// (src/gatt-database.c): `application(0x80...0x9F)` into that very code.
public enum GATTError: Error, Sendable, Equatable {
    /// `org.bluez.Error.Failed` with a message; BlueZ answers ATT 0x80 (Unlikely Error 0x0E if
    /// the message reads as a number outside 0x80–0x9F: BlueZ parses it with `strtol`, so an
    /// empty message would count as 0 — it is sent as "Failed" instead).
    case failed(String)
    /// An application error code, 0x80–0x9F: `org.bluez.Error.Failed` with message "0xNN".
    case application(UInt8)
    case invalidValueLength   // ATT 0x0D
    case invalidOffset        // ATT 0x07
    case notPermitted         // ATT 0x02 on read, 0x03 on write
    case notSupported         // ATT 0x06
    case notAuthorized        // ATT 0x08
    case inProgress           // ATT 0xFE

    public var dbusName: String {
        switch self {
        case .failed, .application: "org.bluez.Error.Failed"
        case .invalidValueLength: "org.bluez.Error.InvalidValueLength"
        case .invalidOffset: "org.bluez.Error.InvalidOffset"
        case .notPermitted: "org.bluez.Error.NotPermitted"
        case .notSupported: "org.bluez.Error.NotSupported"
        case .notAuthorized: "org.bluez.Error.NotAuthorized"
        case .inProgress: "org.bluez.Error.InProgress"
        }
    }

    public var dbusMessage: String {
        switch self {
        case .failed(let message): return message.isEmpty ? "Failed" : message
        case .application(let code):
            precondition((0x80...0x9F).contains(code), "application ATT error codes are 0x80...0x9F, got \(code)")
            return "0x" + String(code, radix: 16, uppercase: false).leftPadded(to: 2)
        case .invalidValueLength: return "Invalid value length"
        case .invalidOffset: return "Invalid offset"
        case .notPermitted: return "Not permitted"
        case .notSupported: return "Not supported"
        case .notAuthorized: return "Not authorized"
        case .inProgress: return "In progress"
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

public typealias GATTReadHandler = @Sendable (GATTRequest) async throws(GATTError) -> [UInt8]
public typealias GATTWriteHandler = @Sendable ([UInt8], GATTRequest) async throws(GATTError) -> Void

public struct GATTCharacteristic: Sendable {
    public var uuid: String
    public var flags: GATTCharacteristicFlags
    public var descriptors: [GATTDescriptor]
    /// Required when `flags` lets a central read.
    public var onRead: GATTReadHandler?
    /// Required when `flags` lets a central write.
    public var onWrite: GATTWriteHandler?
    /// Required when `flags` has `notify` or `indicate`: the application pushes values through it.
    public var notifier: GATTNotifier?

    public init(uuid: String, flags: GATTCharacteristicFlags, descriptors: [GATTDescriptor] = [],
                onRead: GATTReadHandler? = nil, onWrite: GATTWriteHandler? = nil, notifier: GATTNotifier? = nil) {
        self.uuid = uuid
        self.flags = flags
        self.descriptors = descriptors
        self.onRead = onRead
        self.onWrite = onWrite
        self.notifier = notifier
    }
}

/// BlueZ's descriptor flags (`org.bluez.GattDescriptor1.Flags`).
public struct GATTDescriptorFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let read = Self(rawValue: 1 << 0)
    public static let write = Self(rawValue: 1 << 1)
    public static let encryptRead = Self(rawValue: 1 << 2)
    public static let encryptWrite = Self(rawValue: 1 << 3)
    public static let encryptAuthenticatedRead = Self(rawValue: 1 << 4)
    public static let encryptAuthenticatedWrite = Self(rawValue: 1 << 5)
    public static let secureRead = Self(rawValue: 1 << 6)
    public static let secureWrite = Self(rawValue: 1 << 7)

    static let names: [(Self, String)] = [
        (.read, "read"), (.write, "write"), (.encryptRead, "encrypt-read"), (.encryptWrite, "encrypt-write"),
        (.encryptAuthenticatedRead, "encrypt-authenticated-read"),
        (.encryptAuthenticatedWrite, "encrypt-authenticated-write"), (.secureRead, "secure-read"),
        (.secureWrite, "secure-write"),
    ]

    public var bluezFlags: [String] { Self.names.filter { contains($0.0) }.map(\.1) }
}

public struct GATTDescriptor: Sendable {
    public var uuid: String
    public var flags: GATTDescriptorFlags
    public var onRead: GATTReadHandler?
    public var onWrite: GATTWriteHandler?

    public init(uuid: String, flags: GATTDescriptorFlags = .read, onRead: GATTReadHandler? = nil, onWrite: GATTWriteHandler? = nil) {
        self.uuid = uuid
        self.flags = flags
        self.onRead = onRead
        self.onWrite = onWrite
    }

    /// A read-only descriptor with a fixed value (2901 User Description, 2904 Presentation Format, …).
    public static func constant(_ uuid: String, _ value: [UInt8]) -> GATTDescriptor {
        GATTDescriptor(uuid: uuid, flags: .read, onRead: { (request: GATTRequest) throws(GATTError) -> [UInt8] in
            try request.slice(value)
        })
    }
}

/// An LE advertisement (`org.bluez.LEAdvertisement1`).
public struct LEAdvertisement: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case peripheral, broadcast
    }

    public var kind: Kind
    /// BlueZ 5.66 puts it in the scan response.
    public var localName: String?
    public var serviceUUIDs: [String]
    /// Company identifier → data.
    public var manufacturerData: [UInt16: [UInt8]]
    /// General discoverable (needs bluetoothd --experimental in 5.66); without it a scanning
    /// phone or bluetoothctl never lists the device.
    public var discoverable: Bool
    /// nil: not included (BlueZ would spend 4 bytes of advertising data on it).
    public var appearance: UInt16?
    /// e.g. "tx-power", "appearance", "local-name".
    public var includes: [String]

    public init(kind: Kind = .peripheral, localName: String? = nil, serviceUUIDs: [String] = [],
                manufacturerData: [UInt16: [UInt8]] = [:], discoverable: Bool = true,
                appearance: UInt16? = nil, includes: [String] = []) {
        self.kind = kind
        self.localName = localName
        self.serviceUUIDs = serviceUUIDs
        self.manufacturerData = manufacturerData
        self.discoverable = discoverable
        self.appearance = appearance
        self.includes = includes
    }
}
