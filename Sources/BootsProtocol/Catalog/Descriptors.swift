import Sequencer

/// Characteristic Presentation Format (0x2904): 7 bytes saying how a generic client shows a value.
public struct PresentationFormat: Sendable, Equatable {
    public var format: UInt8
    public var exponent: Int8
    /// A unit UUID16 (mmHg 0x2781, second 0x2703, …).
    public var unit: UInt16
    /// 0x01: the Bluetooth SIG namespace.
    public var namespace: UInt8 = 0x01
    public var description: UInt16 = 0x0000

    public static let uint16Format: UInt8 = 0x06
    public static let millimetreOfMercury: UInt16 = 0x2781

    public init(format: UInt8, exponent: Int8, unit: UInt16) {
        self.format = format
        self.exponent = exponent
        self.unit = unit
    }

    public var bytes: [UInt8] {
        var writer = ByteWriter(capacity: 7)
        writer.uint8(format)
        writer.uint8(UInt8(bitPattern: exponent))
        writer.uint16(unit)
        writer.uint8(namespace)
        writer.uint16(description)
        return writer.bytes
    }
}

/// One descriptor of a characteristic. Every descriptor of the profile is read-only and open.
public struct DescriptorDefinition: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        /// Characteristic User Description (0x2901): UTF-8 text.
        case userDescription(String)
        /// Characteristic Presentation Format (0x2904).
        case presentationFormat(PresentationFormat)
        /// Valid Range (0x2906) of the set pressure: 20 mmHg to the configured cap, uint16 each.
        case pressureValidRange
    }

    public var content: Content

    public init(_ content: Content) { self.content = content }

    public var uuid: BluetoothUUID {
        switch content {
        case .userDescription: BluetoothUUID(short: 0x2901)
        case .presentationFormat: BluetoothUUID(short: 0x2904)
        case .pressureValidRange: BluetoothUUID(short: 0x2906)
        }
    }

    public var name: String {
        switch content {
        case .userDescription: "Characteristic User Description"
        case .presentationFormat: "Characteristic Presentation Format"
        case .pressureValidRange: "Valid Range"
        }
    }

    /// BlueZ flags of the descriptor.
    public var flags: [String] { ["read"] }

    /// The descriptor's value; the valid range depends on the configured cap.
    public func value(config: SequencerConfig) -> [UInt8] {
        switch content {
        case .userDescription(let text):
            return Array(text.utf8)
        case .presentationFormat(let format):
            return format.bytes
        case .pressureValidRange:
            var writer = ByteWriter(capacity: 4)
            writer.uint16(UInt16(SessionSettings.pressureRange.lowerBound))
            writer.uint16(UInt16(clamping: config.pressureCap))
            return writer.bytes
        }
    }
}
