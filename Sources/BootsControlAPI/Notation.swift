/// The short notations people type for chamber selections and durations (pressoctl's
/// arguments), read into what the D-Bus methods take.
public enum Notation {
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Chambers: a single number is a count, as on the boots' Chamber Count characteristic
    /// (`4` = chambers 1–4); otherwise a comma-separated list of chambers and ranges
    /// (`1,2,3`, `2-5`, `1-3,6`; `4-4` selects chamber 4 alone). Returned sorted, without repeats.
    public static func chambers(_ text: String) throws(Invalid) -> [Int] {
        let usage = "use a count (4 = chambers 1-4) or a list (1,2,3 or 2-5 or 1-3,6)"
        if let count = Int(text) {
            guard count >= 1 else { throw Invalid(description: "chamber count \(count): at least one chamber must take part") }
            guard count <= 99 else { throw Invalid(description: "chamber count \(count): boots have at most 12 chambers") }
            return Array(1...count)
        }
        var chambers: Set<Int> = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]),
                low <= high, high <= 99
            else { throw Invalid(description: "'\(text)' is not a chamber selection: \(usage)") }
            chambers.formUnion(low...high)
        }
        return chambers.sorted()
    }

    /// A duration with units: `25m`, `90s`, `1h`, `1h30m`, `25m30s`. A bare number is refused
    /// (minutes or seconds? the unit says).
    public static func seconds(_ text: String) throws(Invalid) -> Int {
        let usage = "'\(text)' is not a duration: write it with units, like 25m, 90s or 1h30m"
        var total = 0
        var digits = ""
        var sawUnit = false
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            let unit: Int
            switch character {
            case "h": unit = 3600
            case "m": unit = 60
            case "s": unit = 1
            default: throw Invalid(description: usage)
            }
            guard let value = Int(digits), value <= 100_000 else { throw Invalid(description: usage) }
            total += value * unit
            digits = ""
            sawUnit = true
        }
        guard sawUnit, digits.isEmpty else { throw Invalid(description: usage) }
        return total
    }

    /// `17:05`, `0:09`, `61:00`: minutes and seconds.
    public static func clock(_ seconds: Int) -> String {
        let s = max(0, seconds)
        return "\(s / 60):" + (s % 60 < 10 ? "0" : "") + "\(s % 60)"
    }

    /// `1-6`, `1,3,5`, `1-3,6`: chambers as a compact list.
    public static func chamberList(_ chambers: [Int]) -> String {
        var parts: [String] = []
        var index = 0
        let sorted = chambers.sorted()
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count, sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end - index >= 2 ? "\(sorted[index])-\(sorted[end])"
                         : (index...end).map { String(sorted[$0]) }.joined(separator: ","))
            index = end + 1
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }
}
