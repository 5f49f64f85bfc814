/// A GATT application or advertisement that cannot be served as it is: a programming error,
/// found before anything is exported. `problems` names every one, each with where it is.
public struct GATTApplicationError: Error, Equatable, Sendable, CustomStringConvertible {
    public var problems: [String]

    public init(problems: [String]) { self.problems = problems }

    public var description: String { "invalid GATT application: " + problems.joined(separator: "; ") }
}

extension GATTApplication {
    /// Checks what BlueZ would refuse, or what could never work: UUIDs, empty flags, a flag
    /// without its handler (read → `onRead`, write → `onWrite`, notify/indicate → `notifier`)
    /// or a handler without its flag, one notifier on two characteristics, and descriptors
    /// BlueZ adds itself (0x2902 Client Characteristic Configuration).
    public func validate() throws(GATTApplicationError) {
        var problems: [String] = []
        if services.isEmpty { problems.append("no service (BlueZ refuses an empty application)") }
        var notifiers: [ObjectIdentifier: String] = [:]
        for (s, service) in services.enumerated() {
            let serviceName = "service \(s) (\(service.uuid))"
            if !isBluetoothUUID(service.uuid) { problems.append("\(serviceName): invalid UUID") }
            for (c, characteristic) in service.characteristics.enumerated() {
                let name = "\(serviceName) characteristic \(c) (\(characteristic.uuid))"
                problems += characteristic.problems.map { "\(name): \($0)" }
                if let notifier = characteristic.notifier {
                    if let other = notifiers[ObjectIdentifier(notifier)] {
                        problems.append("\(name): its notifier already serves \(other)")
                    }
                    notifiers[ObjectIdentifier(notifier)] = name
                }
                for (d, descriptor) in characteristic.descriptors.enumerated() {
                    problems += descriptor.problems.map { "\(name) descriptor \(d) (\(descriptor.uuid)): \($0)" }
                }
            }
        }
        if !problems.isEmpty { throw GATTApplicationError(problems: problems) }
    }
}

extension GATTCharacteristic {
    var problems: [String] {
        var problems: [String] = []
        if !isBluetoothUUID(uuid) { problems.append("invalid UUID") }
        if flags.isEmpty { problems.append("no flags (BlueZ refuses a characteristic without any)") }
        let reads = !flags.isDisjoint(with: .reading), writes = !flags.isDisjoint(with: .writing)
        let notifies = !flags.isDisjoint(with: [.notify, .indicate, .encryptNotify, .encryptIndicate])
        if reads && onRead == nil { problems.append("flags allow reading but onRead is nil") }
        if !reads && onRead != nil { problems.append("onRead is set but no flag allows reading") }
        if writes && onWrite == nil { problems.append("flags allow writing but onWrite is nil") }
        if !writes && onWrite != nil { problems.append("onWrite is set but no flag allows writing") }
        if notifies && notifier == nil { problems.append("flags allow notify/indicate but notifier is nil") }
        if !notifies && notifier != nil { problems.append("notifier is set but no notify/indicate flag") }
        return problems
    }
}

extension GATTDescriptor {
    var problems: [String] {
        var problems: [String] = []
        if !isBluetoothUUID(uuid) { problems.append("invalid UUID") }
        if ["2902", "00002902-0000-1000-8000-00805f9b34fb"].contains(uuid.lowercased()) {
            problems.append("BlueZ adds the Client Characteristic Configuration descriptor itself")
        }
        if flags.isEmpty { problems.append("no flags (BlueZ refuses a descriptor without any)") }
        let reads = !flags.isDisjoint(with: [.read, .encryptRead, .encryptAuthenticatedRead, .secureRead])
        let writes = !flags.isDisjoint(with: [.write, .encryptWrite, .encryptAuthenticatedWrite, .secureWrite])
        if reads != (onRead != nil) { problems.append(reads ? "flags allow reading but onRead is nil" : "onRead is set but no flag allows reading") }
        if writes != (onWrite != nil) { problems.append(writes ? "flags allow writing but onWrite is nil" : "onWrite is set but no flag allows writing") }
        return problems
    }
}

/// A UUID as BlueZ parses it (`bt_string_to_uuid`): 16-bit (`180a`), 32-bit (`0000180a`) or
/// 128-bit (`0000180a-0000-1000-8000-00805f9b34fb`), hexadecimal digits of either case.
func isBluetoothUUID(_ text: String) -> Bool {
    let groups = text.split(separator: "-", omittingEmptySubsequences: false)
    let isHex = { (s: Substring) in !s.isEmpty && s.allSatisfy { $0.isASCII && $0.isHexDigit } }
    switch groups.map(\.count) {
    case [4], [8]: return isHex(groups[0])
    case [8, 4, 4, 4, 12]: return groups.allSatisfy(isHex)
    default: return false
    }
}
