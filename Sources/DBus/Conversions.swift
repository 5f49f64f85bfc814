/// A Swift type with a fixed D-Bus type, convertible both ways.
///
/// Lets callers and handlers work with `String`, `[UInt8]`, `[String: DBusValue]` (`a{sv}`), …
/// instead of matching `DBusValue` by hand; a mismatch is an `InvalidArgs` error, never a trap.
public protocol DBusRepresentable: Sendable {
    /// The D-Bus type of every value of this Swift type.
    static var dbusSignature: DBusSignature { get }
    /// This value as a D-Bus value.
    var dbusValue: DBusValue { get }
    /// Converts back; throws `InvalidArgs` when `dbusValue` has another type.
    init(dbusValue: DBusValue) throws(DBusError)
}

func typeMismatch(_ value: DBusValue, _ expected: DBusSignature) -> DBusError {
    .invalidArgs("expected a value of type \"\(expected)\", got \"\(value.signatureString)\"")
}

extension DBusValue {
    /// Wraps any representable Swift value.
    public init(_ value: some DBusRepresentable) { self = value.dbusValue }

    /// Converts to a Swift type; `InvalidArgs` when the D-Bus type differs.
    public func `as`<T: DBusRepresentable>(_ type: T.Type = T.self) throws(DBusError) -> T {
        try T(dbusValue: self)
    }
}

extension Array where Element == DBusValue {
    /// Argument `index` of a message converted to `T`; `InvalidArgs` when missing or mistyped.
    public func argument<T: DBusRepresentable>(_ index: Int, as type: T.Type = T.self) throws(DBusError) -> T {
        guard indices.contains(index) else { throw .invalidArgs("missing argument \(index)") }
        return try T(dbusValue: self[index])
    }
}

// The basic types map one to one.
extension UInt8: DBusRepresentable {
    public static var dbusSignature: DBusSignature { "y" }
    public var dbusValue: DBusValue { .byte(self) }
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .byte(let v) = dbusValue else { throw typeMismatch(dbusValue, Self.dbusSignature) }
        self = v
    }
}

extension Bool: DBusRepresentable {
    public static var dbusSignature: DBusSignature { "b" }
    public var dbusValue: DBusValue { .bool(self) }
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .bool(let v) = dbusValue else { throw typeMismatch(dbusValue, Self.dbusSignature) }
        self = v
    }
}

extension Int16: DBusRepresentable {
    public static var dbusSignature: DBusSignature { "n" }
    public var dbusValue: DBusValue { .int16(self) }
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .int16(let v) = dbusValue else { throw typeMismatch(dbusValue, Self.dbusSignature) }
        self = v
    }
}

extension UInt16: DBusRepresentable {
    public static var dbusSignature: DBusSignature { "q" }
    public var dbusValue: DBusValue { .uint16(self) }
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .uint16(let v) = dbusValue else { throw typeMismatch(dbusValue, Self.dbusSignature) }
        self = v
    }
}

extension Int32: DBusRepresentable {
    public static var dbusSignature: DBusSignature { "i" }
    public var dbusValue: DBusValue { .int32(self) }
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .int32(let v) = dbusValue else { throw typeMismatch(dbusValue, Self.dbusSignature) }
        self = v
    }
}

extension UInt32: DBusRepresentable {
    public static var dbusSignature: DBusSignature { "u" }
    public var dbusValue: DBusValue { .uint32(self) }
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .uint32(let v) = dbusValue else { throw typeMismatch(dbusValue, Self.dbusSignature) }
        self = v
    }
}

extension Int64: DBusRepresentable {
    public static var dbusSignature: DBusSignature { "x" }
    public var dbusValue: DBusValue { .int64(self) }
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .int64(let v) = dbusValue else { throw typeMismatch(dbusValue, Self.dbusSignature) }
        self = v
    }
}

extension UInt64: DBusRepresentable {
    public static var dbusSignature: DBusSignature { "t" }
    public var dbusValue: DBusValue { .uint64(self) }
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .uint64(let v) = dbusValue else { throw typeMismatch(dbusValue, Self.dbusSignature) }
        self = v
    }
}

extension Double: DBusRepresentable {
    public static var dbusSignature: DBusSignature { "d" }
    public var dbusValue: DBusValue { .double(self) }
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .double(let v) = dbusValue else { throw typeMismatch(dbusValue, Self.dbusSignature) }
        self = v
    }
}

extension String: DBusRepresentable {
    public static var dbusSignature: DBusSignature { "s" }
    public var dbusValue: DBusValue { .string(self) }
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .string(let v) = dbusValue else { throw typeMismatch(dbusValue, Self.dbusSignature) }
        self = v
    }
}

extension DBusObjectPath: DBusRepresentable {
    public static var dbusSignature: DBusSignature { "o" }
    public var dbusValue: DBusValue { .objectPath(self) }
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .objectPath(let v) = dbusValue else { throw typeMismatch(dbusValue, Self.dbusSignature) }
        self = v
    }
}

extension DBusSignature: DBusRepresentable {
    public static var dbusSignature: DBusSignature { "g" }
    public var dbusValue: DBusValue { .signature(self) }
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .signature(let v) = dbusValue else { throw typeMismatch(dbusValue, Self.dbusSignature) }
        self = v
    }
}

/// `DBusValue` itself stands for a variant (`v`): wrapping on the way out, unwrapping on the way in.
extension DBusValue: DBusRepresentable {
    public static var dbusSignature: DBusSignature { "v" }
    public var dbusValue: DBusValue { .variant(self) }
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .variant(let inner) = dbusValue else { throw typeMismatch(dbusValue, "v") }
        self = inner
    }
}

extension Array: DBusRepresentable where Element: DBusRepresentable {
    public static var dbusSignature: DBusSignature { DBusSignature(trusted: "a" + Element.dbusSignature.rawValue) }
    public var dbusValue: DBusValue { .array(element: Element.dbusSignature, map(\.dbusValue)) }
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .array(let element, let items) = dbusValue, element == Element.dbusSignature else {
            throw typeMismatch(dbusValue, Self.dbusSignature)
        }
        var result: [Element] = []
        result.reserveCapacity(items.count)
        for item in items { result.append(try Element(dbusValue: item)) }
        self = result
    }
}

extension Dictionary: DBusRepresentable where Key: DBusRepresentable, Value: DBusRepresentable {
    public static var dbusSignature: DBusSignature {
        DBusSignature(trusted: "a{" + Key.dbusSignature.rawValue + Value.dbusSignature.rawValue + "}")
    }
    public var dbusValue: DBusValue {
        var entries: [DBusValue: DBusValue] = [:]
        for (k, v) in self { entries[k.dbusValue] = v.dbusValue }
        return .dictionary(key: Key.dbusSignature, value: Value.dbusSignature, entries)
    }
    public init(dbusValue: DBusValue) throws(DBusError) {
        guard case .dictionary(let k, let v, let entries) = dbusValue,
            k == Key.dbusSignature, v == Value.dbusSignature
        else { throw typeMismatch(dbusValue, Self.dbusSignature) }
        var result: [Key: Value] = [:]
        for (key, value) in entries { result[try Key(dbusValue: key)] = try Value(dbusValue: value) }
        self = result
    }
}
