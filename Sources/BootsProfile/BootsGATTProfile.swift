import BlueZ
import BootsProtocol
import Sequencer
import Synchronization

/// The boots' GATT profile on BlueZ: the contract's catalog (`BootsProtocol.ProfileCatalog`)
/// turned into a `GATTApplication` whose every read and write goes through one `ProfileHandler`
/// into the sequencer, plus the advertisement and the notifications. The bytes and the rules
/// live in BootsProtocol; this type only routes.
public final class BootsGATTProfile: Sendable {
    public let security: SecurityMode
    public let sequencer: any SequencerControl
    /// Rebuilt when the serial number becomes known (it defaults to the adapter address).
    private let handler: Mutex<ProfileHandler>
    private let notifiers: [CharacteristicID: GATTNotifier]

    public init(sequencer: any SequencerControl, deviceInformation: DeviceInformation, security: SecurityMode) {
        self.security = security
        self.sequencer = sequencer
        self.handler = Mutex(ProfileHandler(sequencer: sequencer, deviceInformation: deviceInformation))
        var notifiers: [CharacteristicID: GATTNotifier] = [:]
        for definition in ProfileCatalog.presso.services.flatMap(\.characteristics)
        where definition.has(.notify) || definition.has(.indicate) {
            notifiers[definition.id] = GATTNotifier()
        }
        self.notifiers = notifiers
    }

    public var deviceInformation: DeviceInformation {
        get { handler.withLock { $0.deviceInformation } }
        set { handler.withLock { $0 = ProfileHandler(sequencer: sequencer, deviceInformation: newValue, catalog: $0.catalog) } }
    }

    private var current: ProfileHandler { handler.withLock { $0 } }

    /// The notifier of a notify/indicate characteristic.
    public func notifier(_ id: CharacteristicID) -> GATTNotifier? { notifiers[id] }

    // MARK: The GATT application

    /// The application to register: every service and characteristic of the contract, in its order.
    public var application: GATTApplication {
        GATTApplication(services: ProfileCatalog.presso.services.map { service in
            GATTService(uuid: service.uuid.string, isPrimary: service.primary,
                        characteristics: service.characteristics.map(characteristic))
        })
    }

    private func characteristic(_ definition: CharacteristicDefinition) -> GATTCharacteristic {
        let id = definition.id
        guard let flags = GATTCharacteristicFlags(bluezFlags: definition.flags(security)) else {
            preconditionFailure("the catalog's flags \(definition.flags(security)) are BlueZ flags")
        }
        let descriptors = definition.descriptors.map { descriptor in
            GATTDescriptor(uuid: descriptor.uuid.string, flags: .read, onRead: { @Sendable [self] (request: GATTRequest) throws(GATTError) -> [UInt8] in
                try current.readDescriptor(descriptor.uuid, of: id, offset: request.offset).get(mapping: GATTError.init)
            })
        }
        let onRead: GATTReadHandler? = definition.has(.read) ? { @Sendable [self] (request: GATTRequest) throws(GATTError) -> [UInt8] in
            try current.read(id, offset: request.offset).get(mapping: GATTError.init)
        } : nil
        let onWrite: GATTWriteHandler? = definition.has(.write) ? { @Sendable [self] (value: [UInt8], request: GATTRequest) throws(GATTError) in
            try handleWrite(id, value, request)
        } : nil
        return GATTCharacteristic(uuid: definition.uuid.string, flags: flags, descriptors: descriptors,
                                  onRead: onRead, onWrite: onWrite, notifier: notifiers[id])
    }

    private func handleWrite(_ id: CharacteristicID, _ value: [UInt8], _ request: GATTRequest) throws(GATTError) {
        // A prepared write asking only for authorization carries no value yet: allow it, the
        // execute step comes back as an ordinary WriteValue that is validated in full.
        if request.prepareAuthorize { return }
        let outcome = try current.write(id, value, offset: request.offset).get(mapping: GATTError.init)
        if case .indicate(let response) = outcome, let notifier = notifiers[.controlPoint] {
            // The indication must follow the write response, which BlueZ sends when this handler
            // returns: send it from a new task, after the reply has gone out.
            let bytes = response.bytes
            Task {
                await Task.yield()
                notifier.send(bytes)
            }
        }
    }

    // MARK: Advertisement

    /// The advertisement now: local name, the boots service, discoverable, live status in the
    /// manufacturer data (company 0xFFFF), as the contract's `advertisement` says.
    public func advertisement(localName: String) -> LEAdvertisement {
        let definition = ProfileCatalog.presso.advertisement
        return LEAdvertisement(
            kind: .peripheral, localName: localName, serviceUUIDs: definition.serviceUUIDs.map(\.string),
            manufacturerData: [definition.companyID: current.manufacturerData], discoverable: definition.discoverable)
    }
}

extension GATTError {
    /// The BlueZ error for a refusal of the contract.
    init(_ error: GATTResponseError) {
        switch error {
        case .invalidValueLength: self = .invalidValueLength
        case .invalidOffset: self = .invalidOffset
        case .readNotPermitted, .writeNotPermitted: self = .notPermitted
        case .application(let code): self = .application(code.rawValue)
        }
    }
}

extension Result {
    /// The success value, or the failure turned into `E`.
    func get<E: Error>(mapping transform: (Failure) -> E) throws(E) -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let error): throw transform(error)
        }
    }
}
