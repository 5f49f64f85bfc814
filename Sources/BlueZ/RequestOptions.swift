import DBus

extension GATTRequest {
    /// Reads the `a{sv}` options of a `ReadValue`/`WriteValue` call as BlueZ 5.66 builds them
    /// (src/gatt-database.c, `append_options`): `device` (o) always, `offset` (q) only when
    /// non-zero, `link` (s) when known, `prepare-authorize` (b) only when set, `mtu` (q).
    /// Unknown keys are ignored (later BlueZ versions add `type`); a known key with another
    /// type is refused, since it means the caller is not BlueZ.
    init(bluezOptions options: [String: DBusValue]) throws(DBusError) {
        self.init()
        for (key, value) in options {
            switch (key, value) {
            case ("device", .objectPath(let path)): device = path.rawValue
            case ("offset", .uint16(let offset)): self.offset = Int(offset)
            case ("mtu", .uint16(let mtu)): self.mtu = Int(mtu)
            case ("link", .string(let link)): self.link = link
            case ("prepare-authorize", .bool(let flag)): prepareAuthorize = flag
            case ("device", _), ("offset", _), ("mtu", _), ("link", _), ("prepare-authorize", _):
                throw DBusError(
                    name: BlueZ.Error.invalidArguments,
                    message: "option \(key) has type \(value.signature), not the one BlueZ sends")
            default:
                continue
            }
        }
    }

    /// What a read at this request's offset returns of `value`: BlueZ asks for the rest of a
    /// value longer than one ATT PDU again with `offset` (ATT Read Blob). An offset equal to the
    /// length gives an empty value (ATT allows it); past the end it is `invalidOffset`.
    public func slice(_ value: [UInt8]) throws(GATTError) -> [UInt8] {
        guard offset <= value.count else { throw .invalidOffset }
        return Array(value[offset...])
    }
}

extension GATTError {
    /// The error reply BlueZ turns into this ATT error (see `dbusName`, `dbusMessage`).
    var dbusError: DBusError { DBusError(name: dbusName, message: dbusMessage) }
}
