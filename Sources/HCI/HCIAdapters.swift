import CBluetooth
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What the kernel says about one Bluetooth controller (`struct hci_dev_info`).
public struct HCIAdapterInfo: Sendable, Equatable {
    /// The kernel's index: N of `hciN`.
    public var id: Int
    /// "hci0".
    public var name: String
    /// "AA:BB:CC:DD:EE:FF" (00:00:00:00:00:00 until the controller has been set up).
    public var address: String
    /// HCI_UP: the controller is powered (what bluetoothd's Adapter1.Powered follows).
    public var isUp: Bool
    /// LMP feature page 0 (Core spec Vol 2 Part C 3.3), as the controller reported it.
    public var features: [UInt8]

    public init(id: Int, name: String, address: String, isUp: Bool, features: [UInt8]) {
        self.id = id
        self.name = name
        self.address = address
        self.isUp = isUp
        self.features = features
    }

    /// "LE Supported (Controller)", byte 4 bit 6 of the feature page: the controller can
    /// advertise and accept LE connections, which the boots need.
    public var supportsLE: Bool { features.count > 4 && features[4] & UInt8(LMP_LE) != 0 }
    /// "BR/EDR Not Supported", byte 4 bit 5: an LE-only controller.
    public var isLEOnly: Bool { features.count > 4 && features[4] & UInt8(LMP_NO_BREDR) != 0 }
}

/// A libbluetooth call that failed, with the errno it left.
public struct HCIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var errno: Int32
    public var operation: String

    public init(errno: Int32, operation: String) {
        self.errno = errno
        self.operation = operation
    }

    /// The kernel was built without Bluetooth, or its module is not loaded: no socket of the
    /// AF_BLUETOOTH family can be opened at all.
    public var kernelHasNoBluetooth: Bool { errno == EAFNOSUPPORT }

    public var description: String {
        let text = String(cString: strerror(errno))
        if kernelHasNoBluetooth {
            return "\(operation): kernel has no Bluetooth (AF_BLUETOOTH unsupported: \(text), errno \(errno))"
        }
        return "\(operation): \(text) (errno \(errno))"
    }
}

/// The kernel's Bluetooth controllers through libbluetooth's HCI device ioctls.
public enum HCIAdapters {
    /// Every controller the kernel has, in index order. Throws when the kernel cannot be asked
    /// at all (no AF_BLUETOOTH, no permission); an empty list means no controller.
    public static func all() throws(HCIError) -> [HCIAdapterInfo] {
        var adapters: [HCIAdapterInfo] = []
        // Indices are allocated from 0 and reused; HCI_MAX_DEV bounds what hci_get_dev_list
        // itself asks for. A missing index answers ENODEV.
        for id in 0..<Int(HCI_MAX_DEV) {
            do throws(HCIError) {
                adapters.append(try info(id: id))
            } catch where error.errno == ENODEV {
                continue
            }
        }
        return adapters
    }

    /// The controller with kernel index `id` (ENODEV when there is none).
    public static func info(id: Int) throws(HCIError) -> HCIAdapterInfo {
        var raw = hci_dev_info()
        guard hci_devinfo(Int32(id), &raw) == 0 else {
            throw HCIError(errno: errno, operation: "hci_devinfo(hci\(id))")
        }
        let name = withUnsafeBytes(of: raw.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var text = [CChar](repeating: 0, count: 18)
        var address = raw.bdaddr
        _ = ba2str(&address, &text)
        let features = withUnsafeBytes(of: raw.features) { Array($0) }
        return HCIAdapterInfo(
            id: Int(raw.dev_id), name: name,
            address: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
            isUp: raw.flags & (1 << UInt32(HCI_UP)) != 0,
            features: features)
    }
}
