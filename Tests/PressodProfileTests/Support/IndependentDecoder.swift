import Foundation
import PressoTestSupport

/// The contract's INDEPENDENT decoder (Tests/Support/boots_decoder.py on scripts/gattschema/
/// codec.py, Python's `struct`): what pressod's bytes mean is never decided by pressod's own
/// Swift codecs. Requests are batched: one Python run per call.
struct IndependentDecoder {
    struct Decoded: @unchecked Sendable, CustomStringConvertible {
        // @unchecked: immutable JSON values.
        let json: [String: Any]
        /// Integer fields of a decoded value (empty for strings and errors).
        var fields: [String: Int] { json["value"] as? [String: Int] ?? [:] }
        var string: String? { json["value"] as? String }
        var problems: [String] { json["problems"] as? [String] ?? [] }
        var error: String? { json["error"] as? String }
        var text: String { json["text"] as? String ?? error ?? "?" }
        var description: String { text }

        subscript(_ field: String) -> Int? { fields[field] }
    }

    let directory: TemporaryDirectory
    static let script = PackageBuild.packageRoot() + "/Tests/Support/boots_decoder.py"

    func decode(_ requests: [[String: Any]]) async throws -> [Decoded] {
        let file = directory.file("decode-\(UInt32.random(in: 0 ... .max)).json")
        try JSONSerialization.data(withJSONObject: requests).write(to: URL(fileURLWithPath: file))
        let run = try await runTool("/usr/bin/python3", [Self.script, file], in: directory)
        guard run.succeeded, let answers = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [[String: Any]],
            answers.count == requests.count
        else { throw RigError("boots_decoder.py failed: \(run.output)") }
        return answers.map(Decoded.init)
    }

    /// Decodes values of characteristics, with the device context (cap, installed chambers).
    func values(_ items: [(id: String, bytes: [UInt8])], cap: Int = 200, installed: Int = 6) async throws -> [Decoded] {
        try await decode(items.map { ["characteristic": $0.id, "hex": $0.bytes.hex, "cap": cap, "installed": installed] })
    }

    func value(_ id: String, _ bytes: [UInt8], cap: Int = 200, installed: Int = 6) async throws -> Decoded {
        try await values([(id, bytes)], cap: cap, installed: installed)[0]
    }

    func indications(_ values: [[UInt8]]) async throws -> [Decoded] {
        try await decode(values.map { ["indication": $0.hex] })
    }

    func manufacturerData(_ bytes: [UInt8]) async throws -> Decoded {
        try await decode([["manufacturerData": bytes.hex]])[0]
    }

    func descriptor(_ uuid: String, of id: String, _ bytes: [UInt8], cap: Int = 200) async throws -> Decoded {
        try await decode([["descriptor": uuid, "characteristic": id, "hex": bytes.hex, "cap": cap]])[0]
    }
}
