/// One D-Bus value of any type, as a Swift value you can build and pattern-match.
///
/// Containers carry their element types so that empty arrays and dictionaries still have a
/// signature. Received messages decode into this enum eagerly; outgoing values are checked
/// (`validate()`) before they reach libdbus, whose API checks would otherwise abort the process.
public indirect enum DBusValue: Hashable, Sendable {
    case byte(UInt8)
    case bool(Bool)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case double(Double)
    /// UTF-8 text without NUL characters.
    case string(String)
    case objectPath(DBusObjectPath)
    case signature(DBusSignature)
    /// A Unix file descriptor. Sending duplicates it (the caller keeps its own); a received one
    /// is a fresh descriptor owned by the receiver, who must close it.
    case unixFD(Int32)
    /// An array whose elements all have the type `element` (a single complete type).
    case array(element: DBusSignature, [DBusValue])
    /// A dictionary `a{kv}`: `key` must be a basic type, `value` a single complete type.
    case dictionary(key: DBusSignature, value: DBusSignature, [DBusValue: DBusValue])
    /// A struct: one or more fields.
    case structure([DBusValue])
    /// A value of any type, tagged with its own signature.
    case variant(DBusValue)

    /// The signature of this value: always a single complete type.
    public var signature: DBusSignature {
        DBusSignature(trusted: signatureString)
    }

    var signatureString: String {
        switch self {
        case .byte: "y"
        case .bool: "b"
        case .int16: "n"
        case .uint16: "q"
        case .int32: "i"
        case .uint32: "u"
        case .int64: "x"
        case .uint64: "t"
        case .double: "d"
        case .string: "s"
        case .objectPath: "o"
        case .signature: "g"
        case .unixFD: "h"
        case .array(let element, _): "a" + element.rawValue
        case .dictionary(let key, let value, _): "a{" + key.rawValue + value.rawValue + "}"
        case .structure(let fields): "(" + fields.map(\.signatureString).joined() + ")"
        case .variant: "v"
        }
    }

    /// Checks everything libdbus would refuse: element types matching the declared ones, dict
    /// keys of a basic type, non-empty structs, strings without NUL, nesting and length limits.
    public func validate() throws(DBusError) {
        try validateContents()
        guard signature.isSingleCompleteType else {
            throw .invalidArgs("value of type \"\(signatureString)\" exceeds the D-Bus type limits")
        }
    }

    private func validateContents() throws(DBusError) {
        switch self {
        case .string(let s):
            if s.utf8.contains(0) { throw .invalidArgs("a D-Bus string cannot contain NUL") }
        case .array(let element, let items):
            guard element.isSingleCompleteType else {
                throw .invalidArgs("array element type \"\(element)\" is not one complete type")
            }
            for item in items {
                guard item.signatureString == element.rawValue else {
                    throw .invalidArgs("array of \(element) holds a \(item.signatureString)")
                }
                try item.validateContents()
            }
        case .dictionary(let key, let value, let entries):
            guard key.rawValue.count == 1, "ybnqiuxtdsogh".contains(key.rawValue) else {
                throw .invalidArgs("dictionary key type \"\(key)\" is not a basic type")
            }
            guard value.isSingleCompleteType else {
                throw .invalidArgs("dictionary value type \"\(value)\" is not one complete type")
            }
            for (k, v) in entries {
                guard k.signatureString == key.rawValue, v.signatureString == value.rawValue else {
                    throw .invalidArgs(
                        "dictionary of {\(key)\(value)} holds {\(k.signatureString)\(v.signatureString)}")
                }
                try k.validateContents()
                try v.validateContents()
            }
        case .structure(let fields):
            if fields.isEmpty { throw .invalidArgs("a D-Bus struct needs at least one field") }
            for field in fields { try field.validateContents() }
        case .variant(let inner):
            try inner.validate()
        default:
            break
        }
    }
}

extension DBusValue {
    /// An array whose element type is taken from `elementType` (needed when it may be empty).
    public static func array(of elementType: DBusSignature, _ items: [DBusValue]) -> DBusValue {
        .array(element: elementType, items)
    }

    /// `a{sv}`, the usual shape of option and property dictionaries.
    public static func stringVariantDictionary(_ entries: [String: DBusValue]) -> DBusValue {
        var dict: [DBusValue: DBusValue] = [:]
        for (k, v) in entries { dict[.string(k)] = .variant(v) }
        return .dictionary(key: "s", value: "v", dict)
    }

    /// `ay` from raw bytes.
    public static func bytes(_ bytes: some Sequence<UInt8>) -> DBusValue {
        .array(element: "y", bytes.map(DBusValue.byte))
    }

    /// The value inside any number of variant wrappers.
    public var unwrappingVariants: DBusValue {
        if case .variant(let inner) = self { return inner.unwrappingVariants }
        return self
    }
}
