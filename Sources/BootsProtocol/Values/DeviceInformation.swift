/// The Device Information service's strings (0x180A), as the daemon's configuration and the
/// system give them. Each is read as UTF-8, cut to 20 bytes (one PDU at the default MTU)
/// without splitting a character.
public struct DeviceInformation: Sendable, Equatable {
    /// 0x2A29, config `device.manufacturer`.
    public var manufacturer: String
    /// 0x2A24, config `device.model`.
    public var model: String
    /// 0x2A25, config `device.serial`; default `DeviceInformation.serial(adapterAddress:)`.
    public var serial: String
    /// 0x2A26: the controller's kernel release (`uname -r`).
    public var firmware: String
    /// 0x2A28: pressod's version.
    public var software: String

    public static let defaultManufacturer = "Presso"
    public static let defaultModel = "Presso Boots"
    public static let maximumBytes = 20

    public init(manufacturer: String = DeviceInformation.defaultManufacturer,
                model: String = DeviceInformation.defaultModel,
                serial: String, firmware: String, software: String) {
        self.manufacturer = manufacturer
        self.model = model
        self.serial = serial
        self.firmware = firmware
        self.software = software
    }

    /// The value of a Device Information characteristic; nil for the boots service's ones.
    public func value(for characteristic: CharacteristicID) -> [UInt8]? {
        let text: String
        switch characteristic {
        case .manufacturer: text = manufacturer
        case .model: text = model
        case .serial: text = serial
        case .firmware: text = firmware
        case .software: text = software
        case .pressure, .chambers, .timer, .liveState, .program, .controlPoint: return nil
        }
        return DeviceInformation.utf8(text)
    }

    /// `text` as UTF-8, cut after the last whole character that fits in `maximumBytes`: never a
    /// partial code point, nor a base letter without its combining marks.
    public static func utf8(_ text: String, maximumBytes: Int = DeviceInformation.maximumBytes) -> [UInt8] {
        var bytes: [UInt8] = []
        for character in text {
            let encoded = Array(String(character).utf8)
            guard bytes.count + encoded.count <= maximumBytes else { break }
            bytes += encoded
        }
        return bytes
    }

    /// The default serial number: the adapter address without colons ("00:AA:01:00:00:23" →
    /// "00AA01000023").
    public static func serial(adapterAddress: String) -> String {
        adapterAddress.filter { $0 != ":" }.uppercased()
    }

    /// The default local name: "Presso-" and the address's last 4 hex digits ("Presso-0023").
    public static func localName(adapterAddress: String) -> String {
        "Presso-" + serial(adapterAddress: adapterAddress).suffix(4)
    }
}
