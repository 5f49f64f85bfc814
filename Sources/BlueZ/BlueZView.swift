import DBus

/// What one bluetoothd instance has on the bus — its objects, interfaces and properties — kept
/// current from its `InterfacesAdded`/`InterfacesRemoved`/`PropertiesChanged` signals.
///
/// It starts from a `GetManagedObjects` reply and applies only signals newer than the
/// information it already has: bluetoothd numbers every message it sends (D-Bus serials, one
/// increasing sequence per connection), so a signal sent before the reply — but read after it
/// — is recognised as stale by its serial rather than by guessing from arrival order.
struct BlueZView {
    typealias Interfaces = [String: [String: DBusValue]]

    /// bluetoothd's unique bus name.
    let owner: String
    /// Serial of the newest message of `owner` this view includes.
    private(set) var serial: UInt32
    private(set) var objects: [DBusObjectPath: Interfaces]

    init(owner: String, objects: [DBusObjectPath: Interfaces], serial: UInt32) {
        self.owner = owner
        self.objects = objects
        self.serial = serial
    }

    /// Whether `message` is a signal of this bluetoothd newer than the view.
    func isNew(_ message: DBusMessage) -> Bool {
        message.sender == owner && message.serial > serial
    }

    /// Applies one signal of the object tree (`isNew` must hold); other signals are ignored.
    mutating func apply(_ message: DBusMessage) {
        guard isNew(message) else { return }
        serial = message.serial
        let args = message.arguments
        switch (message.interface, message.member) {
        case (BlueZ.objectManager?, "InterfacesAdded"?):
            guard let path = try? args.argument(0, as: DBusObjectPath.self),
                let added = try? args.argument(1, as: Interfaces.self)
            else { return }
            objects[path, default: [:]].merge(added) { _, new in new }
        case (BlueZ.objectManager?, "InterfacesRemoved"?):
            guard let path = try? args.argument(0, as: DBusObjectPath.self),
                let removed = try? args.argument(1, as: [String].self)
            else { return }
            for name in removed { objects[path]?[name] = nil }
            if objects[path]?.isEmpty == true { objects[path] = nil }
        case (BlueZ.properties?, "PropertiesChanged"?):
            guard let path = message.path, objects[path] != nil,
                let interface = try? args.argument(0, as: String.self),
                let changed = try? args.argument(1, as: [String: DBusValue].self),
                let invalidated = try? args.argument(2, as: [String].self),
                objects[path]?[interface] != nil
            else { return }
            objects[path]?[interface]?.merge(changed) { _, new in new }
            for name in invalidated { objects[path]?[interface]?[name] = nil }
        default:
            return
        }
    }

    /// Counts a method reply of `owner` (e.g. a registration) as seen: older signals are stale.
    mutating func noteReply(serial replySerial: UInt32) {
        serial = max(serial, replySerial)
    }

    // MARK: Reading it

    func property(_ path: DBusObjectPath, _ interface: String, _ name: String) -> DBusValue? {
        objects[path]?[interface]?[name]
    }

    func has(_ path: DBusObjectPath, _ interface: String) -> Bool { objects[path]?[interface] != nil }

    /// Adapters (`org.bluez.Adapter1`), by path.
    var adapters: [DBusObjectPath] {
        objects.filter { $0.value[BlueZ.adapter] != nil }.keys.sorted()
    }

    func address(of adapter: DBusObjectPath) -> String? {
        if case .string(let address)? = property(adapter, BlueZ.adapter, "Address") { return address }
        return nil
    }

    func flag(_ path: DBusObjectPath, _ interface: String, _ name: String) -> Bool {
        property(path, interface, name) == .bool(true)
    }

    /// Devices of `adapter` whose `Connected` is true.
    func connectedDevices(of adapter: DBusObjectPath) -> Set<DBusObjectPath> {
        Set(objects.filter { path, interfaces in
            path.isDescendant(of: adapter) && interfaces[BlueZ.device]?["Connected"] == .bool(true)
        }.keys)
    }

    /// The adapter a configuration names — `hci0`, a path, or an address — or the first one.
    func adapter(matching wanted: String?) -> DBusObjectPath? {
        guard let wanted else { return adapters.first }
        return adapters.first { path in
            path.lastComponent == wanted || path.rawValue == wanted
                || address(of: path)?.lowercased() == wanted.lowercased()
        }
    }
}
