/// Typed access to a `ConfigFile`. Every value read is checked (type, range, choice) and every
/// error names the file, line and field. `finish()` then rejects anything the reader never asked
/// for, so a misspelt key stops start-up instead of being silently ignored.
public struct ConfigReader {
    public let file: ConfigFile
    private var consumed: Set<String> = []
    private var knownSections: Set<String> = []

    public init(_ file: ConfigFile) {
        self.file = file
    }

    /// The raw text of `section.key`, or nil when absent.
    public mutating func raw(_ section: String, _ key: String) -> ConfigFile.Entry? {
        knownSections.insert(section)
        consumed.insert(section + "." + key)
        return file.entry(section, key)
    }

    public mutating func string(_ section: String, _ key: String, default fallback: String) -> String {
        raw(section, key)?.value ?? fallback
    }

    public mutating func optionalString(_ section: String, _ key: String) -> String? {
        guard let value = raw(section, key)?.value, !value.isEmpty else { return nil }
        return value
    }

    public mutating func integer(_ section: String, _ key: String, in range: ClosedRange<Int>, default fallback: Int) throws(ConfigError) -> Int {
        guard let entry = raw(section, key) else { return fallback }
        return try Self.parseInteger(entry, in: range, path: file.path)
    }

    public mutating func optionalInteger(_ section: String, _ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let entry = raw(section, key) else { return nil }
        return try Self.parseInteger(entry, in: range, path: file.path)
    }

    public mutating func double(_ section: String, _ key: String, in range: ClosedRange<Double>, default fallback: Double) throws(ConfigError) -> Double {
        guard let entry = raw(section, key) else { return fallback }
        guard let value = Double(entry.value), value.isFinite else {
            throw error(entry, "'\(entry.value)' is not a number")
        }
        guard range.contains(value) else {
            throw error(entry, "\(entry.value) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    public mutating func bool(_ section: String, _ key: String, default fallback: Bool) throws(ConfigError) -> Bool {
        guard let entry = raw(section, key) else { return fallback }
        switch entry.value.lowercased() {
        case "yes", "true", "on", "1": return true
        case "no", "false", "off", "0": return false
        default: throw error(entry, "'\(entry.value)' is not a boolean (yes/no, true/false, on/off, 1/0)")
        }
    }

    /// One of a fixed set of words, e.g. `backend = simulated`.
    public mutating func choice<T: RawRepresentable & CaseIterable>(_ section: String, _ key: String, default fallback: T) throws(ConfigError) -> T where T.RawValue == String {
        guard let entry = raw(section, key) else { return fallback }
        guard let value = T(rawValue: entry.value) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw error(entry, "'\(entry.value)' is not one of: \(allowed)")
        }
        return value
    }

    /// A comma-separated list of integers, e.g. `chambers = 1, 2, 3`.
    public mutating func integerList(_ section: String, _ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> [Int]? {
        guard let entry = raw(section, key) else { return nil }
        var values: [Int] = []
        for part in entry.value.split(separator: ",") {
            let item = ConfigFile.Entry(section: entry.section, key: entry.key, value: part.trimmingWhitespace(), line: entry.line)
            values.append(try Self.parseInteger(item, in: range, path: file.path))
        }
        return values
    }

    /// Marks a whole section as handled by someone else (e.g. a hardware backend's own decoder).
    public mutating func claimSection(_ section: String) -> [ConfigFile.Entry] {
        knownSections.insert(section)
        let entries = file.entries.filter { $0.section == section }
        for entry in entries { consumed.insert(section + "." + entry.key) }
        return entries
    }

    /// An error about `entry`, naming its line and field.
    public func error(_ entry: ConfigFile.Entry, _ message: String) -> ConfigError {
        ConfigError(path: file.path, line: entry.line, field: "\(entry.section).\(entry.key)", message: message)
    }

    /// Rejects unknown sections and keys: everything in the file must have been read.
    public func finish() throws(ConfigError) {
        for section in file.sections where !knownSections.contains(section) {
            throw ConfigError(path: file.path, line: file.sectionLines[section], field: "[\(section)]",
                              message: "unknown section (known: \(knownSections.sorted().joined(separator: ", ")))")
        }
        for entry in file.entries where !consumed.contains(entry.section + "." + entry.key) {
            throw error(entry, "unknown key in [\(entry.section)]")
        }
    }

    private static func parseInteger(_ entry: ConfigFile.Entry, in range: ClosedRange<Int>, path: String) throws(ConfigError) -> Int {
        let field = "\(entry.section).\(entry.key)"
        let text = entry.value
        let value: Int?
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            value = Int(text.dropFirst(2), radix: 16)
        } else {
            value = Int(text)
        }
        guard let value else {
            throw ConfigError(path: path, line: entry.line, field: field, message: "'\(text)' is not a whole number")
        }
        guard range.contains(value) else {
            throw ConfigError(path: path, line: entry.line, field: field, message: "\(value) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }
}
