/// Little-endian byte building and reading, as everywhere in Bluetooth. Internal: the public
/// API speaks in typed values and `[UInt8]`.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 20) { bytes.reserveCapacity(capacity) }

    mutating func uint8(_ value: UInt8) { bytes.append(value) }

    mutating func uint16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }
}

/// Reads fields in order from a value whose length the caller has already checked.
struct ByteReader {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func uint8() -> UInt8 {
        defer { index += 1 }
        return bytes[index]
    }

    mutating func uint16() -> UInt16 {
        defer { index += 2 }
        return UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8
    }
}

extension Duration {
    /// Whole seconds (rounded down), clamped to what a `uint16` field holds.
    var wireSeconds: UInt16 {
        let (seconds, _) = components
        return UInt16(clamping: max(seconds, 0))
    }
}

extension Double {
    /// A pressure in whole mmHg (rounded to nearest), clamped to `0...limit`; NaN reads 0.
    func wirePressure(limit: UInt16 = .max) -> UInt16 {
        guard isFinite else { return self > 0 ? limit : 0 }
        return UInt16(Swift.max(0, Swift.min(rounded(), Double(limit))))
    }
}
