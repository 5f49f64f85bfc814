import CDBus

/// libdbus type codes; the `DBUS_TYPE_*` macros are casts and do not import into Swift.
enum TypeCode {
    static let invalid: Int32 = 0
    static let byte = code("y"), boolean = code("b"), int16 = code("n"), uint16 = code("q")
    static let int32 = code("i"), uint32 = code("u"), int64 = code("x"), uint64 = code("t")
    static let double = code("d"), string = code("s"), objectPath = code("o"), signature = code("g")
    static let unixFD = code("h"), array = code("a"), variant = code("v"), structure = code("r")
    static let dictEntry = code("e")

    private static func code(_ c: Unicode.Scalar) -> Int32 { Int32(c.value) }
}

/// Appends `values` to a message being built. Values are validated first: libdbus treats a
/// malformed value as a fatal API misuse, we turn it into `InvalidArgs`.
func appendArguments(_ values: [DBusValue], to message: OpaquePointer) throws(DBusError) {
    for value in values { try value.validate() }
    var iter = DBusMessageIter()
    dbus_message_iter_init_append(message, &iter)
    for value in values {
        guard append(value, to: &iter) else { throw DBusError(name: DBusError.Name.noMemory, message: "out of memory") }
    }
}

private func appendBasic<T: BitwiseCopyable>(_ iter: inout DBusMessageIter, _ type: Int32, _ value: T) -> Bool {
    withUnsafePointer(to: value) { dbus_message_iter_append_basic(&iter, type, $0) != 0 }
}

private func appendString(_ iter: inout DBusMessageIter, _ type: Int32, _ string: String) -> Bool {
    string.withCString { chars in
        var pointer: UnsafePointer<CChar>? = chars
        return dbus_message_iter_append_basic(&iter, type, &pointer) != 0
    }
}

private func appendContainer(
    _ iter: inout DBusMessageIter, _ type: Int32, _ contained: String?,
    _ body: (inout DBusMessageIter) -> Bool
) -> Bool {
    var sub = DBusMessageIter()
    let opened: dbus_bool_t =
        if let contained {
            contained.withCString { dbus_message_iter_open_container(&iter, type, $0, &sub) }
        } else {
            dbus_message_iter_open_container(&iter, type, nil, &sub)
        }
    guard opened != 0 else { return false }
    guard body(&sub) else {
        dbus_message_iter_abandon_container(&iter, &sub)
        return false
    }
    return dbus_message_iter_close_container(&iter, &sub) != 0
}

private func append(_ value: DBusValue, to iter: inout DBusMessageIter) -> Bool {
    switch value {
    case .byte(let v): return appendBasic(&iter, TypeCode.byte, v)
    case .bool(let v): return appendBasic(&iter, TypeCode.boolean, dbus_bool_t(v ? 1 : 0))
    case .int16(let v): return appendBasic(&iter, TypeCode.int16, v)
    case .uint16(let v): return appendBasic(&iter, TypeCode.uint16, v)
    case .int32(let v): return appendBasic(&iter, TypeCode.int32, v)
    case .uint32(let v): return appendBasic(&iter, TypeCode.uint32, v)
    case .int64(let v): return appendBasic(&iter, TypeCode.int64, v)
    case .uint64(let v): return appendBasic(&iter, TypeCode.uint64, v)
    case .double(let v): return appendBasic(&iter, TypeCode.double, v)
    case .unixFD(let v): return appendBasic(&iter, TypeCode.unixFD, v)
    case .string(let v): return appendString(&iter, TypeCode.string, v)
    case .objectPath(let v): return appendString(&iter, TypeCode.objectPath, v.rawValue)
    case .signature(let v): return appendString(&iter, TypeCode.signature, v.rawValue)
    case .array(let element, let items):
        return appendContainer(&iter, TypeCode.array, element.rawValue) { sub in
            if element.rawValue == "y" {
                // Byte arrays (GATT values) go in one copy.
                let bytes = items.map { (item: DBusValue) -> UInt8 in
                    if case .byte(let b) = item { return b }
                    return 0
                }
                return bytes.withUnsafeBufferPointer { buffer in
                    var base = buffer.baseAddress
                    return withUnsafeMutablePointer(to: &base) {
                        dbus_message_iter_append_fixed_array(&sub, TypeCode.byte, $0, Int32(buffer.count)) != 0
                    }
                }
            }
            return items.allSatisfy { append($0, to: &sub) }
        }
    case .dictionary(let key, let valueType, let entries):
        return appendContainer(&iter, TypeCode.array, "{\(key.rawValue)\(valueType.rawValue)}") { sub in
            entries.allSatisfy { entry in
                appendContainer(&sub, TypeCode.dictEntry, nil) { pair in
                    append(entry.key, to: &pair) && append(entry.value, to: &pair)
                }
            }
        }
    case .structure(let fields):
        return appendContainer(&iter, TypeCode.structure, nil) { sub in
            fields.allSatisfy { append($0, to: &sub) }
        }
    case .variant(let inner):
        return appendContainer(&iter, TypeCode.variant, inner.signatureString) { sub in
            append(inner, to: &sub)
        }
    }
}

