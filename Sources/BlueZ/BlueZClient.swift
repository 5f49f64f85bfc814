import DBus

/// Calls into one bluetoothd instance, addressed by its unique name (so a call never reaches a
/// later instance by accident). Each returns the serial of BlueZ's reply, which orders it among
/// BlueZ's signals (see `BlueZView`).
struct BlueZClient {
    let connection: DBusConnection
    let owner: String
    /// BlueZ answers RegisterApplication only after calling back GetManagedObjects; it gives
    /// its own callbacks and mgmt commands a few seconds, so 10 s means it is not answering.
    var timeout: Duration = .seconds(10)

    func call(_ path: DBusObjectPath, _ interface: String, _ method: String, _ arguments: [DBusValue] = [])
        async throws(DBusError) -> DBusMessage
    {
        try await connection.callMessage(
            destination: owner, path: path, interface: interface, method: method, arguments: arguments,
            timeout: timeout)
    }

    func managedObjects() async throws(DBusError) -> (objects: [DBusObjectPath: BlueZView.Interfaces], serial: UInt32) {
        let reply = try await call(BlueZ.rootPath, BlueZ.objectManager, "GetManagedObjects")
        return (try reply.arguments.argument(0), reply.serial)
    }

    func set(_ path: DBusObjectPath, _ interface: String, _ name: String, _ value: DBusValue)
        async throws(DBusError) -> UInt32
    {
        try await call(path, BlueZ.properties, "Set", [.string(interface), .string(name), .variant(value)]).serial
    }

    private static let noOptions = DBusValue.stringVariantDictionary([:])

    func registerApplication(_ root: DBusObjectPath, on adapter: DBusObjectPath) async throws(DBusError) -> UInt32 {
        try await call(adapter, BlueZ.gattManager, "RegisterApplication", [.objectPath(root), Self.noOptions]).serial
    }

    func unregisterApplication(_ root: DBusObjectPath, on adapter: DBusObjectPath) async throws(DBusError) {
        _ = try await call(adapter, BlueZ.gattManager, "UnregisterApplication", [.objectPath(root)])
    }

    func registerAdvertisement(_ path: DBusObjectPath, on adapter: DBusObjectPath) async throws(DBusError) -> UInt32 {
        try await call(adapter, BlueZ.advertisingManager, "RegisterAdvertisement", [.objectPath(path), Self.noOptions]).serial
    }

    func unregisterAdvertisement(_ path: DBusObjectPath, on adapter: DBusObjectPath) async throws(DBusError) {
        _ = try await call(adapter, BlueZ.advertisingManager, "UnregisterAdvertisement", [.objectPath(path)])
    }

    func registerAgent(_ path: DBusObjectPath, capability: String) async throws(DBusError) -> UInt32 {
        try await call(BlueZ.managerPath, BlueZ.agentManager, "RegisterAgent", [.objectPath(path), .string(capability)]).serial
    }

    func requestDefaultAgent(_ path: DBusObjectPath) async throws(DBusError) -> UInt32 {
        try await call(BlueZ.managerPath, BlueZ.agentManager, "RequestDefaultAgent", [.objectPath(path)]).serial
    }

    func unregisterAgent(_ path: DBusObjectPath) async throws(DBusError) {
        _ = try await call(BlueZ.managerPath, BlueZ.agentManager, "UnregisterAgent", [.objectPath(path)])
    }
}
