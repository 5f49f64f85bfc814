import Foundation

/// gatt-schema/presso-boots.json, loaded as plain JSON: the tests compare the Swift profile with
/// it rather than with a copy of its numbers.
enum Contract {
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // BootsProtocolTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository
        .appendingPathComponent("gatt-schema/presso-boots.json")

    typealias Object = [String: Any]

    /// The whole contract. Loading fails the test loudly: a test that cannot read the contract
    /// must not pass.
    static func load() throws -> Object {
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? Object else {
            throw ContractError("the contract is not a JSON object")
        }
        return object
    }

    static func services(_ contract: Object) throws -> [Object] { try contract.array("services") }

    static func characteristics(_ contract: Object) throws -> [Object] {
        try services(contract).flatMap { try $0.array("characteristics") }
    }

    static func characteristic(_ id: String, in contract: Object) throws -> Object {
        guard let found = try characteristics(contract).first(where: { ($0["id"] as? String) == id }) else {
            throw ContractError("no characteristic \(id)")
        }
        return found
    }
}

struct ContractError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) throws -> String {
        guard let value = self[key] as? String else { throw ContractError("\(key) is not a string in \(self)") }
        return value
    }

    func int(_ key: String) throws -> Int {
        guard let value = self[key] as? Int else { throw ContractError("\(key) is not an integer in \(self)") }
        return value
    }

    func object(_ key: String) throws -> [String: Any] {
        guard let value = self[key] as? [String: Any] else { throw ContractError("\(key) is not an object") }
        return value
    }

    func array(_ key: String) throws -> [[String: Any]] {
        guard let value = self[key] as? [[String: Any]] else { throw ContractError("\(key) is not a list of objects") }
        return value
    }

    func strings(_ key: String) throws -> [String] {
        guard let value = self[key] as? [String] else { throw ContractError("\(key) is not a list of strings") }
        return value
    }

    /// An integer field of a vector's value, checked to fit `T`.
    func field<T: FixedWidthInteger>(_ key: String, as type: T.Type = T.self) throws -> T {
        guard let value = T(exactly: try int(key)) else { throw ContractError("\(key) does not fit \(T.self)") }
        return value
    }
}

/// Bytes from the contract's hex notation ("0606 3f00", spaces allowed).
func hexBytes(_ text: String) throws -> [UInt8] {
    let compact = text.filter { $0 != " " }
    guard compact.count % 2 == 0 else { throw ContractError("odd hex \(text)") }
    var bytes: [UInt8] = []
    var index = compact.startIndex
    while index < compact.endIndex {
        let next = compact.index(index, offsetBy: 2)
        guard let byte = UInt8(compact[index..<next], radix: 16) else { throw ContractError("not hex: \(text)") }
        bytes.append(byte)
        index = next
    }
    return bytes
}

/// "0x86" → 0x86.
func codeValue(_ text: String) throws -> UInt8 {
    guard text.hasPrefix("0x"), let value = UInt8(text.dropFirst(2), radix: 16) else {
        throw ContractError("not a code: \(text)")
    }
    return value
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}
