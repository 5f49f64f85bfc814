import DBus
import Logging

/// The D-Bus interfaces of one application's attributes, as BlueZ 5.66 reads them
/// (doc/gatt-api.txt): GattService1, GattCharacteristic1, GattDescriptor1.
struct AttributeInterfaces {
    let links: LinkMTUs
    let logger: Logger

    func service(_ service: GATTService) -> DBusInterface {
        let uuid = service.uuid, primary = service.isPrimary
        return DBusInterface(BlueZ.gattService, properties: [
            DBusProperty("UUID", type: "s", get: { .string(uuid) }),
            DBusProperty("Primary", type: "b", get: { .bool(primary) }),
        ])
    }

    /// GattCharacteristic1 at `path`: `UUID`, `Service`, `Flags`, and for notify/indicate
    /// characteristics `Notifying` and `Value` (the last value sent). Every method exists; one
    /// the flags do not allow answers `NotSupported` (BlueZ does not call it anyway).
    func characteristic(_ characteristic: GATTCharacteristic, at path: DBusObjectPath, service: DBusObjectPath)
        -> DBusInterface
    {
        let uuid = characteristic.uuid, flags = characteristic.flags.bluezFlags
        var properties = [
            DBusProperty("UUID", type: "s", get: { .string(uuid) }),
            DBusProperty("Service", type: "o", get: { .objectPath(service) }),
            DBusProperty("Flags", type: "as", get: { flags.dbusValue }),
        ]
        let notifier = characteristic.notifier
        if let notifier {
            properties.append(DBusProperty("Notifying", type: "b", get: { .bool(notifier.isNotifying) }))
            properties.append(DBusProperty("Value", type: "ay", get: { .bytes(notifier.value) }))
        }
        let name = "characteristic \(uuid) (\(path))"
        let logger = self.logger
        return DBusInterface(BlueZ.gattCharacteristic, methods: [
            readValue(characteristic.onRead, name: name),
            writeValue(characteristic.onWrite, name: name),
            DBusMethod("StartNotify") { _ throws(DBusError) in
                guard let notifier else { throw GATTError.notSupported.dbusError }
                logger.debug("StartNotify \(name)")
                notifier.setNotifying(true)
                return []
            },
            DBusMethod("StopNotify") { _ throws(DBusError) in
                guard let notifier else { throw GATTError.notSupported.dbusError }
                logger.debug("StopNotify \(name)")
                notifier.setNotifying(false)
                return []
            },
            DBusMethod("Confirm") { _ throws(DBusError) in
                guard let notifier else { throw GATTError.notSupported.dbusError }
                notifier.confirm()
                return []
            },
        ], properties: properties)
    }

    func descriptor(_ descriptor: GATTDescriptor, at path: DBusObjectPath, characteristic: DBusObjectPath)
        -> DBusInterface
    {
        let uuid = descriptor.uuid, flags = descriptor.flags.bluezFlags
        let name = "descriptor \(uuid) (\(path))"
        return DBusInterface(BlueZ.gattDescriptor, methods: [
            readValue(descriptor.onRead, name: name),
            writeValue(descriptor.onWrite, name: name),
        ], properties: [
            DBusProperty("UUID", type: "s", get: { .string(uuid) }),
            DBusProperty("Characteristic", type: "o", get: { .objectPath(characteristic) }),
            DBusProperty("Flags", type: "as", get: { flags.dbusValue }),
        ])
    }

    /// `ReadValue(a{sv} options) → ay`. The handler sees the parsed options (its offset
    /// included: it answers from there, see `GATTRequest.slice`); its `GATTError` becomes the
    /// error reply BlueZ maps to the ATT error.
    private func readValue(_ onRead: GATTReadHandler?, name: String) -> DBusMethod {
        let links = self.links, logger = self.logger
        return DBusMethod("ReadValue", inputs: [DBusArgument("options", "a{sv}")], outputs: [DBusArgument("value", "ay")]) {
            call throws(DBusError) in
            let request = try GATTRequest(bluezOptions: call.arguments.argument(0))
            links.note(request)
            guard let onRead else { throw GATTError.notSupported.dbusError }
            do throws(GATTError) {
                let value = try await onRead(request)
                // BlueZ would cut it to 512 bytes without a word (BT_ATT_MAX_VALUE_LEN).
                guard value.count <= maximumAttributeLength else {
                    logger.error("\(name): read handler returned \(value.count) bytes, more than an attribute holds (512)")
                    throw GATTError.failed("value longer than 512 bytes")
                }
                logger.trace("ReadValue \(name) offset \(request.offset): \(value.count) bytes")
                return [.bytes(value)]
            } catch {
                logger.debug("ReadValue \(name) refused: \(error.dbusName) \(error.dbusMessage)")
                throw error.dbusError
            }
        }
    }

    /// `WriteValue(ay value, a{sv} options)`.
    private func writeValue(_ onWrite: GATTWriteHandler?, name: String) -> DBusMethod {
        let links = self.links, logger = self.logger
        return DBusMethod("WriteValue", inputs: [DBusArgument("value", "ay"), DBusArgument("options", "a{sv}")]) {
            call throws(DBusError) in
            let value: [UInt8] = try call.arguments.argument(0)
            let request = try GATTRequest(bluezOptions: call.arguments.argument(1))
            links.note(request)
            guard let onWrite else { throw GATTError.notSupported.dbusError }
            do throws(GATTError) {
                try await onWrite(value, request)
                logger.trace("WriteValue \(name) offset \(request.offset): \(value.count) bytes")
                return []
            } catch {
                logger.debug("WriteValue \(name) refused: \(error.dbusName) \(error.dbusMessage)")
                throw error.dbusError
            }
        }
    }
}

/// The longest attribute value ATT allows (and BlueZ passes on).
let maximumAttributeLength = 512

extension GATTDescriptorFlags {
    /// Parses BlueZ flag strings; nil for an unknown one.
    public init?(bluezFlags: [String]) {
        var flags = Self()
        for name in bluezFlags {
            guard let flag = Self.names.first(where: { $0.1 == name })?.0 else { return nil }
            flags.insert(flag)
        }
        self = flags
    }
}
