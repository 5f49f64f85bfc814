import DBus
import Synchronization

/// An `LEAdvertisement` exported as `org.bluez.LEAdvertisement1` (doc/advertising-api.txt).
///
/// Properties are read from the current value, so `GetAll` (what `RegisterAdvertisement` reads)
/// always sees it. BlueZ 5.66 watches the registered object's `PropertiesChanged` and refreshes
/// the advertising data from it (src/advertising.c, `properties_changed`), so an update whose
/// properties stay the same set is just that signal. A property that appears or disappears
/// (`LocalName`, `Appearance`) needs a new registration: BlueZ reads an invalidated
/// `Appearance` as 0 and would then advertise "Unknown" appearance instead of none.
final class AdvertisementObject: Sendable {
    let path: DBusObjectPath
    let connection: DBusConnection
    private let current: Mutex<LEAdvertisement>
    /// Called with BlueZ's `Release` call (it no longer broadcasts this advertisement).
    private let onRelease: @Sendable (DBusMessage) -> Void

    init(_ advertisement: LEAdvertisement, path: DBusObjectPath, connection: DBusConnection,
         onRelease: @escaping @Sendable (DBusMessage) -> Void) {
        self.path = path
        self.connection = connection
        self.current = Mutex(advertisement)
        self.onRelease = onRelease
    }

    var advertisement: LEAdvertisement { current.withLock { $0 } }

    func export() async throws(DBusError) {
        try await connection.export([interface(for: advertisement)], at: path)
    }

    func unexport() { connection.unexport(path) }

    enum Update: Equatable {
        /// Nothing BlueZ reads changed.
        case unchanged
        /// BlueZ was told through `PropertiesChanged`.
        case signalled
        /// The set of properties changed: unregister, `reexport()`, register again.
        case needsRegistration
    }

    /// Takes `new` as the current value and tells BlueZ what changed, if it can.
    func update(to new: LEAdvertisement) -> Update {
        let old = current.withLock { value in
            defer { value = new }
            return value
        }
        let before = Self.properties(of: old), after = Self.properties(of: new)
        guard Set(before.keys) == Set(after.keys) else { return .needsRegistration }
        let changed = after.filter { before[$0.key] != $0.value }
        guard !changed.isEmpty else { return .unchanged }
        try? connection.emitPropertiesChanged(path: path, interface: BlueZ.advertisement, changed: changed)
        return .signalled
    }

    /// Exports the object again with the current set of properties.
    func reexport() async throws(DBusError) {
        connection.unexport(path)
        try await export()
    }

    /// The properties BlueZ reads, by name; optional ones only when set.
    static func properties(of ad: LEAdvertisement) -> [String: DBusValue] {
        var manufacturer: [DBusValue: DBusValue] = [:]
        for (company, data) in ad.manufacturerData { manufacturer[.uint16(company)] = .variant(.bytes(data)) }
        var properties: [String: DBusValue] = [
            "Type": .string(ad.kind.rawValue),
            "ServiceUUIDs": ad.serviceUUIDs.dbusValue,
            "ManufacturerData": .dictionary(key: "q", value: "v", manufacturer),
            "Discoverable": .bool(ad.discoverable),
            "Includes": ad.includes.dbusValue,
        ]
        if let name = ad.localName { properties["LocalName"] = .string(name) }
        if let appearance = ad.appearance { properties["Appearance"] = .uint16(appearance) }
        return properties
    }

    private func interface(for ad: LEAdvertisement) -> DBusInterface {
        let onRelease = self.onRelease
        let properties = Self.properties(of: ad).keys.sorted().map { name in
            DBusProperty(name, type: Self.properties(of: ad)[name]!.signature, get: { [self] () throws(DBusError) in
                guard let value = Self.properties(of: advertisement)[name] else {
                    throw .failed("\(name) is not set")
                }
                return value
            })
        }
        return DBusInterface(BlueZ.advertisement, methods: [
            DBusMethod("Release") { call in
                onRelease(call)
                return []
            }
        ], properties: properties)
    }
}

extension LEAdvertisement {
    /// Checks what BlueZ 5.66 would refuse at registration, or silently drop: see
    /// `GATTApplicationError`. The advertising data must fit the 31 bytes of a legacy
    /// advertisement (the local name goes into the scan response, which has 31 bytes of its own).
    public func validate() throws(GATTApplicationError) {
        var problems: [String] = []
        if localName == "" { problems.append("LocalName is empty (use nil for none)") }
        for uuid in serviceUUIDs where !isBluetoothUUID(uuid) { problems.append("service UUID \(uuid) is invalid") }
        if kind == .broadcast && discoverable { problems.append("a broadcast advertisement cannot be discoverable") }
        for include in includes where !["tx-power", "appearance", "local-name"].contains(include) {
            problems.append("unknown Includes entry \(include)")
        }
        if includes.contains("local-name") && localName != nil {
            problems.append("LocalName and Includes local-name both set (BlueZ refuses it)")
        }
        if includes.contains("appearance") && appearance != nil {
            problems.append("Appearance and Includes appearance both set (BlueZ refuses it)")
        }
        if let localName, localName.utf8.count > 29 {
            problems.append("LocalName takes \(localName.utf8.count) bytes; the scan response holds 29")
        }
        if advertisingDataLength > 31 {
            problems.append("the advertising data takes \(advertisingDataLength) bytes; a legacy advertisement holds 31")
        }
        if !problems.isEmpty { throw GATTApplicationError(problems: problems) }
    }

    /// The bytes BlueZ puts in the advertising data: flags (3), service UUIDs grouped by size
    /// (2 + size × count per group), manufacturer data (4 + length each), appearance (4),
    /// TX power (3).
    public var advertisingDataLength: Int {
        var length = kind == .peripheral || discoverable ? 3 : 0
        for size in [2, 4, 16] {
            let count = serviceUUIDs.filter { uuidSize($0) == size }.count
            if count > 0 { length += 2 + size * count }
        }
        length += manufacturerData.values.reduce(0) { $0 + 4 + $1.count }
        if appearance != nil || includes.contains("appearance") { length += 4 }
        if includes.contains("tx-power") { length += 3 }
        return length
    }
}

private func uuidSize(_ uuid: String) -> Int {
    switch uuid.count {
    case 4: 2
    case 8: 4
    default: 16
    }
}
