import Foundation

/// What the BlueZ double holds for pressod (its `RegisteredJSON`): the application's objects
/// as BlueZ read them with GetManagedObjects at registration, and the advertisement's properties.
struct RegisteredTree: @unchecked Sendable {
    // @unchecked: immutable JSON values.
    typealias Properties = [String: Any]
    let applications: [String]
    let services: [String: Properties]
    let characteristics: [String: Properties]
    let descriptors: [String: Properties]
    let advertisements: [String: Properties]

    init(json: String) throws {
        guard let top = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw RigError("RegisteredJSON is not an object: \(json)")
        }
        applications = top["applications"] as? [String] ?? []
        services = top["services"] as? [String: Properties] ?? [:]
        characteristics = top["characteristics"] as? [String: Properties] ?? [:]
        descriptors = top["descriptors"] as? [String: Properties] ?? [:]
        advertisements = top["advertisements"] as? [String: Properties] ?? [:]
    }

    /// The unique bus name of the application's owner (pressod).
    var owner: String? { applications.first?.split(separator: " ").first.map(String.init) }

    func characteristicPath(uuid: String) -> String? {
        characteristics.first { ($0.value["UUID"] as? String)?.lowercased() == uuid }?.key
    }

    /// The tree in the contract's terms: services (UUID, primary) → characteristics (UUID,
    /// flags) → descriptors (UUID, flags), ordered by UUID so two trees compare with ==.
    var shape: [ServiceShape] {
        services.map { path, properties in
            ServiceShape(
                uuid: (properties["UUID"] as? String ?? "").lowercased(),
                primary: properties["Primary"] as? Bool ?? false,
                characteristics: characteristics.filter { $0.value["Service"] as? String == path }.map { chrcPath, chrc in
                    CharacteristicShape(
                        uuid: (chrc["UUID"] as? String ?? "").lowercased(),
                        flags: Set(chrc["Flags"] as? [String] ?? []),
                        descriptors: descriptors.filter { $0.value["Characteristic"] as? String == chrcPath }.map { _, desc in
                            DescriptorShape(uuid: (desc["UUID"] as? String ?? "").lowercased(), flags: Set(desc["Flags"] as? [String] ?? []))
                        }.sorted { $0.uuid < $1.uuid })
                }.sorted { $0.uuid < $1.uuid })
        }.sorted { $0.uuid < $1.uuid }
    }

    /// Descriptor object paths of the characteristic with `uuid`, by descriptor UUID.
    func descriptorPaths(ofCharacteristic uuid: String) -> [String: String] {
        guard let chrc = characteristicPath(uuid: uuid) else { return [:] }
        var paths: [String: String] = [:]
        for (path, desc) in descriptors where desc["Characteristic"] as? String == chrc {
            paths[(desc["UUID"] as? String ?? "").lowercased()] = path
        }
        return paths
    }
}

struct ServiceShape: Equatable, CustomStringConvertible {
    var uuid: String
    var primary: Bool
    var characteristics: [CharacteristicShape]
    var description: String { "service \(uuid)\(primary ? "" : " (secondary)") \(characteristics)" }
}

struct CharacteristicShape: Equatable, CustomStringConvertible {
    var uuid: String
    var flags: Set<String>
    var descriptors: [DescriptorShape]
    var description: String { "\n  \(uuid) \(flags.sorted()) \(descriptors)" }
}

struct DescriptorShape: Equatable, CustomStringConvertible {
    var uuid: String
    var flags: Set<String>
    var description: String { "\(uuid.prefix(8)) \(flags.sorted())" }
}
