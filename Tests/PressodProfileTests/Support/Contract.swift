import Foundation
import PressoTestSupport

/// The GATT contract as the tests read it: gatt-schema/presso-boots.json parsed here, and its
/// normalised vectors from `scripts/gatt-schema.py vectors --json`. Nothing from pressod's own
/// catalog (BootsProtocol): the daemon's tree and bytes are compared with the file itself.
struct Contract: @unchecked Sendable {
    // @unchecked: immutable JSON values.
    struct Characteristic {
        let id: String
        let uuid: String
        let properties: [String]
        let secureWrite: Bool
        let descriptors: [[String: Any]]
        let json: [String: Any]

        var readable: Bool { properties.contains("read") }

        /// BlueZ flags in a security mode: bonded turns a secure write into encrypt-write.
        func flags(bonded: Bool) -> Set<String> {
            Set(properties.map { $0 == "write" && secureWrite && bonded ? "encrypt-write" : $0 })
        }
    }

    struct Service {
        let id: String
        let uuid: String
        let primary: Bool
        let characteristics: [Characteristic]
    }

    let services: [Service]
    let json: [String: Any]

    static let path = PackageBuild.packageRoot() + "/gatt-schema/presso-boots.json"
    static let presso: Contract = {
        do { return try Contract(path: path) } catch { fatalError("cannot read the contract \(path): \(error)") }
    }()

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let top = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let services = top["services"] as? [[String: Any]]
        else { throw RigError("\(path): no services") }
        json = top
        self.services = services.map { service in
            Service(
                id: service["id"] as? String ?? "", uuid: Self.fullUUID(service["uuid"] as? String ?? ""),
                primary: service["primary"] as? Bool ?? false,
                characteristics: (service["characteristics"] as? [[String: Any]] ?? []).map { chrc in
                    Characteristic(
                        id: chrc["id"] as? String ?? "", uuid: Self.fullUUID(chrc["uuid"] as? String ?? ""),
                        properties: chrc["properties"] as? [String] ?? [], secureWrite: chrc["secureWrite"] as? Bool ?? false,
                        descriptors: chrc["descriptors"] as? [[String: Any]] ?? [], json: chrc)
                })
        }
    }

    var characteristics: [Characteristic] { services.flatMap(\.characteristics) }
    var characteristicCount: Int { characteristics.count }

    func characteristic(_ id: String) -> Characteristic {
        guard let found = characteristics.first(where: { $0.id == id }) else { fatalError("no characteristic \(id) in the contract") }
        return found
    }

    /// The tree pressod must register in a security mode, in the form of `RegisteredTree.shape`.
    /// Descriptors are read-only (their flags: read).
    func shape(bonded: Bool) -> [ServiceShape] {
        services.map { service in
            ServiceShape(uuid: service.uuid, primary: service.primary, characteristics: service.characteristics.map { chrc in
                CharacteristicShape(uuid: chrc.uuid, flags: chrc.flags(bonded: bonded), descriptors: chrc.descriptors.map {
                    DescriptorShape(uuid: Self.fullUUID($0["uuid"] as? String ?? ""), flags: ["read"])
                }.sorted { $0.uuid < $1.uuid })
            }.sorted { $0.uuid < $1.uuid })
        }.sorted { $0.uuid < $1.uuid }
    }

    /// The advertisement's service UUIDs.
    var advertisedServices: [String] {
        ((json["advertisement"] as? [String: Any])?["serviceUUIDs"] as? [String] ?? []).map(Self.fullUUID)
    }

    /// A 16-bit SIG UUID ("2a29") in the 128-bit form BlueZ is given; 128-bit ones as they are.
    static func fullUUID(_ uuid: String) -> String {
        let lower = uuid.lowercased()
        return lower.count == 4 ? "0000\(lower)-0000-1000-8000-00805f9b34fb" : lower
    }

    // MARK: Vectors

    /// One normalised vector of `gatt-schema.py vectors --json`.
    struct Vector: @unchecked Sendable, CustomStringConvertible {
        let json: [String: Any]
        var kind: String { json["kind"] as? String ?? "" }
        var characteristic: String { json["characteristic"] as? String ?? "" }
        var bytes: [UInt8] { [UInt8](hex: json["bytes"] as? String ?? "") }
        var result: String { json["result"] as? String ?? "" }
        var context: [String: Any] { json["context"] as? [String: Any] ?? [:] }
        var value: [String: Int] { json["value"] as? [String: Int] ?? [:] }
        var readBack: [UInt8]? { ((json["readBack"] as? [String: Any])?["bytes"] as? String).map { [UInt8](hex: $0) } }
        var indication: [UInt8]? { (json["indication"] as? String).map { [UInt8](hex: $0) } }
        var state: String { context["state"] as? String ?? "idle" }
        var description: String { "\(characteristic) \(kind) \(bytes.hex.isEmpty ? "(empty)" : bytes.hex) → \(result) \(context)" }
    }

    /// The contract's vectors, through the contract tool (as a phone-app author would get them).
    static func vectors(in directory: TemporaryDirectory) async throws -> [Vector] {
        let run = try await runTool("/usr/bin/python3", [PackageBuild.packageRoot() + "/scripts/gatt-schema.py", "vectors", "--json"],
                                    in: directory)
        guard run.succeeded, let top = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any],
            let vectors = top["vectors"] as? [[String: Any]]
        else { throw RigError("gatt-schema.py vectors failed: \(run.output)") }
        return vectors.map(Vector.init)
    }

    /// How the daemon must raise an error code through BlueZ (the contract's error table):
    /// application codes as org.bluez.Error.Failed with the code as message, 0x0D and 0x07 by name.
    static func bluezError(forCode code: String) -> (name: String, message: String?) {
        switch code.uppercased() {
        case "0X0D": ("org.bluez.Error.InvalidValueLength", nil)
        case "0X07": ("org.bluez.Error.InvalidOffset", nil)
        default: ("org.bluez.Error.Failed", code.lowercased())
        }
    }
}
