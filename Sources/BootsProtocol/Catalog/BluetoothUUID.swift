/// A Bluetooth UUID in the form BlueZ's D-Bus API uses: 128 bits, lower-case, hyphenated.
/// 16-bit SIG numbers expand on the Bluetooth base UUID (0000xxxx-0000-1000-8000-00805f9b34fb).
public struct BluetoothUUID: Sendable, Hashable, CustomStringConvertible {
    /// The 128-bit form, e.g. "4012bb61-16d2-4616-9ed5-bef27f442212".
    public let string: String

    private static let baseSuffix = "-0000-1000-8000-00805f9b34fb"

    /// A 16-bit SIG-assigned number (0x2901, 0x180A, …).
    public init(short: UInt16) {
        let hex = String(short, radix: 16)
        self.init(canonical: "0000" + String(repeating: "0", count: 4 - hex.count) + hex + BluetoothUUID.baseSuffix)
    }

    private init(canonical: String) { string = canonical }

    /// Parses "2a29" / "0x2A29" (16-bit) or a 128-bit UUID in any case; nil if neither.
    public init?(_ text: String) {
        var lower = text.lowercased()
        if lower.hasPrefix("0x") { lower.removeFirst(2) }
        if lower.count == 4, let short = UInt16(lower, radix: 16) {
            self.init(short: short)
            return
        }
        let groups = lower.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12],
              groups.allSatisfy({ $0.allSatisfy(\.isHexDigit) })
        else { return nil }
        self.init(canonical: lower)
    }

    /// The 16-bit number, when this is a SIG UUID on the base UUID.
    public var short: UInt16? {
        guard string.hasPrefix("0000"), string.hasSuffix(BluetoothUUID.baseSuffix) else { return nil }
        return UInt16(string.dropFirst(4).prefix(4), radix: 16)
    }

    public var description: String { string }
}
