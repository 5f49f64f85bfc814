import DBus
import PropertyBased

/// The shape of a random D-Bus type, drawn first so that array elements share one type.
indirect enum RandomType {
    case basic(Character)
    case array(RandomType)
    case dictionary(Character, RandomType)
    case structure([RandomType])
    case variant

    var signature: String {
        switch self {
        case .basic(let c): String(c)
        case .array(let element): "a" + element.signature
        case .dictionary(let key, let value): "a{" + String(key) + value.signature + "}"
        case .structure(let fields): "(" + fields.map(\.signature).joined() + ")"
        case .variant: "v"
        }
    }
}

/// Basic types drawn at random; unix fds are covered by their own test (they are resources).
private let basicCodes: [Character] = Array("ybnqiuxtdsog")

func randomType(depth: Int, using rng: inout some RandomNumberGenerator) -> RandomType {
    let pick = depth <= 0 ? 0 : Int.random(in: 0..<8, using: &rng)
    switch pick {
    case 4: return .array(randomType(depth: depth - 1, using: &rng))
    case 5: return .dictionary(basicCodes.randomElement(using: &rng)!, randomType(depth: depth - 1, using: &rng))
    case 6: return .structure((0..<Int.random(in: 1...3, using: &rng)).map { _ in randomType(depth: depth - 1, using: &rng) })
    case 7: return .variant
    default: return .basic(basicCodes.randomElement(using: &rng)!)
    }
}

func randomString(using rng: inout some RandomNumberGenerator) -> String {
    let scalars = (0..<Int.random(in: 0...12, using: &rng)).map { _ -> Unicode.Scalar in
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: Unicode.Scalar(UInt8.random(in: 1...127, using: &rng))
        case 1: Unicode.Scalar(UInt32.random(in: 0xA0...0xD7FF, using: &rng))!
        default: Unicode.Scalar(UInt32.random(in: 0x1F300...0x1F64F, using: &rng))!
        }
    }
    return String(String.UnicodeScalarView(scalars))
}

func randomPath(using rng: inout some RandomNumberGenerator) -> DBusObjectPath {
    let count = Int.random(in: 0...3, using: &rng)
    if count == 0 { return .root }
    let alphabet = Array("abcXYZ019_")
    let elements = (0..<count).map { _ in
        String((0..<Int.random(in: 1...5, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }
    return DBusObjectPath(rawValue: "/" + elements.joined(separator: "/"))!
}

func randomValue(of type: RandomType, depth: Int, using rng: inout some RandomNumberGenerator) -> DBusValue {
    switch type {
    case .basic(let code):
        switch code {
        case "y": return .byte(.random(in: .min ... .max, using: &rng))
        case "b": return .bool(.random(using: &rng))
        case "n": return .int16(.random(in: .min ... .max, using: &rng))
        case "q": return .uint16(.random(in: .min ... .max, using: &rng))
        case "i": return .int32(.random(in: .min ... .max, using: &rng))
        case "u": return .uint32(.random(in: .min ... .max, using: &rng))
        case "x": return .int64(.random(in: .min ... .max, using: &rng))
        case "t": return .uint64(.random(in: .min ... .max, using: &rng))
        case "d":
            let special: [Double] = [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
            return .double(Bool.random(using: &rng) ? special.randomElement(using: &rng)! : .random(in: -1e300...1e300, using: &rng))
        case "s": return .string(randomString(using: &rng))
        case "o": return .objectPath(randomPath(using: &rng))
        default: return .signature(DBusSignature(rawValue: randomType(depth: 2, using: &rng).signature)!)
        }
    case .array(let element):
        let items = (0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(of: element, depth: depth - 1, using: &rng) }
        return .array(element: DBusSignature(rawValue: element.signature)!, items)
    case .dictionary(let key, let value):
        var entries: [DBusValue: DBusValue] = [:]
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            entries[randomValue(of: .basic(key), depth: 0, using: &rng)] = randomValue(of: value, depth: depth - 1, using: &rng)
        }
        return .dictionary(key: DBusSignature(rawValue: String(key))!, value: DBusSignature(rawValue: value.signature)!, entries)
    case .structure(let fields):
        return .structure(fields.map { randomValue(of: $0, depth: depth - 1, using: &rng) })
    case .variant:
        let inner = randomType(depth: max(depth - 1, 0), using: &rng)
        return .variant(randomValue(of: inner, depth: depth - 1, using: &rng))
    }
}

/// Any D-Bus value (minus unix fds), nested up to four levels deep.
let anyDBusValue = Generator<DBusValue, Shrink.None<DBusValue>> { rng in
    let type = randomType(depth: 4, using: &rng)
    return randomValue(of: type, depth: 4, using: &rng)
}
