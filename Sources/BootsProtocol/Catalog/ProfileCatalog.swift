/// Every characteristic of the profile, by the contract's ids.
public enum CharacteristicID: String, Sendable, CaseIterable {
    // Presso Boots service.
    case pressure, chambers, timer, liveState, program, controlPoint
    // Device Information service.
    case manufacturer, model, serial, firmware, software
}

/// A characteristic property as the contract lists it.
public enum GATTProperty: String, Sendable, CaseIterable {
    case read, write, notify, indicate
}

/// How writes are protected (the daemon's configuration).
public enum SecurityMode: String, Sendable, CaseIterable {
    /// Default: every write needs an encrypted link from a bonded central (`encrypt-write`).
    case bonded
    /// Development only: plain `write`.
    case open
}

/// One characteristic: what the BlueZ layer registers.
public struct CharacteristicDefinition: Sendable, Equatable {
    public var id: CharacteristicID
    public var name: String
    public var uuid: BluetoothUUID
    /// In the contract's order.
    public var properties: [GATTProperty]
    /// Writes need `encrypt-write` in security mode `bonded`.
    public var secureWrite: Bool
    public var descriptors: [DescriptorDefinition]

    public init(_ id: CharacteristicID, _ name: String, _ uuid: BluetoothUUID, _ properties: [GATTProperty],
                secureWrite: Bool = false, descriptors: [DescriptorDefinition] = []) {
        self.id = id
        self.name = name
        self.uuid = uuid
        self.properties = properties
        self.secureWrite = secureWrite
        self.descriptors = descriptors
    }

    /// The BlueZ `Flags` property: the properties, with `write` turned into `encrypt-write` for a
    /// secure-write characteristic in security mode `bonded`. Reads and notifications stay open.
    public func flags(_ mode: SecurityMode) -> [String] {
        properties.map { property in
            property == .write && secureWrite && mode == .bonded ? "encrypt-write" : property.rawValue
        }
    }

    public func has(_ property: GATTProperty) -> Bool { properties.contains(property) }
}

public struct ServiceDefinition: Sendable, Equatable {
    public var id: String
    public var name: String
    public var uuid: BluetoothUUID
    public var primary: Bool
    public var characteristics: [CharacteristicDefinition]
}

/// The LE advertisement (see `ManufacturerData` for its payload).
public struct AdvertisementDefinition: Sendable, Equatable {
    /// BlueZ's `Type`.
    public var type = "peripheral"
    public var serviceUUIDs: [BluetoothUUID]
    public var discoverable = true
    /// 0xFFFF: the SIG's id for devices without a company identifier.
    public var companyID: UInt16 = ManufacturerData.companyID
    /// No Appearance: it would not fit in 31 bytes; leaving it out means 0x0000 (Unknown).
    public var includesAppearance = false
}

/// The boots' GATT profile as a value: services, characteristics, flags, descriptors and the
/// advertisement, exactly as gatt-schema/presso-boots.json defines them (a test compares the two).
/// The BlueZ layer turns it into a GATT application; values come from `ProfileHandler`.
public struct ProfileCatalog: Sendable, Equatable {
    public var services: [ServiceDefinition]
    public var advertisement: AdvertisementDefinition

    public static let bootsServiceUUID = BluetoothUUID(literal: "4012bb60-16d2-4616-9ed5-bef27f442212")

    /// The contract, version 1.
    public static let presso: ProfileCatalog = {
        func boots(_ last: String) -> BluetoothUUID { BluetoothUUID(literal: "4012bb6\(last)-16d2-4616-9ed5-bef27f442212") }
        func text(_ string: String) -> [DescriptorDefinition] { [DescriptorDefinition(.userDescription(string))] }
        let pressureFormat = PresentationFormat(format: PresentationFormat.uint16Format, exponent: 0,
                                                unit: PresentationFormat.millimetreOfMercury)
        let bootsService = ServiceDefinition(id: "boots", name: "Presso Boots", uuid: bootsServiceUUID, primary: true, characteristics: [
            CharacteristicDefinition(.pressure, "Pressure", boots("1"), [.read, .write, .notify], secureWrite: true,
                                     descriptors: text("Set pressure (mmHg)") + [
                                        DescriptorDefinition(.presentationFormat(pressureFormat)),
                                        DescriptorDefinition(.pressureValidRange)]),
            CharacteristicDefinition(.chambers, "Chamber Count", boots("2"), [.read, .write, .notify], secureWrite: true,
                                     descriptors: text("Chambers in use")),
            CharacteristicDefinition(.timer, "Session Timer", boots("3"), [.read, .write, .notify], secureWrite: true,
                                     descriptors: text("Session timer")),
            CharacteristicDefinition(.liveState, "Live State", boots("4"), [.read, .notify], descriptors: text("Live state")),
            CharacteristicDefinition(.program, "Program", boots("5"), [.read, .notify], descriptors: text("Program")),
            CharacteristicDefinition(.controlPoint, "Control Point", boots("6"), [.write, .indicate], secureWrite: true,
                                     descriptors: text("Control point")),
        ])
        let deviceInformation = ServiceDefinition(
            id: "deviceInformation", name: "Device Information", uuid: BluetoothUUID(short: 0x180A), primary: true,
            characteristics: [
                CharacteristicDefinition(.manufacturer, "Manufacturer Name String", BluetoothUUID(short: 0x2A29), [.read]),
                CharacteristicDefinition(.model, "Model Number String", BluetoothUUID(short: 0x2A24), [.read]),
                CharacteristicDefinition(.serial, "Serial Number String", BluetoothUUID(short: 0x2A25), [.read]),
                CharacteristicDefinition(.firmware, "Firmware Revision String", BluetoothUUID(short: 0x2A26), [.read]),
                CharacteristicDefinition(.software, "Software Revision String", BluetoothUUID(short: 0x2A28), [.read]),
            ])
        return ProfileCatalog(services: [bootsService, deviceInformation],
                              advertisement: AdvertisementDefinition(serviceUUIDs: [bootsServiceUUID]))
    }()

    /// The definition of a characteristic.
    public func characteristic(_ id: CharacteristicID) -> CharacteristicDefinition {
        guard let found = services.lazy.flatMap(\.characteristics).first(where: { $0.id == id }) else {
            preconditionFailure("the catalog lists every CharacteristicID; \(id) is missing")
        }
        return found
    }
}

extension BluetoothUUID {
    /// A UUID literal of the catalog, known to be well-formed.
    fileprivate init(literal: String) {
        guard let uuid = BluetoothUUID(literal) else { preconditionFailure("malformed UUID literal \(literal)") }
        self = uuid
    }
}
