/// A parsed `key = value` configuration file with `[section]` headers, keeping the line of every
/// entry so that any later complaint can name file, line and field.
///
/// The format is deliberately small (the subset of INI that systemd and git users know):
/// `#` or `;` start a comment line, blank lines are ignored, keys are `[A-Za-z0-9_.-]+`, values
/// run to the end of the line (trimmed; an optional pair of double quotes is removed). A key may
/// appear once per section.
public struct ConfigFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var section: String
        public var key: String
        public var value: String
        public var line: Int
    }

    /// Where the text came from, for messages (a path, or e.g. "<stdin>").
    public var path: String
    /// Entries in file order.
    public private(set) var entries: [Entry]
    /// The line of each section header.
    public private(set) var sectionLines: [String: Int]

    /// Parses `text`; throws a `ConfigError` naming the first bad line.
    public init(path: String, text: String) throws(ConfigError) {
        self.path = path
        self.entries = []
        self.sectionLines = [:]
        var section = ""
        var seen = Set<String>()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else {
                    throw ConfigError(path: path, line: lineNumber, field: nil, message: "malformed section header '\(line)'")
                }
                let name = String(line.dropFirst().dropLast()).trimmingWhitespace()
                guard name.allSatisfy(Self.isKeyCharacter) else {
                    throw ConfigError(path: path, line: lineNumber, field: nil, message: "invalid section name '\(name)'")
                }
                if let first = sectionLines[name] {
                    throw ConfigError(path: path, line: lineNumber, field: "[\(name)]", message: "section repeated (first at line \(first))")
                }
                section = name
                sectionLines[name] = lineNumber
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigError(path: path, line: lineNumber, field: nil, message: "expected 'key = value', found '\(line)'")
            }
            let key = String(line[..<equals]).trimmingWhitespace()
            var value = String(line[line.index(after: equals)...]).trimmingWhitespace()
            guard !key.isEmpty, key.allSatisfy(Self.isKeyCharacter) else {
                throw ConfigError(path: path, line: lineNumber, field: nil, message: "invalid key '\(key)'")
            }
            guard !section.isEmpty else {
                throw ConfigError(path: path, line: lineNumber, field: key, message: "key outside of any [section]")
            }
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            guard seen.insert(section + "\u{0}" + key).inserted else {
                throw ConfigError(path: path, line: lineNumber, field: "\(section).\(key)", message: "key repeated in [\(section)]")
            }
            entries.append(Entry(section: section, key: key, value: value, line: lineNumber))
        }
    }

    /// The sections named in the file, in file order.
    public var sections: [String] {
        sectionLines.sorted { $0.value < $1.value }.map(\.key)
    }

    public func entry(_ section: String, _ key: String) -> Entry? {
        entries.first { $0.section == section && $0.key == key }
    }

    private static func isKeyCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-" || c == ".")
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}

/// A configuration problem, always naming the file, and the line and field where there is one.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    /// `section.key`, or nil for a syntax error.
    public var field: String?
    public var message: String

    public init(path: String, line: Int?, field: String?, message: String) {
        self.path = path
        self.line = line
        self.field = field
        self.message = message
    }

    /// `file:line: field: message`, the shape compilers use, so editors can jump to it.
    public var description: String {
        var text = path
        if let line { text += ":\(line)" }
        text += ":"
        if let field { text += " \(field):" }
        return text + " " + message
    }
}
