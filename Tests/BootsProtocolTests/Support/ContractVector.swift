import Testing

/// One test vector of the contract, in a Sendable form a parameterized test can take.
struct ContractVector: Sendable, CustomTestStringConvertible {
    enum Kind: String, Sendable {
        /// A characteristic's `vectors`: this value encodes to these bytes.
        case read
        /// A characteristic's `writeVectors`: writing these bytes in this context gives `result`.
        case write
        /// The advertisement's manufacturer data.
        case manufacturerData
    }

    var characteristic: String
    var kind: Kind
    var index: Int
    var bytes: [UInt8]
    /// Integer fields of the vector's value.
    var value: [String: Int]
    var result: String?
    var cap: Int?
    var installed: Int?
    var state: String?
    var readBack: (bytes: [UInt8], value: [String: Int])?
    var indication: [UInt8]?

    var testDescription: String {
        "\(characteristic) \(kind.rawValue) #\(index) \(hex(bytes).isEmpty ? "(empty)" : hex(bytes))"
    }

    /// Every read, write and manufacturer-data vector of the contract.
    static func all() throws -> [ContractVector] {
        let contract = try Contract.load()
        var vectors: [ContractVector] = []
        for json in try Contract.characteristics(contract) {
            let id = try json.string("id")
            for (index, vector) in ((json["vectors"] as? [[String: Any]]) ?? []).enumerated() {
                vectors.append(try ContractVector(characteristic: id, kind: .read, index: index, json: vector))
            }
            for (index, vector) in ((json["writeVectors"] as? [[String: Any]]) ?? []).enumerated() {
                vectors.append(try ContractVector(characteristic: id, kind: .write, index: index, json: vector))
            }
        }
        let manufacturer = try contract.object("advertisement").object("manufacturerData")
        for (index, vector) in try manufacturer.array("vectors").enumerated() {
            vectors.append(try ContractVector(characteristic: "advertisement", kind: .manufacturerData, index: index,
                                              json: vector))
        }
        return vectors
    }

    init(characteristic: String, kind: Kind, index: Int, json: [String: Any]) throws {
        self.characteristic = characteristic
        self.kind = kind
        self.index = index
        bytes = try hexBytes(try json.string("bytes"))
        value = try ContractVector.integers(json["value"])
        result = json["result"] as? String
        cap = json["cap"] as? Int
        installed = json["installed"] as? Int
        state = json["state"] as? String
        if let readBack = json["readBack"] as? [String: Any] {
            self.readBack = (try hexBytes(try readBack.string("bytes")), try ContractVector.integers(readBack["value"]))
        }
        indication = try (json["indication"] as? String).map(hexBytes)
    }

    private static func integers(_ json: Any?) throws -> [String: Int] {
        guard let json else { return [:] }
        guard let object = json as? [String: Any] else { throw ContractError("a vector value is not an object") }
        return try object.mapValues { field in
            guard let number = field as? Int else { throw ContractError("a vector field is not an integer") }
            return number
        }
    }

    /// The field `name` of `value`, checked to fit `T`.
    func field<T: FixedWidthInteger>(_ name: String, in fields: [String: Int]? = nil) throws -> T {
        guard let number = (fields ?? value)[name] else { throw ContractError("\(self.testDescription): no field \(name)") }
        guard let fitting = T(exactly: number) else { throw ContractError("\(name)=\(number) does not fit \(T.self)") }
        return fitting
    }
}
