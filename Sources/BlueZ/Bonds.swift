import DBus

/// A central bonded with the adapter in use: BlueZ keeps its keys across restarts
/// (/var/lib/bluetooth), so it may write to `encrypt-write` characteristics without pairing again.
public struct BondedCentral: Sendable, Equatable {
    public var address: String
    public var name: String
    public var connected: Bool
    /// Its `org.bluez.Device1` object.
    public var path: String
}

extension BluetoothPeripheral {
    /// The centrals bonded with the adapter in use (`Device1.Bonded`, or `Paired` on BlueZ
    /// versions before `Bonded` existed). Throws `NotReady` while no adapter is in use.
    public func bondedCentrals() async throws(DBusError) -> [BondedCentral] {
        let target = try currentTarget()
        let (objects, _) = try await BlueZClient(connection: connection, owner: target.owner).managedObjects()
        return objects.compactMap { path, interfaces -> BondedCentral? in
            guard let device = interfaces[BlueZ.device],
                  device["Adapter"] == .objectPath(target.adapter),
                  (device["Bonded"] ?? device["Paired"]) == .bool(true),
                  case .string(let address)? = device["Address"]
            else { return nil }
            var name = address
            if case .string(let alias)? = device["Alias"] { name = alias }
            return BondedCentral(address: address, name: name, connected: device["Connected"] == .bool(true),
                                 path: path.rawValue)
        }
        .sorted { $0.address < $1.address }
    }

    /// Forgets a bonded central (`Adapter1.RemoveDevice`): its keys are deleted and it must pair
    /// again, inside a pairing window, before it may write.
    public func removeBond(address: String) async throws(DBusError) {
        let target = try currentTarget()
        guard let bond = try await bondedCentrals().first(where: { $0.address.uppercased() == address.uppercased() }),
              let path = DBusObjectPath(rawValue: bond.path)
        else { throw DBusError(name: BlueZ.Error.doesNotExist, message: "no central bonded with address \(address)") }
        _ = try await BlueZClient(connection: connection, owner: target.owner)
            .call(target.adapter, BlueZ.adapter, "RemoveDevice", [.objectPath(path)])
    }

    private func currentTarget() throws(DBusError) -> SharedState.Target {
        guard let target = shared.withLock({ $0.target }) else {
            throw DBusError(name: "org.bluez.Error.NotReady", message: "no Bluetooth adapter in use yet")
        }
        return target
    }
}