/// Decodes every argument of a received message; `nil` if libdbus hands back something this
/// decoder does not know (it validated the message already, so this is defensive only).
func readArguments(of message: OpaquePointer) -> [DBusValue]? {
    var iter = DBusMessageIter()
    guard dbus_message_iter_init(message, &iter) != 0 else { return [] }
    var values: [DBusValue] = []
    repeat {
        guard let value = read(&iter) else { return nil }
        values.append(value)
    } while dbus_message_iter_next(&iter) != 0
    return values
}

private func readBasic<T: BitwiseCopyable>(_ iter: inout DBusMessageIter, _ initial: T) -> T {
    var value = initial
    withUnsafeMutablePointer(to: &value) { dbus_message_iter_get_basic(&iter, $0) }
    return value
}

private func readString(_ iter: inout DBusMessageIter) -> String {
    let pointer: UnsafePointer<CChar>? = readBasic(&iter, nil)
    return pointer.map { String(cString: $0) } ?? ""
}

/// Reads every element of the container `iter` points at.
private func readContained(_ iter: inout DBusMessageIter) -> [DBusValue]? {
    var sub = DBusMessageIter()
    dbus_message_iter_recurse(&iter, &sub)
    var values: [DBusValue] = []
    while dbus_message_iter_get_arg_type(&sub) != TypeCode.invalid {
        guard let value = read(&sub) else { return nil }
        values.append(value)
        dbus_message_iter_next(&sub)
    }
    return values
}

private func currentSignature(_ iter: inout DBusMessageIter) -> String {
    guard let raw = dbus_message_iter_get_signature(&iter) else { return "" }
    defer { dbus_free(raw) }
    return String(cString: raw)
}

private func read(_ iter: inout DBusMessageIter) -> DBusValue? {
    switch dbus_message_iter_get_arg_type(&iter) {
    case TypeCode.byte: return .byte(readBasic(&iter, 0))
    case TypeCode.boolean: return .bool(readBasic(&iter, dbus_bool_t(0)) != 0)
    case TypeCode.int16: return .int16(readBasic(&iter, 0))
    case TypeCode.uint16: return .uint16(readBasic(&iter, 0))
    case TypeCode.int32: return .int32(readBasic(&iter, 0))
    case TypeCode.uint32: return .uint32(readBasic(&iter, 0))
    case TypeCode.int64: return .int64(readBasic(&iter, 0))
    case TypeCode.uint64: return .uint64(readBasic(&iter, 0))
    case TypeCode.double: return .double(readBasic(&iter, 0.0))
    case TypeCode.unixFD: return .unixFD(readBasic(&iter, Int32(-1)))
    case TypeCode.string: return .string(readString(&iter))
    case TypeCode.objectPath: return .objectPath(DBusObjectPath(trusted: readString(&iter)))
    case TypeCode.signature: return .signature(DBusSignature(trusted: readString(&iter)))
    case TypeCode.variant:
        guard let inner = readContained(&iter), inner.count == 1 else { return nil }
        return .variant(inner[0])
    case TypeCode.dictEntry:
        // Only met inside a dictionary; readDictionary unpacks the pair.
        guard let pair = readContained(&iter), pair.count == 2 else { return nil }
        return .structure(pair)
    case TypeCode.structure:
        guard let fields = readContained(&iter), !fields.isEmpty else { return nil }
        return .structure(fields)
    case TypeCode.array:
        let signature = currentSignature(&iter)
        let element = String(signature.dropFirst())
        if dbus_message_iter_get_element_type(&iter) == TypeCode.dictEntry {
            return readDictionary(&iter, entryType: element)
        }
        if dbus_message_iter_get_element_type(&iter) == TypeCode.byte {
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            var base: UnsafeRawPointer? = nil
            var count: Int32 = 0
            dbus_message_iter_get_fixed_array(&sub, &base, &count)
            let bytes = UnsafeRawBufferPointer(start: base, count: Int(count))
            return .array(element: "y", bytes.map(DBusValue.byte))
        }
        guard let items = readContained(&iter) else { return nil }
        return .array(element: DBusSignature(trusted: element), items)
    default:
        return nil
    }
}

private func readDictionary(_ iter: inout DBusMessageIter, entryType: String) -> DBusValue? {
    // entryType is "{kv}": one basic key character, then the value type.
    guard entryType.count >= 4 else { return nil }
    let key = DBusSignature(trusted: String(entryType.dropFirst().prefix(1)))
    let value = DBusSignature(trusted: String(entryType.dropFirst(2).dropLast()))
    guard let entries = readContained(&iter) else { return nil }
    var dict: [DBusValue: DBusValue] = [:]
    for entry in entries {
        guard case .structure(let pair) = entry, pair.count == 2 else { return nil }
        dict[pair[0]] = pair[1]
    }
    return .dictionary(key: key, value: value, dict)
}
