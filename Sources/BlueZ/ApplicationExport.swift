import DBus
import Logging

/// A `GATTApplication` exported on a connection as the object tree
/// `GattManager1.RegisterApplication` expects: an object manager at `root`, and below it
/// `serviceN`, `serviceN/charM`, `serviceN/charM/descK`.
///
/// The objects stay exported for the life of the peripheral, across bluetoothd restarts: BlueZ
/// reads them again (`GetManagedObjects`) at each registration.
final class ApplicationExport: Sendable {
    let root: DBusObjectPath
    let connection: DBusConnection
    /// Every object with its one interface, parents before children.
    let objects: [(path: DBusObjectPath, interface: DBusInterface)]
    /// Notify/indicate characteristics: their notifier and object path.
    let notifiers: [(notifier: GATTNotifier, path: DBusObjectPath)]
    let links: LinkMTUs

    /// Lays the application out under `root`. It must be valid (`GATTApplication.validate()`).
    init(_ application: GATTApplication, root: DBusObjectPath, connection: DBusConnection, links: LinkMTUs,
         logger: Logger) {
        let build = AttributeInterfaces(links: links, logger: logger)
        var objects: [(DBusObjectPath, DBusInterface)] = []
        var notifiers: [(GATTNotifier, DBusObjectPath)] = []
        for (s, service) in application.services.enumerated() {
            let servicePath = root.child("service\(s)")
            objects.append((servicePath, build.service(service)))
            for (c, characteristic) in service.characteristics.enumerated() {
                let path = servicePath.child("char\(c)")
                objects.append((path, build.characteristic(characteristic, at: path, service: servicePath)))
                if let notifier = characteristic.notifier { notifiers.append((notifier, path)) }
                for (d, descriptor) in characteristic.descriptors.enumerated() {
                    let descriptorPath = path.child("desc\(d)")
                    objects.append((descriptorPath, build.descriptor(descriptor, at: descriptorPath, characteristic: path)))
                }
            }
        }
        self.root = root
        self.connection = connection
        self.objects = objects
        self.notifiers = notifiers
        self.links = links
    }

    /// Exports every object, then the object manager (so no `InterfacesAdded` is emitted for a
    /// tree nobody has registered yet), and binds each notifier to its characteristic.
    func export() async throws(DBusError) {
        do throws(DBusError) {
            for object in objects { try await connection.export([object.interface], at: object.path) }
        } catch {
            unexport()
            throw error
        }
        connection.addObjectManager(at: root)
        let connection = self.connection
        for (notifier, path) in notifiers {
            let bound = notifier.bind({ value in
                try? connection.emitPropertiesChanged(
                    path: path, interface: BlueZ.gattCharacteristic, changed: ["Value": .bytes(value)])
            }, links: links)
            precondition(bound, "a GATTNotifier serves one characteristic of one exported application")
        }
    }

    /// BlueZ forgot the registration (bluetoothd stopped, adapter gone): nobody is subscribed
    /// any more, and the next StartNotify will come from a new registration.
    func registrationLost() {
        for (notifier, _) in notifiers { notifier.setNotifying(false) }
    }

    func unexport() {
        for (notifier, _) in notifiers { notifier.unbind() }
        connection.removeObjectManager(at: root)
        for object in objects.reversed() { connection.unexport(object.path) }
    }
}
