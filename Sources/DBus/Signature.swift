import CDBus

/// A D-Bus type signature such as `a{sv}` or `(ii)s`: a sequence of complete types.
///
/// Always valid once made: the failable initialiser checks it with libdbus, the string-literal
/// form traps on an invalid literal (a programmer error, caught by the first test that runs it).
public struct DBusSignature: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String

    /// Validates `rawValue` (syntax, nesting depth, length ≤ 255); `nil` when it is not a signature.
    public init?(rawValue: String) {
        guard DBusSignature.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        guard let signature = DBusSignature(rawValue: value) else {
            preconditionFailure("invalid D-Bus signature literal \"\(value)\"")
        }
        self = signature
    }

    /// For signatures this module built itself from valid parts.
    init(trusted rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// The empty signature (no values).
    public static let empty = DBusSignature(trusted: "")

    /// Whether this signature is exactly one complete type (what a variant or property holds).
    public var isSingleCompleteType: Bool {
        !rawValue.isEmpty && rawValue.withCString { dbus_signature_validate_single($0, nil) } != 0
    }

    /// The complete types this signature is made of, in order: `"sa{sv}i"` → `s`, `a{sv}`, `i`.
    public var completeTypes: [DBusSignature] {
        var result: [DBusSignature] = []
        var rest = Substring(rawValue)
        while !rest.isEmpty {
            let length = Self.completeTypeLength(rest)
            result.append(DBusSignature(trusted: String(rest.prefix(length))))
            rest = rest.dropFirst(length)
        }
        return result
    }

    /// Concatenation: the signature of values of `lhs` followed by values of `rhs`.
    public static func + (lhs: DBusSignature, rhs: DBusSignature) -> DBusSignature {
        DBusSignature(trusted: lhs.rawValue + rhs.rawValue)
    }

    static func isValid(_ string: String) -> Bool {
        string.withCString { dbus_signature_validate($0, nil) } != 0
    }

    /// Length in characters of the first complete type of an already validated signature.
    private static func completeTypeLength(_ s: Substring) -> Int {
        switch s.first {
        case "a": return 1 + completeTypeLength(s.dropFirst())
        case "(", "{":
            var depth = 0
            var length = 0
            for c in s {
                length += 1
                if c == "(" || c == "{" { depth += 1 }
                if c == ")" || c == "}" { depth -= 1 }
                if depth == 0 { return length }
            }
            return length
        default: return 1
        }
    }
}

/// A D-Bus object path such as `/org/bluez/hci0`, validated on creation.
public struct DBusObjectPath: RawRepresentable, Hashable, Comparable, Sendable,
    ExpressibleByStringLiteral, CustomStringConvertible
{
    public let rawValue: String

    /// `nil` unless `rawValue` is a valid object path (`/`, or `/`-separated `[A-Za-z0-9_]+` elements).
    public init?(rawValue: String) {
        guard rawValue.withCString({ dbus_validate_path($0, nil) }) != 0 else { return nil }
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        guard let path = DBusObjectPath(rawValue: value) else {
            preconditionFailure("invalid D-Bus object path literal \"\(value)\"")
        }
        self = path
    }

    init(trusted rawValue: String) { self.rawValue = rawValue }

    public static let root = DBusObjectPath(trusted: "/")

    public var description: String { rawValue }

    public static func < (lhs: DBusObjectPath, rhs: DBusObjectPath) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The path of a child: `"/app".appending("service0")` → `/app/service0`. `nil` if `element`
    /// is not a valid path element.
    public func appending(_ element: String) -> DBusObjectPath? {
        DBusObjectPath(rawValue: rawValue == "/" ? "/" + element : rawValue + "/" + element)
    }

    /// Whether `self` lies strictly below `ancestor` (`/a/b` is below `/a` and `/`, not below `/a/b`).
    public func isDescendant(of ancestor: DBusObjectPath) -> Bool {
        if ancestor.rawValue == "/" { return rawValue != "/" }
        return rawValue.hasPrefix(ancestor.rawValue + "/")
    }
}

/// Name checks libdbus would otherwise turn into a process abort (its API checks are fatal).
enum NameCheck {
    static func isBusName(_ s: String) -> Bool { s.withCString { dbus_validate_bus_name($0, nil) } != 0 }
    static func isInterface(_ s: String) -> Bool { s.withCString { dbus_validate_interface($0, nil) } != 0 }
    static func isMember(_ s: String) -> Bool { s.withCString { dbus_validate_member($0, nil) } != 0 }
    static func isErrorName(_ s: String) -> Bool { s.withCString { dbus_validate_error_name($0, nil) } != 0 }
}
