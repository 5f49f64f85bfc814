import DBus

/// Names of BlueZ's D-Bus API (doc/*-api.txt of BlueZ 5.66), in one place.
enum BlueZ {
    static let busName = "org.bluez"
    static let rootPath: DBusObjectPath = "/"
    static let managerPath: DBusObjectPath = "/org/bluez"

    static let adapter = "org.bluez.Adapter1"
    static let device = "org.bluez.Device1"
    static let gattManager = "org.bluez.GattManager1"
    static let advertisingManager = "org.bluez.LEAdvertisingManager1"
    static let agentManager = "org.bluez.AgentManager1"

    static let gattService = "org.bluez.GattService1"
    static let gattCharacteristic = "org.bluez.GattCharacteristic1"
    static let gattDescriptor = "org.bluez.GattDescriptor1"
    static let advertisement = "org.bluez.LEAdvertisement1"
    static let agent = "org.bluez.Agent1"

    static let objectManager = "org.freedesktop.DBus.ObjectManager"
    static let properties = "org.freedesktop.DBus.Properties"

    /// Error names BlueZ defines (src/error.h) that this module answers or recognises.
    enum Error {
        static let failed = "org.bluez.Error.Failed"
        static let rejected = "org.bluez.Error.Rejected"
        static let canceled = "org.bluez.Error.Canceled"
        static let alreadyExists = "org.bluez.Error.AlreadyExists"
        static let doesNotExist = "org.bluez.Error.DoesNotExist"
        static let invalidArguments = "org.bluez.Error.InvalidArguments"
    }
}

extension DBusObjectPath {
    /// The last element: `hci0` for `/org/bluez/hci0`.
    var lastComponent: String {
        String(rawValue.split(separator: "/").last ?? "")
    }

    /// A child path this module builds from known-good elements (`service0`, `char1`, …).
    func child(_ element: String) -> DBusObjectPath {
        guard let path = appending(element) else { preconditionFailure("invalid path element \(element)") }
        return path
    }
}
